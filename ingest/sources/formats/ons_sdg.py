"""The UK SDG data platform CSV (``ONSdigital/sdg-data``, e.g. indicator_3-9-1.csv).

Registry indicator options: ``series`` (rows whose Series equals it), ``period_type`` (default
calendar_year), ``sex``/``age`` constants. Deprivation-decile rows become ``category_type`` "Deprivation
decile"; a non-normal ``Observation status`` is kept in ``value_note``; a blank GeoCode means England
(dataset option ``blank_geocode``, default E92000001).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ingest.sources.conform import ENGLAND, FileContext, conform, note_indicators, read_csv, to_number

COLUMNS = ["Year", "Series", "Region", "Local authority", "Deprivation decile", "Observation status", "GeoCode",
           "Value"]


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    df = read_csv(ctx, COLUMNS)
    parts = []
    note_indicators(ctx, df, "Series", "series")
    for spec in dataset.indicator_specs:
        series = spec.options.get("series")
        part = df.filter(pl.col("Series") == series)
        if part.height == 0:
            raise ctx.fail(f"indicator {spec.id}: no rows with Series {series!r} "
                           f"(the file has {sorted(df['Series'].unique().to_list())})")
        parts.append(part.with_columns(pl.lit(spec.id).alias("indicator_id"),
                                       pl.lit(spec.options.get("sex", "Persons")).alias("sex"),
                                       pl.lit(spec.options.get("age")).cast(pl.String).alias("age")))
    df = to_number(ctx, pl.concat(parts), "Value", "value", note_out="__sup")
    blank = ctx.options.get("blank_geocode", ENGLAND)
    status = pl.col("Observation status").str.strip_chars()
    status_note = pl.when(status.is_null() | (status == "") | (status == "Normal value")).then(None).otherwise(status)
    decile = pl.col("Deprivation decile").replace("", None)
    df = df.select(
        "indicator_id",
        pl.when(pl.col("GeoCode").str.strip_chars().replace("", None).is_null()).then(pl.lit(blank))
        .otherwise(pl.col("GeoCode")).alias("area_code"),
        pl.coalesce(pl.col("Local authority").replace("", None),
                    pl.when(pl.col("GeoCode").str.starts_with("E12")).then(pl.col("Region").replace("", None)))
        .alias("area_name"),
        pl.col("Year").alias("period_label"),
        "sex", "age",
        pl.when(decile.is_not_null()).then(pl.lit("Deprivation decile")).alias("category_type"),
        decile.alias("category"),
        "value",
        pl.coalesce(status_note, pl.col("__sup")).alias("value_note"),
    )
    default = ctx.options.get("period_type", "calendar_year")
    ptypes = {i.id: i.options.get("period_type", default) for i in dataset.indicator_specs}
    return conform(ctx, df, area_level=dataset.area_level, area_names=registry.area_names, period_types=ptypes,
                   indicator_options={i.id: i.options for i in dataset.indicator_specs})
