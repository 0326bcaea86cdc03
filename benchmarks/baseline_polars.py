"""The polars baseline: the same outputs as the pandas baseline, written the way an analyst would with polars.

:mod:`benchmarks.baseline` is vectorised pandas; this is the best script an analyst would write instead of the
warehouse: lazy polars (``scan_parquet``, one query plan per output) run by the streaming engine, so the
comparison is against the fastest plain script, not the slowest. Same steps and same rules as the pandas
baseline (conform, boroughs with deprivation fifths, London aggregate with Wilson intervals, comparison with
London and England with ranks, deprivation gap/ratio/SII); a fast test checks both give the same figures
(``tests/python/benchmarks/test_baselines.py``).

One difference makes it fairer to the warehouse, and it is the one an analyst would choose at scale: the
enriched long table (every row, the warehouse's ``fct_indicator_value`` + ``int_indicator_values_enriched``) is
streamed to a Parquet file (``sink_parquet``) rather than held in memory, and the borough comparison and the gap
are computed from that file. The warehouse persists the same rows; pandas keeps them in RAM and writes nothing.

``python -m benchmarks.baseline_polars --lake-dir DIR`` runs it and prints seconds per step and row counts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from benchmarks.baseline import (
    BREAKDOWN,
    CANONICAL,
    ENGLAND,
    IMD_FILE,
    LONDON,
    NUMBERS,
    PERCENT_UNITS,
    SERIES,
    STRINGS,
    Z,
    indicator_files,
)

STREAMING = "streaming"


def conform(lake_dir: Path) -> pl.LazyFrame:
    """Every indicator dataset of the lake, canonical columns and types, one lazy long table of the warehouse's
    areas (``fct_indicator_value``'s rule; polars pushes the filter into the Parquet scan)."""
    from ingest.sources.areas import WAREHOUSE_AREAS

    casts = ([pl.col(c).cast(pl.String) for c in STRINGS] + [pl.col(c).cast(pl.Float64) for c in NUMBERS]
             + [pl.col(c).cast(pl.Date) for c in ("period_start", "period_end")])
    frames = [pl.scan_parquet(p).select(CANONICAL).filter(pl.col("area_code").is_in(list(WAREHOUSE_AREAS)))
              .with_columns(casts) for p in indicator_files(lake_dir)]
    return pl.concat(frames, how="vertical")


def boroughs(lake_dir: Path) -> pl.DataFrame:
    """The 33 boroughs with IMD 2025 rank, deprivation fifth (ntile(5) of the rank, 1 = most deprived) and
    latest population (a few dozen rows: eager)."""
    b = pl.read_parquet(lake_dir / "ons_london_boroughs_boundaries" / "london_boroughs.parquet",
                        columns=["area_code"])
    imd = pl.read_parquet(lake_dir.joinpath(*IMD_FILE),
                          columns=["area_code", "imd_rank_of_average_score"])
    pop = (pl.read_parquet(lake_dir / "ons_mid_year_population" / "mid_year_population.parquet",
                           columns=["area_code", "year", "population"])
           .sort("year").group_by("area_code").agg(pl.col("population").drop_nulls().last()))
    b = (b.join(imd, on="area_code", how="left").join(pop, on="area_code", how="left")
         .with_columns(pl.col("population").cast(pl.Float64))
         .sort("imd_rank_of_average_score"))
    n = b.height
    base, extra = divmod(n, 5)
    fifths = [f for f in range(1, 6) for _ in range(base + (1 if f - 1 < extra else 0))]
    return b.with_columns(pl.Series("deprivation_fifth", fifths, dtype=pl.Int64))


def catalogue(project_root: Path) -> pl.DataFrame:
    return pl.read_csv(project_root / "seeds" / "reference" / "indicator_catalogue.csv",
                       columns=["indicator_id", "unit", "value_type", "polarity"],
                       schema_overrides={c: pl.String for c in ("indicator_id", "unit", "value_type", "polarity")})


def _mult() -> pl.Expr:
    return pl.when(pl.col("unit").str.to_lowercase().is_in(list(PERCENT_UNITS)).fill_null(False)).then(100.0) \
        .otherwise(1.0)


def enrich(values: pl.LazyFrame, areas: pl.DataFrame, cat: pl.DataFrame) -> pl.LazyFrame:
    """London aggregate where London is not published (counts: the sum when every borough has a value), and
    Wilson intervals where counts exist without a CI."""
    v = values.with_columns([pl.col(c).fill_null("") for c in BREAKDOWN])
    bv = (v.filter(pl.col("value").is_not_null())
          .join(areas.lazy().select("area_code", "population"), on="area_code", how="inner"))
    has_counts = pl.col("count").is_not_null() & (pl.col("denominator") > 0).fill_null(False)
    agg = bv.group_by([*SERIES, "period_start", "period_end"]).agg(
        n_boroughs=pl.len(), n_with_counts=has_counts.sum(), sum_count=pl.col("count").sum(),
        sum_denominator=pl.col("denominator").sum(), n_with_population=pl.col("population").count(),
        sum_wv=(pl.col("value") * pl.col("population")).sum(), sum_pop=pl.col("population").sum(),
        sum_value=pl.col("value").sum(),
        source_id=pl.col("source_id").max(), snapshot_sha256=pl.col("snapshot_sha256").max())
    published = (v.filter((pl.col("area_code") == LONDON) & pl.col("value").is_not_null())
                 .select(SERIES).unique())
    agg = (agg.join(published, on=SERIES, how="anti", nulls_equal=True)
           .join(cat.lazy(), on="indicator_id", how="inner"))
    prop_counts = (pl.col("value_type") == "proportion") & (pl.col("n_with_counts") == pl.col("n_boroughs"))
    full_pop = (pl.col("value_type").is_in(["proportion", "mean"])
                & (pl.col("n_with_population") == pl.col("n_boroughs")))
    all_counts = (pl.col("value_type") == "count") & (pl.col("n_boroughs") == areas.height)
    agg = agg.filter((pl.col("n_boroughs") >= 30) & (pl.col("indicator_id") != "sii_life_expectancy")
                     & (prop_counts | full_pop | all_counts))
    derived = agg.select(
        *SERIES, "period_start", "period_end", "source_id", "snapshot_sha256",
        area_code=pl.lit(LONDON), area_name=pl.lit("London"), area_type=pl.lit("region"),
        value=pl.when(all_counts).then(pl.col("sum_value"))
        .when(prop_counts).then(pl.col("sum_count") / pl.col("sum_denominator") * _mult())
        .when(full_pop).then(pl.col("sum_wv") / pl.col("sum_pop")).otherwise(None),
        lower_ci=pl.lit(None, pl.Float64), upper_ci=pl.lit(None, pl.Float64),
        count=pl.when(prop_counts).then(pl.col("sum_count")).otherwise(None),
        denominator=pl.when(prop_counts).then(pl.col("sum_denominator")).otherwise(None),
        value_note=pl.format("derived from {} London boroughs", pl.col("n_boroughs")),
        is_derived=pl.lit(True))
    allv = (pl.concat([v.with_columns(is_derived=pl.lit(False)), derived], how="diagonal_relaxed")
            .join(cat.lazy(), on="indicator_id", how="left"))
    has_ci = pl.col("lower_ci").is_not_null() & pl.col("upper_ci").is_not_null()
    wil = (~has_ci & (pl.col("value_type") == "proportion").fill_null(False) & pl.col("count").is_not_null()
           & (pl.col("denominator") > 0).fill_null(False))
    n = pl.col("denominator")
    # no interval for a count outside 0..denominator (macros/stats/wilson.sql), though ci_method says wilson
    p = pl.when((pl.col("count") >= 0) & (pl.col("count") <= n)).then(pl.col("count") / n)
    centre = p + Z * Z / (2 * n)
    spread = Z * (p * (1 - p) / n + Z * Z / (4 * n * n)).sqrt()
    return allv.with_columns(
        ci_method=pl.when(has_ci).then(pl.lit("published")).when(wil).then(pl.lit("wilson")).otherwise(None),
        lower_ci=pl.when(wil).then((centre - spread) / (1 + Z * Z / n) * _mult()).otherwise(pl.col("lower_ci")),
        upper_ci=pl.when(wil).then((centre + spread) / (1 + Z * Z / n) * _mult()).otherwise(pl.col("upper_ci")))


def compare(enriched: pl.LazyFrame, areas: pl.DataFrame) -> pl.LazyFrame:
    """Each borough against London and England ('similar' when the benchmark is in the CI), and its rank."""
    bench = (enriched.filter(pl.col("area_code").is_in([LONDON, ENGLAND]))
             .group_by(SERIES).agg(
                 london_value=pl.col("value").filter(pl.col("area_code") == LONDON).max(),
                 england_value=pl.col("value").filter(pl.col("area_code") == ENGLAND).max()))
    b = (enriched.join(areas.lazy().select("area_code", "deprivation_fifth", "imd_rank_of_average_score"),
                       on="area_code", how="inner")
         .join(bench, on=SERIES, how="left", nulls_equal=True))
    lo, hi, pol, val = pl.col("lower_ci"), pl.col("upper_ci"), pl.col("polarity"), pl.col("value")
    cols = []
    for name, col in (("comparison_with_london", "london_value"), ("comparison_with_england", "england_value")):
        bm = pl.col(col)
        cols.append(
            pl.when(val.is_null() | bm.is_null()).then(pl.lit("not_compared"))
            .when(lo.is_null() | hi.is_null()).then(pl.lit("not_compared"))
            .when((bm >= lo) & (bm <= hi)).then(pl.lit("similar"))
            .when(pol == "higher_is_better").then(pl.when(lo > bm).then(pl.lit("better")).otherwise(pl.lit("worse")))
            .when(pol == "lower_is_better").then(pl.when(hi < bm).then(pl.lit("better")).otherwise(pl.lit("worse")))
            .when(pol == "no_judgement").then(pl.when(lo > bm).then(pl.lit("higher")).otherwise(pl.lit("lower")))
            .otherwise(pl.lit("not_compared")).alias(name))
    score = pl.when(pol == "lower_is_better").then(val).otherwise(-val)
    return b.with_columns(
        *cols,
        rank_among_boroughs=score.rank(method="min").over(SERIES).cast(pl.Float64),
        n_boroughs_ranked=val.count().over(SERIES))


def inequality(enriched: pl.LazyFrame, areas: pl.DataFrame) -> pl.LazyFrame:
    """Per series: most minus least deprived fifth (gap, ratio) and the slope index of inequality (counts left
    out: a borough's count follows its size)."""
    b = (enriched.filter(pl.col("value").is_not_null() & (pl.col("value_type").fill_null("") != "count"))
         .join(areas.lazy().select("area_code", "deprivation_fifth", "imd_rank_of_average_score", "population"),
               on="area_code", how="inner")
         .sort([*SERIES, "imd_rank_of_average_score"], nulls_last=False))
    w = pl.col("population").fill_null(0.0)
    x = (w.cum_sum().over(SERIES) - w / 2) / pl.col("population").sum().over(SERIES)
    b = b.with_columns(w=w, x=x)
    out = b.group_by(SERIES).agg(
        n_boroughs=pl.len(),
        most=pl.col("value").filter(pl.col("deprivation_fifth") == 1).mean(),
        n_most=(pl.col("deprivation_fifth") == 1).sum(),
        least=pl.col("value").filter(pl.col("deprivation_fifth") == 5).mean(),
        n_least=(pl.col("deprivation_fifth") == 5).sum(),
        sw=pl.col("w").sum(), swx=(pl.col("w") * pl.col("x")).sum(), swy=(pl.col("w") * pl.col("value")).sum(),
        swxx=(pl.col("w") * pl.col("x") ** 2).sum(), swxy=(pl.col("w") * pl.col("x") * pl.col("value")).sum())
    ok = (pl.col("n_boroughs") >= 25) & (pl.col("n_most") >= 2) & (pl.col("n_least") >= 2)
    denom = pl.col("sw") * pl.col("swxx") - pl.col("swx") ** 2
    slope = (pl.col("sw") * pl.col("swxy") - pl.col("swx") * pl.col("swy")) / denom
    return out.with_columns(
        gap=pl.when(ok).then(pl.col("most") - pl.col("least")).otherwise(None),
        ratio=pl.when(ok & (pl.col("least") != 0)).then(pl.col("most") / pl.col("least")).otherwise(None),
        sii=pl.when(ok & (denom != 0)).then(slope).otherwise(None))


def outputs(lake_dir: Path, project_root: Path, out_dir: Path) -> tuple[dict[str, float | int], pl.DataFrame,
                                                                          pl.DataFrame]:
    """The whole baseline: stream the enriched rows to ``out_dir/enriched.parquet``, then the borough
    comparison and the gap from that file, written to ``compared.parquet`` and ``gap.parquet``. Returns seconds
    per step and row counts, and the two outputs."""
    t: dict[str, float | int] = {}
    t0 = time.perf_counter()
    areas, cat = boroughs(lake_dir), catalogue(project_root)
    enriched_path = out_dir / "enriched.parquet"
    enrich(conform(lake_dir), areas, cat).sink_parquet(enriched_path, engine=STREAMING)
    t["conform_enrich_s"] = time.perf_counter() - t0
    enriched = pl.scan_parquet(enriched_path)
    t1 = time.perf_counter()
    compared = compare(enriched, areas).collect(engine=STREAMING)
    t["compare_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    gap = inequality(enriched, areas).collect(engine=STREAMING)
    t["gap_s"] = time.perf_counter() - t2
    # both outputs persisted, as the warehouse persists fct_borough_indicator and fct_inequality_gap (and so the
    # scale benchmark can check that the warehouse produced the same rows: benchmarks/equal_work.py)
    t3 = time.perf_counter()
    compared.write_parquet(out_dir / "compared.parquet")
    gap.write_parquet(out_dir / "gap.parquet")
    t["write_s"] = time.perf_counter() - t3
    t["total_s"] = time.perf_counter() - t0
    counts = enriched.select(rows_enriched=pl.len(), rows_derived_london=pl.col("is_derived").sum(),
                             rows_in=(~pl.col("is_derived")).sum()).collect(engine=STREAMING).row(0, named=True)
    t.update(rows_in=counts["rows_in"], rows_enriched=counts["rows_enriched"],
             rows_derived_london=counts["rows_derived_london"], rows_compared=compared.height,
             rows_gap=gap.filter(pl.col("gap").is_not_null()).height)
    return t, compared, gap


def run(lake_dir: Path, project_root: Path, out_dir: Path | None = None) -> dict[str, float | int]:
    """Seconds per step and output row counts (the enriched file goes to a temporary directory unless
    ``out_dir``)."""
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        return outputs(lake_dir, project_root, out_dir)[0]
    with tempfile.TemporaryDirectory(prefix="his-polars-") as tmp:
        return outputs(lake_dir, project_root, Path(tmp))[0]


def main(argv: list[str] | None = None) -> int:
    from ingest.config import PROJECT_ROOT, settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake-dir", type=Path)
    ap.add_argument("--out-dir", type=Path, help="where the enriched Parquet goes (default: a temporary directory)")
    args = ap.parse_args(argv)
    lake = args.lake_dir or settings().lake_dir
    res = run(lake, PROJECT_ROOT, args.out_dir)
    print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items()))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
