"""Fingertips formats: the official API CSV (and the website's export table) and the slim republished CSV.

``fingertips_api_csv`` reads two layouts of the same Fingertips columns, told apart by the header:

- the API layout (``/api/all_data/csv/by_indicator_id``): ``Area Name``, ``Compared to <Region|parent>
  value or percentiles``, plain-text ``Value note``;
- the website's "Export table as CSV" variant: ``AreaName``, ``Compared to parent value or percentiles``,
  HTML in ``Value note`` (``<span class="tooltipValueNote">...</span>``: the tags are stripped, the text kept).

A file in neither layout is an error naming the file and the columns it has. Both give the value, the 95% and
99.8% confidence limits, count, denominator and value note, and the publisher's own judgements, kept word for
word (never recomputed): ``Compared to England value or percentiles`` -> ``publisher_comparison_england``,
the comparison with the parent -> ``publisher_comparison_london`` when the parent is London (E12000007), and
``Recent Trend`` -> ``publisher_trend``.

``fingertips_slim_csv`` reads Fingertips data as republished by Trafford Data Lab (area_code, period,
indicator, value, ``compared_to_England``...; the last is kept as ``publisher_comparison_england``).

A file whose header a republisher rewrote (``IndicatorID``, ``Lower_CI_95.0_limit``...) is read through the
registry option ``header_map`` ({name in the file: API name}, ``ingest.sources.conform.apply_header_map``),
declared in its registry entry, so the data rows are read as published and this parser has no special case
(``ingest/registry/fingertips_suicide_prevention_london_2019.yml``).

Registry indicator options: ``fingertips_id`` (API: rows with that Indicator ID), ``source_label``
(slim: rows whose ``indicator`` equals it), ``period_type``, optional ``sex``/``age`` (constants for the
slim layout; filters for the API layout), and the period selection ``periods`` / ``exclude_periods``
(``ingest.sources.conform.conform``). The slim parser reads the API layout too (the official URL
returns it), so a registry entry keeps working when the mirror copy is replaced by a download.
"""

from __future__ import annotations

import html
import re
from typing import Any

import polars as pl

from ingest.sources.areas import LONDON
from ingest.sources.conform import FileContext, conform, read_csv, read_text, to_number

# Columns both Fingertips layouts share (the API names); each layout adds its own names for the rest.
API_COMMON = ["Indicator ID", "Area Code", "Sex", "Age", "Category Type", "Category", "Time period",
              "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator", "Value note"]
# layout name -> (area name column, comparison-with-parent columns it may use)
LAYOUTS = {
    "API": ("Area Name", ["Compared to Region value or percentiles", "Compared to parent value or percentiles"]),
    "export table": ("AreaName", ["Compared to parent value or percentiles"]),
}
OPTIONAL_NUMBERS = {"Lower CI 99.8 limit": "lower_ci_99_8", "Upper CI 99.8 limit": "upper_ci_99_8"}
ENGLAND_COMPARISON = "Compared to England value or percentiles"
TREND = "Recent Trend"
SLIM_COLUMNS = ["area_code", "area_name", "period", "indicator", "value", "unit", "inequality"]
SLIM_COMPARISON = "compared_to_England"
# Words that mean "no judgement given" in a publisher's judgement column (kept as null, not as a judgement).
NO_JUDGEMENT = ["", "NA", "N/A"]
_TAG = re.compile(r"<[^>]+>")


def _period_types(ctx: FileContext, dataset: Any) -> dict[str, str]:
    default = ctx.options.get("period_type")
    return {i.id: i.options.get("period_type", default) for i in dataset.indicator_specs}


def _indicator_options(dataset: Any) -> dict[str, dict[str, Any]]:
    return {i.id: i.options for i in dataset.indicator_specs}


def _layout(ctx: FileContext, df: pl.DataFrame) -> str:
    """Which Fingertips layout the header is: "API" or "export table"; a clear error for anything else."""
    for name, (area_name, _) in LAYOUTS.items():
        if area_name in df.columns and all(c in df.columns for c in API_COMMON):
            return name
    missing = [c for c in API_COMMON if c not in df.columns]
    if not any(area in df.columns for area, _ in LAYOUTS.values()):
        missing.append("'Area Name' (API) or 'AreaName' (export table)")
    raise ctx.fail("not a Fingertips API CSV nor a Fingertips export table: missing "
                   f"{', '.join(repr(c) if not c.startswith(chr(39)) else c for c in missing)}; "
                   f"the file has {', '.join(repr(c) for c in df.columns)}")


def _judgement(column: str) -> pl.Expr:
    """A publisher's judgement word as published (trimmed); null where it gives none."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text.is_null() | text.is_in(NO_JUDGEMENT)).then(None).otherwise(text)


def strip_html(expr: pl.Expr) -> pl.Expr:
    """Value notes of the export table are HTML: drop the tags, unescape entities, squeeze spaces."""
    no_tags = expr.str.replace_all(_TAG.pattern, " ")
    return (no_tags.map_elements(html.unescape, return_dtype=pl.String)
            .str.replace_all(r"\s+", " ").str.strip_chars())


def parse_api(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    df = read_csv(ctx, [])
    layout = _layout(ctx, df)
    area_name, parent_columns = LAYOUTS[layout]
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
    numbers = {"Lower CI 95.0 limit": "lower_ci", "Upper CI 95.0 limit": "upper_ci", "Count": "count",
               "Denominator": "denominator", **{c: o for c, o in OPTIONAL_NUMBERS.items() if c in df.columns}}
    for col, out in numbers.items():
        df = to_number(ctx, df, col, out)
    note = strip_html(pl.col("Value note")).replace("", None)
    # the publisher's note where it gives one (it explains the suppression), else the marker we saw
    df = df.with_columns(pl.coalesce(note, pl.col("__sup")).alias("value_note"))
    parent = next((c for c in parent_columns if c in df.columns), None)
    judgements = [
        (_judgement(ENGLAND_COMPARISON) if ENGLAND_COMPARISON in df.columns else pl.lit(None, pl.String))
        .alias("publisher_comparison_england"),
        # the comparison with the parent is the comparison with London only where London is the parent
        (pl.when(pl.col("Parent Code").str.strip_chars() == LONDON).then(_judgement(parent))
         if parent and "Parent Code" in df.columns else pl.lit(None, pl.String)).alias("publisher_comparison_london"),
        (_judgement(TREND) if TREND in df.columns else pl.lit(None, pl.String)).alias("publisher_trend"),
    ]
    df = df.with_columns(judgements)
    df = df.select(
        "indicator_id",
        pl.col("Area Code").alias("area_code"),
        pl.col(area_name).alias("area_name"),
        pl.col("Time period").alias("period_label"),
        pl.col("Sex").alias("sex"),
        pl.col("Age").alias("age"),
        pl.col("Category Type").alias("category_type"),
        pl.col("Category").alias("category"),
        "value", "lower_ci", "upper_ci", *[o for o in OPTIONAL_NUMBERS.values() if o in df.columns],
        "count", "denominator", "value_note",
        "publisher_comparison_england", "publisher_comparison_london", "publisher_trend",
    )
    return conform(ctx, df, area_level=dataset.area_level, area_names=registry.area_names,
                   period_types=_period_types(ctx, dataset), indicator_options=_indicator_options(dataset))


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
    comparison = _judgement(SLIM_COMPARISON) if SLIM_COMPARISON in df.columns else pl.lit(None, pl.String)
    df = df.select("indicator_id", "area_code", "area_name", pl.col("period").alias("period_label"), "sex", "age",
                   pl.col("__value").alias("value"), "value_note",
                   comparison.alias("publisher_comparison_england"))
    return conform(ctx, df, area_level=dataset.area_level, area_names=registry.area_names,
                   period_types=_period_types(ctx, dataset), indicator_options=_indicator_options(dataset))
