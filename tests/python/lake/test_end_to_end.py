"""Slow end to end: the session's shared mirror build (`his build --skip report` from the mirror: ingest, gate 1,
dbt build, gate 2, publish) puts every lake row in fct_indicator_value."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest


@pytest.mark.slow
def test_ingest_then_dbt_build_puts_every_lake_row_in_fct_indicator_value(mirror_build):
    cfg = mirror_build

    lake = pl.concat([pl.read_parquet(p) for p in cfg.lake_dir.glob("*/*.parquet")
                      if "indicator_id" in pl.read_parquet_schema(p)])
    expected = dict(lake.group_by("indicator_id").len().iter_rows())
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        # and the indicator values taken from reported figures (programme returns, seed reported_measure_indicator):
        # the CHAIN rough sleeping counts 2020/21-2023/24 and the three active travel shares
        reported = dict(con.execute("select indicator_id, count(*) from int_reported_indicator_values "
                                    "group by 1").fetchall())
        assert reported == {"rough_sleepers_seen_london": 4, "active_travel_20_minutes": 3}
        expected.update(reported)
        got = dict(con.execute("select indicator_id, count(*) from fct_indicator_value group by 1").fetchall())
        assert got == expected
        # 23 mirrored indicator datasets with rows (see test_mirror_ingest): 5,467 rows from 13 of them,
        # 1,414 from the 4 GLA HIS datasets whose sheets are in the mirror's partial workbook (640+576+165+33),
        # 2,520 from the 3 DfT CW0302 cycling datasets (3 x 840), 5,180 from the suicide export (175), net
        # additional dwellings (807) and affordable housing completions (4,198), and 7 from reported figures
        assert sum(got.values()) == 14588
        assert got["living_wage_jobs_below"] == 333    # ASHE 2022 provisional, 37 areas x 9 sheets
        n_ind = con.execute("select count(*) from dim_indicator").fetchone()[0]
        # 25, the 13 GLA HIS indicators (his_*), the 16 DfT walking/cycling indicators, 5 suicide and 2 housing, and
        # 2 from reported figures (programme returns)
        assert n_ind == 63
        areas = con.execute("select area_type, count(*) from dim_area group by 1 order by 1").fetchall()
        assert areas == [("borough", 33), ("country", 1), ("region", 1), ("sub_region", 2)]
        fifths = con.execute("select imd2025_fifth, count(*) from dim_area where is_london_borough "
                             "group by 1 order by 1").fetchall()
        assert fifths == [(1, 7), (2, 7), (3, 7), (4, 6), (5, 6)]
        # suppressed values stay null in the mart, never zero
        nulls = con.execute("select count(*) from fct_indicator_value where indicator_id = 'active_children' "
                            "and value is null").fetchone()[0]
        assert nulls == 117
    finally:
        con.close()
