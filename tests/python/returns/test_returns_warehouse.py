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


@pytest.mark.slow
def test_a_bad_returns_row_stops_his_build_and_the_published_warehouse_stays(mirror_build_copy, tmp_path, capsys):
    """`his build` on a copy of the shared build whose mirror's returns table has one row broken (R001's value
    changed from 86, which its quote states, to 87): the build stops at gate 1 naming R001 and the check, and
    the published warehouse and the accepted returns lake file are byte-for-byte unchanged."""
    import hashlib
    import shutil

    from pipeline.cli import main

    cfg = mirror_build_copy
    mirror = tmp_path / "mirror"  # a private copy of the mirror (16 MB), which this test may break
    shutil.copytree(cfg.mirror, mirror)
    path = mirror / "gla_programme_returns" / "returns.csv"
    text = path.read_text(encoding="utf-8")
    assert "\nR001,KC1.1-T1;A1.3.1.a-T1,School Superzones created (to date),86," in text
    path.write_text(text.replace("School Superzones created (to date),86,", "School Superzones created (to date),87,",
                                 1), encoding="utf-8")
    lake = cfg.lake_dir / "gla_programme_returns" / "programme_returns.parquet"

    def sha(p):
        return hashlib.sha256(p.read_bytes()).hexdigest()

    before = sha(cfg.warehouse), sha(lake)
    capsys.readouterr()
    assert main(["build", "--skip", "report", "--data-dir", str(cfg.data_dir), "--mirror", str(mirror)]) == 1
    said = "".join(capsys.readouterr())
    assert "check row[value_in_quote]" in said and '"return_id": "R001"' in said
    assert "build stopped at stage 'check-lake'" in said
    assert (sha(cfg.warehouse), sha(lake)) == before
