"""The mirror's returns table in the built warehouse (the session's shared mirror build, read only): every
reported figure reaches int_reported_figures_unioned unchanged, and the returns dataset's own gate-1 checks
appear in the data-quality marts beside every other dataset's."""

from __future__ import annotations

import csv

import duckdb
import pytest

from ingest.sources import returns as R


@pytest.mark.slow
def test_reported_figures_and_their_checks_reach_the_warehouse(mirror_build):
    cfg = mirror_build
    with (cfg.mirror / "gla_programme_returns" / "returns.csv").open(newline="", encoding="utf-8") as fh:
        published = {r["return_id"]: r for r in csv.DictReader(fh)}
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        rows = con.execute("select return_id, target_ids, value, unit, basis, cast(period_end as varchar), "
                           "cast(published as varchar), quote, source_id from int_reported_figures_unioned "
                           "order by return_id").fetchall()
        checks = con.execute("select check_name, status from fct_quality_check where dataset = 'programme_returns' "
                             "and gate = 'lake' and is_latest_run").fetchall()
        snapshot = con.execute("select row_count from fct_dataset_snapshot "
                               "where dataset_id = 'programme_returns'").fetchall()
        source = con.execute("select publisher from dim_source where source_id = 'gla_programme_returns'").fetchall()
    finally:
        con.close()
    assert len(rows) == len(published) == 128
    assert sum(1 for r in rows if r[1]) == 74
    for rid, targets, value, unit, basis, end, page_date, quote, source_id in rows:
        p = published[rid]
        assert (targets or "", unit, basis, end or "", quote, source_id) == (
            p["target_ids"], p["unit"], p["basis"], p["period_end"], p["quote"], "gla_programme_returns")
        assert value == float(p["value"]) and (page_date or "unknown") == p["published"]
    names = {c for c, _ in checks}
    assert {f"row[{r.name}]" for r in [*R.RULES, R.UNIQUE_RULE]} <= names and {"columns", "row_count"} <= names
    assert {s for _, s in checks} == {"passed"}
    assert snapshot == [(128,)]
    assert "not official statistics" in source[0][0]
