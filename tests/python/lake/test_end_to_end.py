"""Slow end to end: `his ingest` from the mirror into a private data dir, then a real `dbt build`."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from ingest.cli import main
from ingest.config import settings


@pytest.mark.slow
def test_ingest_then_dbt_build_puts_every_lake_row_in_fct_indicator_value(tmp_path, mirror_dir, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("HIS_MIRROR", str(mirror_dir))
    assert main(["ingest", "--data-dir", str(data)]) == 0
    assert main(["dbt", "--data-dir", str(data)]) == 0
    cfg = settings(data_dir=data, mirror=mirror_dir)

    lake = pl.concat([pl.read_parquet(p) for p in cfg.lake_dir.glob("*/*.parquet")
                      if "indicator_id" in pl.read_parquet_schema(p)])
    expected = dict(lake.group_by("indicator_id").len().iter_rows())
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        got = dict(con.execute("select indicator_id, count(*) from fct_indicator_value group by 1").fetchall())
        assert got == expected
        assert sum(got.values()) == 7443   # 14 mirrored indicator datasets (see test_mirror_ingest)
        assert "living_wage_jobs_below" not in got                     # unavailable offline: no rows, no error
        n_ind = con.execute("select count(*) from dim_indicator").fetchone()[0]
        assert n_ind == 35
        areas = con.execute("select area_type, count(*) from dim_area group by 1 order by 1").fetchall()
        assert areas == [("borough", 33), ("country", 1), ("region", 1)]
        fifths = con.execute("select deprivation_fifth, count(*) from dim_area where is_london_borough "
                             "group by 1 order by 1").fetchall()
        assert fifths == [(1, 7), (2, 7), (3, 7), (4, 6), (5, 6)]
        # suppressed values stay null in the mart, never zero
        nulls = con.execute("select count(*) from fct_indicator_value where indicator_id = 'active_children' "
                            "and value is null").fetchone()[0]
        assert nulls == 117
    finally:
        con.close()
