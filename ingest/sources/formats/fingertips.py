"""Fingertips formats: the official API CSV and the slim republished CSV (Trafford Data Lab).

Registry indicator options: ``fingertips_id`` (API: rows with that Indicator ID), ``source_label``
(slim: rows whose ``indicator`` equals it), ``period_type``, optional ``sex``/``age`` (constants for the
slim layout; filters for the API layout). The slim parser reads the API layout too (the official URL
returns it), so a registry entry keeps working when the mirror copy is replaced by a download.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ingest.sources.conform import FileContext, conform, read_csv, read_text, to_number

API_COLUMNS = ["Indicator ID", "Area Code", "Area Name", "Sex", "Age", "Category Type", "Category", "Time period",
               "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator", "Value note"]
SLIM_COLUMNS = ["area_code", "area_name", "period", "indicator", "value", "unit", "inequality"]


def _period_types(ctx: FileContext, dataset: Any) -> dict[str, str]:
    default = ctx.options.get("period_type")
    return {i.id: i.options.get("period_type", default) for i in dataset.indicator_specs}


def parse_api(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    df = read_csv(ctx, API_COLUMNS)
    parts = []
    for spec in dataset.indicator_specs:
        fid = spec.options.get("fingertips_id")
        if fid is None:
            raise ctx.fail(f"indicator {spec.id}: the registry gives no fingertips_id")
        part = df.filter(pl.col("Indicator ID").str.strip_chars() == str(fid))
        for col, opt in (("Sex", "sex"), ("Age", "age")):
            if spec.options.get(opt):
                part = part.filter(pl.col(col) == spec.options[opt])
        if part.height == 0:
            found = sorted(df["Indicator ID"].unique().to_list())
            raise ctx.fail(f"indicator {spec.id}: no rows with Indicator ID {fid} (the file has {found})")
        parts.append(part.with_columns(pl.lit(spec.id).alias("indicator_id")))
    df = pl.concat(parts)
    df = to_number(ctx, df, "Value", "value", note_out="__sup")
    for col, out in (("Lower CI 95.0 limit", "lower_ci"), ("Upper CI 95.0 limit", "upper_ci"),
                     ("Count", "count"), ("Denominator", "denominator")):
        df = to_number(ctx, df, col, out)
    note = pl.col("Value note").str.strip_chars().replace("", None)
    # the publisher's note where it gives one (it explains the suppression), else the marker we saw
    df = df.with_columns(pl.coalesce(note, pl.col("__sup")).alias("value_note"))
    df = df.select(
        "indicator_id",
        pl.col("Area Code").alias("area_code"),
        pl.col("Area Name").alias("area_name"),
        pl.col("Time period").alias("period_label"),
        pl.col("Sex").alias("sex"),
        pl.col("Age").alias("age"),
        pl.col("Category Type").alias("category_type"),
        pl.col("Category").alias("category"),
        "value", "lower_ci", "upper_ci", "count", "denominator", "value_note",
    )
    return conform(ctx, df, area_level=dataset.area_level, area_names=registry.area_names,
                   period_types=_period_types(ctx, dataset))


def parse_slim(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    head = read_text(ctx).lstrip().split("\n", 1)[0]
    if head.startswith("Indicator ID") or '"Indicator ID"' in head:
        return parse_api(ctx, dataset, source, registry)  # the official endpoint's layout
    df = read_csv(ctx, SLIM_COLUMNS)
    sex_column = ctx.options.get("sex_column", "unit")
    parts = []
    for spec in dataset.indicator_specs:
        label = spec.options.get("source_label")
        if not label:
            raise ctx.fail(f"indicator {spec.id}: the registry gives no source_label")
        part = df.filter(pl.col("indicator") == label)
        if part.height == 0:
            found = sorted(df["indicator"].unique().to_list())
            raise ctx.fail(f"indicator {spec.id}: no rows whose indicator is {label!r} (the file has {found})")
        sex = pl.lit(spec.options["sex"]) if spec.options.get("sex") else pl.col(sex_column)
        parts.append(part.with_columns(pl.lit(spec.id).alias("indicator_id"), sex.alias("sex"),
                                       pl.lit(spec.options.get("age")).cast(pl.String).alias("age")))
    df = to_number(ctx, pl.concat(parts), "value", "__value", note_out="value_note")
    df = df.select("indicator_id", "area_code", "area_name", pl.col("period").alias("period_label"), "sex", "age",
                   pl.col("__value").alias("value"), "value_note")
    return conform(ctx, df, area_level=dataset.area_level, area_names=registry.area_names,
                   period_types=_period_types(ctx, dataset))
