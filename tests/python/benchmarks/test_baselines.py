"""The polars baseline computes the same figures as the pandas baseline (real lake + SYNTHETIC rows, small size).

Both baselines are what the scale benchmark times the warehouse against, so they must do the same work: same
row counts, same derived London values and intervals, same comparisons and ranks, same gaps and SII.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from benchmarks import baseline as pandas_baseline
from benchmarks import baseline_polars, synthetic
from ingest.config import PROJECT_ROOT

KEY = [*pandas_baseline.SERIES, "area_code"]


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory: pytest.TempPathFactory, mirror_dir: Path) -> Path:
    """The mirror ingested (the staged lake files, before gate 1 moves them) plus 10k SYNTHETIC rows."""
    from pipeline.cli import main

    data = tmp_path_factory.mktemp("baselines") / "data"
    assert main(["ingest", "--data-dir", str(data), "--mirror", str(mirror_dir)]) == 0
    staged = sorted((data / "lake" / ".staging").iterdir())
    assert staged, "ingest staged nothing"
    lake = staged[-1]
    synthetic.generate(lake, 10_000, mirror=mirror_dir, project_root=PROJECT_ROOT)
    return lake


def _sorted(df: pd.DataFrame, key: list[str], cols: list[str]) -> pd.DataFrame:
    out = df[key + cols].copy()
    for c in key:
        out[c] = out[c].astype("string").fillna("")
    return out.sort_values(key).reset_index(drop=True)


def test_polars_baseline_matches_pandas(small_lake: Path, tmp_path: Path) -> None:
    counts, compared_pl, gap_pl = baseline_polars.outputs(small_lake, PROJECT_ROOT, tmp_path)
    pd_counts = pandas_baseline.run(small_lake, PROJECT_ROOT)
    print({k: v for k, v in counts.items() if k.startswith("rows")})
    for k in ("rows_in", "rows_enriched", "rows_derived_london", "rows_compared", "rows_gap"):
        assert counts[k] == pd_counts[k], k
    assert counts["rows_in"] > 10_000 and counts["rows_derived_london"] > 0 and counts["rows_gap"] > 0

    values = pandas_baseline.conform(small_lake)
    areas, cat = pandas_baseline.boroughs(small_lake), pandas_baseline.catalogue(PROJECT_ROOT)
    enriched = pandas_baseline.enrich(values, areas, cat)

    # derived London rows: same values and counts
    london_pd = enriched[enriched["is_derived"].fillna(False).astype(bool)]
    london_pl = pl.read_parquet(tmp_path / "enriched.parquet").filter(pl.col("is_derived")).to_pandas()
    cols = ["value", "count", "denominator", "lower_ci", "upper_ci"]
    a, b = _sorted(london_pd, pandas_baseline.SERIES, cols), _sorted(london_pl, pandas_baseline.SERIES, cols)
    for c in cols:
        np.testing.assert_allclose(a[c].astype(float), b[c].astype(float), rtol=1e-9, equal_nan=True, err_msg=c)

    # every borough's comparison with London and England, and its rank
    cmp_cols = ["comparison_with_london", "comparison_with_england", "rank_among_boroughs", "n_boroughs_ranked",
                "lower_ci", "upper_ci"]
    a = _sorted(pandas_baseline.compare(enriched, areas), KEY, cmp_cols)
    b = _sorted(compared_pl.to_pandas(), KEY, cmp_cols)
    assert (a[KEY] == b[KEY]).all().all()
    for c in ("comparison_with_london", "comparison_with_england"):
        assert (a[c].astype(str) == b[c].astype(str)).all(), c
        assert a[c].isin(["better", "worse", "similar"]).any()  # real comparisons, not only not_compared
    for c in ("rank_among_boroughs", "n_boroughs_ranked", "lower_ci", "upper_ci"):
        np.testing.assert_allclose(a[c].astype(float), b[c].astype(float), rtol=1e-9, equal_nan=True, err_msg=c)

    # deprivation gap, ratio and slope index of inequality per series
    gap_cols = ["n_boroughs", "gap", "ratio", "sii"]
    a = _sorted(pandas_baseline.inequality(enriched, areas), pandas_baseline.SERIES, gap_cols)
    b = _sorted(gap_pl.to_pandas(), pandas_baseline.SERIES, gap_cols)
    assert len(a) == len(b)
    for c in gap_cols:
        np.testing.assert_allclose(a[c].astype(float), b[c].astype(float), rtol=1e-7, equal_nan=True, err_msg=c)
