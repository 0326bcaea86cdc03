"""The pandas baseline: what an analyst would otherwise write, timed against the warehouse path.

The same transformations the dbt models do (``fct_indicator_value``, ``int_indicator_values_enriched``,
``fct_borough_indicator``, ``fct_inequality_gap``), in plain pandas over the same lake Parquet files:

1. conform: read every indicator dataset of the lake, canonical columns and types, one long table, keeping the
   warehouse's areas (boroughs, Inner and Outer London, London, England: ``fct_indicator_value``'s rule), read
   with the filter pushed into the Parquet reader as an analyst would;
2. areas: the 33 boroughs with IMD 2025 deprivation fifths (ntile of the rank of average score: the edition
   the warehouse's inequality marts use) and latest population, from the lake's reference datasets;
3. London aggregate: for each indicator, period and breakdown without a published London row, sum of
   counts over sum of denominators (proportions with counts everywhere) or the population-weighted mean of
   the borough values (at least 30 boroughs), or for counts the sum of the borough values (every borough);
   Wilson 95% intervals where counts exist without a CI (percent units x 100, as the warehouse's
   ``unit_multiplier``);
4. comparison with England (and London): each borough value against the benchmark, 'similar' when the
   benchmark lies in the borough's CI, else better/worse by polarity; rank among boroughs;
5. deprivation gap: per indicator, period and breakdown (counts left out: a borough's count follows its
   size), mean of the most deprived fifth minus the least deprived fifth and their ratio (at least 25
   boroughs, 2 per end fifth), and the slope index of inequality (population-weighted least squares on the
   ridit of the deprivation rank).

These are the warehouse's rules, so the scale benchmark can check that the warehouse and the polars baseline
produce the same rows before comparing their times (:mod:`benchmarks.equal_work`). What the baselines do not do:
the indicator rows the warehouse takes from programme returns (a handful of reported figures, left out of that
check), and every data check.

Vectorised pandas throughout (groupby/merge/np.select, no row loops), so the comparison is fair to pandas.
``python -m benchmarks.baseline --lake-dir DIR`` runs it and prints row counts per output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CANONICAL = ["indicator_id", "area_code", "area_name", "area_type", "period_label", "period_start", "period_end",
             "sex", "age", "category_type", "category", "value", "lower_ci", "upper_ci", "count", "denominator",
             "value_note", "source_id", "snapshot_sha256"]
STRINGS = ["indicator_id", "area_code", "area_name", "area_type", "period_label", "sex", "age", "category_type",
           "category", "value_note", "source_id", "snapshot_sha256"]
NUMBERS = ["value", "lower_ci", "upper_ci", "count", "denominator"]
BREAKDOWN = ["sex", "age", "category_type", "category"]
SERIES = ["indicator_id", "period_label", *BREAKDOWN]
LONDON, ENGLAND = "E12000007", "E92000001"
IMD_FILE = ("mhclg_imd2025", "imd2025_lad.parquet")  # the edition of fct_inequality_gap and dim_area's fifths
PERCENT_UNITS = ("percent", "%", "percentage")  # macros/stats/trend.sql unit_multiplier: these are x 100
Z = 1.959963984540054


def indicator_files(lake_dir: Path) -> list[Path]:
    import pyarrow.parquet as pq

    return sorted(p for p in lake_dir.glob("*/*.parquet") if "indicator_id" in pq.read_schema(p).names)


def conform(lake_dir: Path) -> pd.DataFrame:
    from ingest.sources.areas import WAREHOUSE_AREAS

    frames = [pd.read_parquet(p, columns=CANONICAL, filters=[("area_code", "in", list(WAREHOUSE_AREAS))])
              for p in indicator_files(lake_dir)]
    df = pd.concat(frames, ignore_index=True)
    for c in STRINGS:
        df[c] = df[c].astype("string")
    for c in NUMBERS:
        df[c] = df[c].astype("float64")
    for c in ("period_start", "period_end"):
        df[c] = pd.to_datetime(df[c])
    return df


def boroughs(lake_dir: Path) -> pd.DataFrame:
    b = pd.read_parquet(lake_dir / "ons_london_boroughs_boundaries" / "london_boroughs.parquet",
                        columns=["area_code"])
    imd = pd.read_parquet(lake_dir.joinpath(*IMD_FILE),
                          columns=["area_code", "imd_rank_of_average_score"])
    pop = pd.read_parquet(lake_dir / "ons_mid_year_population" / "mid_year_population.parquet",
                          columns=["area_code", "year", "population"])
    pop = pop.sort_values("year").groupby("area_code", as_index=False).last()[["area_code", "population"]]
    b = b.merge(imd, on="area_code", how="left").merge(pop, on="area_code", how="left")
    b = b.sort_values("imd_rank_of_average_score").reset_index(drop=True)
    # ntile(5) over the rank: group sizes 7, 7, 7, 6, 6 for 33 boroughs (1 = most deprived)
    n = len(b)
    base, extra = divmod(n, 5)
    b["deprivation_fifth"] = np.repeat(np.arange(1, 6), [base + (1 if i < extra else 0) for i in range(5)])
    return b


def catalogue(project_root: Path) -> pd.DataFrame:
    return pd.read_csv(project_root / "seeds" / "reference" / "indicator_catalogue.csv",
                       usecols=["indicator_id", "unit", "value_type", "polarity"], dtype="string")


def _keyed(df: pd.DataFrame) -> pd.DataFrame:
    """Null-safe breakdown columns for grouping and joining (pandas drops NaN keys otherwise)."""
    out = df.copy()
    for c in BREAKDOWN:
        out[c] = out[c].fillna("")
    return out


def enrich(values: pd.DataFrame, areas: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    v = _keyed(values)
    bv = v[v["value"].notna()].merge(areas[["area_code", "population"]], on="area_code", how="inner")
    bv["has_counts"] = bv["count"].notna() & (bv["denominator"] > 0)
    bv["wv"] = bv["value"] * bv["population"]
    agg = bv.groupby(SERIES + ["period_start", "period_end"], sort=False).agg(
        n_boroughs=("value", "size"), n_with_counts=("has_counts", "sum"), sum_count=("count", "sum"),
        sum_denominator=("denominator", "sum"), n_with_population=("population", "count"),
        sum_wv=("wv", "sum"), sum_pop=("population", "sum"), sum_value=("value", "sum"),
        source_id=("source_id", "max"),
        snapshot_sha256=("snapshot_sha256", "max")).reset_index()
    published = v.loc[(v["area_code"] == LONDON) & v["value"].notna(), SERIES].drop_duplicates()
    agg = agg.merge(published.assign(_pub=True), on=SERIES, how="left")
    agg = agg.merge(cat, on="indicator_id", how="inner")
    prop_counts = (agg["value_type"] == "proportion") & (agg["n_with_counts"] == agg["n_boroughs"])
    full_pop = agg["value_type"].isin(["proportion", "mean"]) & (agg["n_with_population"] == agg["n_boroughs"])
    all_counts = (agg["value_type"] == "count") & (agg["n_boroughs"] == len(areas))
    keep = (agg["_pub"].isna() & (agg["n_boroughs"] >= 30) & (agg["indicator_id"] != "sii_life_expectancy")
            & (prop_counts | full_pop | all_counts))
    agg = agg[keep]
    prop_counts, full_pop, all_counts = prop_counts[keep], full_pop[keep], all_counts[keep]
    mult = np.where(agg["unit"].str.lower().isin(PERCENT_UNITS).fillna(False), 100.0, 1.0)
    derived = pd.DataFrame({
        **{c: agg[c] for c in SERIES + ["period_start", "period_end", "source_id", "snapshot_sha256"]},
        "area_code": LONDON, "area_name": "London", "area_type": "region",
        "value": np.where(all_counts, agg["sum_value"],
                          np.where(prop_counts, agg["sum_count"] / agg["sum_denominator"] * mult,
                                   np.where(full_pop, agg["sum_wv"] / agg["sum_pop"], np.nan))),
        "lower_ci": np.nan, "upper_ci": np.nan,
        "count": np.where(prop_counts, agg["sum_count"], np.nan),
        "denominator": np.where(prop_counts, agg["sum_denominator"], np.nan),
        "value_note": "derived from " + agg["n_boroughs"].astype(str) + " London boroughs",
        "is_derived": True})
    allv = pd.concat([v.assign(is_derived=False), derived], ignore_index=True)
    allv = allv.merge(cat, on="indicator_id", how="left")
    # Wilson score interval where a count and denominator exist but no CI was published
    has_ci = allv["lower_ci"].notna() & allv["upper_ci"].notna()
    wil = ~has_ci & (allv["value_type"] == "proportion") & allv["count"].notna() & (allv["denominator"] > 0)
    n = allv["denominator"].where(wil)
    # no interval for a count outside 0..denominator (macros/stats/wilson.sql), though ci_method says wilson
    p = (allv["count"] / n).where((allv["count"] >= 0) & (allv["count"] <= n))
    centre = p + Z * Z / (2 * n)
    spread = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    m = np.where(allv["unit"].str.lower().isin(PERCENT_UNITS).fillna(False), 100.0, 1.0)
    allv["ci_method"] = np.where(has_ci, "published", np.where(wil, "wilson", None))
    allv["lower_ci"] = np.where(wil, (centre - spread) / (1 + Z * Z / n) * m, allv["lower_ci"])
    allv["upper_ci"] = np.where(wil, (centre + spread) / (1 + Z * Z / n) * m, allv["upper_ci"])
    return allv


def compare(enriched: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    bench = enriched[enriched["area_code"].isin([LONDON, ENGLAND])]
    bench = bench.pivot_table(index=SERIES, columns="area_code", values="value", aggfunc="max").reset_index()
    bench = bench.rename(columns={LONDON: "london_value", ENGLAND: "england_value"})
    for c in ("london_value", "england_value"):
        if c not in bench:
            bench[c] = np.nan
    b = enriched.merge(areas[["area_code", "deprivation_fifth", "imd_rank_of_average_score"]], on="area_code",
                       how="inner")
    b = b.merge(bench[SERIES + ["london_value", "england_value"]], on=SERIES, how="left")
    for name, col in (("comparison_with_london", "london_value"), ("comparison_with_england", "england_value")):
        bm, lo, hi, pol = b[col], b["lower_ci"], b["upper_ci"], b["polarity"]
        b[name] = np.select(
            [b["value"].isna() | bm.isna(), lo.isna() | hi.isna(), (bm >= lo) & (bm <= hi),
             pol == "higher_is_better", pol == "lower_is_better", pol == "no_judgement"],
            ["not_compared", "not_compared", "similar",
             np.where(lo > bm, "better", "worse"), np.where(hi < bm, "better", "worse"),
             np.where(lo > bm, "higher", "lower")],
            default="not_compared")
    score = np.where(b["polarity"] == "lower_is_better", b["value"], -b["value"])
    b["_score"] = score
    b["rank_among_boroughs"] = b.groupby(SERIES)["_score"].rank(method="min")
    b["n_boroughs_ranked"] = b.groupby(SERIES)["value"].transform("count")
    return b.drop(columns="_score")


def inequality(enriched: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    b = enriched[enriched["value"].notna() & (enriched["value_type"].fillna("") != "count")].merge(
        areas[["area_code", "deprivation_fifth", "imd_rank_of_average_score", "population"]], on="area_code",
        how="inner")
    b["v1"] = b["value"].where(b["deprivation_fifth"] == 1)
    b["v5"] = b["value"].where(b["deprivation_fifth"] == 5)
    # ridit of deprivation rank (most deprived = 0 end), population weighted, per series
    b = b.sort_values(SERIES + ["imd_rank_of_average_score"])
    w = b["population"].fillna(0.0)
    g = b.groupby(SERIES, sort=False)
    cum = w.groupby([b[c] for c in SERIES], sort=False).cumsum()
    tot = g["population"].transform("sum")
    b["x"] = (cum - w / 2) / tot
    b["w"], b["wx"], b["wy"] = w, w * b["x"], w * b["value"]
    b["wxx"], b["wxy"] = w * b["x"] ** 2, w * b["x"] * b["value"]
    out = b.groupby(SERIES, sort=False).agg(
        n_boroughs=("value", "size"), most=("v1", "mean"), n_most=("v1", "count"), least=("v5", "mean"),
        n_least=("v5", "count"), sw=("w", "sum"), swx=("wx", "sum"), swy=("wy", "sum"), swxx=("wxx", "sum"),
        swxy=("wxy", "sum")).reset_index()
    ok = (out["n_boroughs"] >= 25) & (out["n_most"] >= 2) & (out["n_least"] >= 2)
    out["gap"] = np.where(ok, out["most"] - out["least"], np.nan)
    out["ratio"] = np.where(ok & (out["least"] != 0), out["most"] / out["least"], np.nan)
    denom = out["sw"] * out["swxx"] - out["swx"] ** 2
    slope = (out["sw"] * out["swxy"] - out["swx"] * out["swy"]) / denom.replace(0, np.nan)
    out["sii"] = np.where(ok, slope, np.nan)
    return out


def run(lake_dir: Path, project_root: Path) -> dict[str, float | int]:
    """The whole baseline; returns seconds per step and output row counts."""
    t = {}
    t0 = time.perf_counter()
    values = conform(lake_dir)
    t["conform_s"] = time.perf_counter() - t0
    areas, cat = boroughs(lake_dir), catalogue(project_root)
    t1 = time.perf_counter()
    enriched = enrich(values, areas, cat)
    t["london_aggregate_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    compared = compare(enriched, areas)
    t["compare_s"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    gap = inequality(enriched, areas)
    t["gap_s"] = time.perf_counter() - t3
    t["total_s"] = time.perf_counter() - t0
    t.update(rows_in=len(values), rows_enriched=len(enriched),
             rows_derived_london=int(enriched["is_derived"].fillna(False).astype(bool).sum()),
             rows_compared=len(compared), rows_gap=int(gap["gap"].notna().sum()))
    return t


def main(argv: list[str] | None = None) -> int:
    from ingest.config import PROJECT_ROOT, settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake-dir", type=Path)
    args = ap.parse_args(argv)
    lake = args.lake_dir or settings().lake_dir
    res = run(lake, PROJECT_ROOT)
    print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items()))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
