"""Gate 2 on a real DuckDB candidate warehouse holding real NCMP rows; the import cost of the CLI;
and the dbt models over the results file (a real dbt run)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import duckdb
import polars as pl
import pytest

from pipeline import cli
from pipeline.context import BuildContext
from pipeline.quality import results, stage
from pipeline.warehouse import candidate_path, seal_candidate

from .conftest import NCMP, write_lake


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_candidate(cfg, frame: pl.DataFrame) -> None:
    """Published warehouse (an older build) and a candidate holding fct_indicator_value (real rows)."""
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("create table published_marker as select 1 as ok")
    con.close()
    cand = candidate_path(cfg)
    con = duckdb.connect(str(cand))
    arrow = frame.to_arrow()  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("create table fct_indicator_value as select * from arrow")
    con.close()
    seal_candidate(cfg, {})  # its completion record, as the dbt stage writes it when dbt succeeds


def _check_marts(cfg) -> int:
    return cli.main(["check", "--gate", "marts", "--dataset", "fct_indicator_value",
                     "--data-dir", str(cfg.data_dir), "--warehouse", str(cfg.warehouse)])


def test_marts_gate_passes_on_clean_candidate(gate_env, ncmp_frame):
    cfg = gate_env
    _build_candidate(cfg, ncmp_frame)
    before = (_sha(cfg.warehouse), _sha(candidate_path(cfg)))
    assert _check_marts(cfg) == 0
    rows = results.read_history(cfg)
    assert {r["gate"] for r in rows} == {"marts"} and {r["dataset"] for r in rows} == {"fct_indicator_value"}
    assert all(r["success"] for r in rows), [r["check_name"] for r in rows if not r["success"]]
    # The candidate was checked, not the warehouse (no dbt inputs fingerprint beside it: size + mtime).
    assert {r["snapshot_sha256"] for r in rows} == {stage.warehouse_snapshot(candidate_path(cfg))}
    assert stage.warehouse_snapshot(candidate_path(cfg)) != stage.warehouse_snapshot(cfg.warehouse)
    assert (_sha(cfg.warehouse), _sha(candidate_path(cfg))) == before


def test_marts_gate_snapshot_is_the_dbt_inputs_fingerprint(gate_env, ncmp_frame):
    cfg = gate_env
    _build_candidate(cfg, ncmp_frame)
    # What `his dbt` writes beside the candidate it built (pipeline.warehouse.run).
    fingerprint = hashlib.sha256(b"inputs of this build").hexdigest()
    seal_candidate(cfg, {"fingerprint": fingerprint})
    assert _check_marts(cfg) == 0
    assert {r["snapshot_sha256"] for r in results.read_history(cfg)} == {fingerprint}


def test_marts_gate_failure_leaves_warehouse_and_candidate_unchanged(gate_env, ncmp_frame):
    cfg = gate_env
    hit = (pl.col("area_code") == "E09000012") & (pl.col("period_label") == "2019/20")
    broken = ncmp_frame.with_columns(pl.when(hit).then(pl.col("value") * 10).otherwise(pl.col("value")).alias("value"))
    _build_candidate(cfg, broken)
    before = (_sha(cfg.warehouse), _sha(candidate_path(cfg)))
    assert _check_marts(cfg) == 1
    failed = [r for r in results.read_history(cfg) if not r["success"]]
    assert {r["check_name"] for r in failed} == {"value_in_range"}
    # The failing row names its indicator and area, with the value and the catalogue range it broke.
    sample = json.loads(failed[0]["failing_rows_sample"])
    assert [(s["indicator_id"], s["area_code"], s["period_label"]) for s in sample] == [
        ("obesity_reception", "E09000012", "2019/20")]
    assert sample[0]["value"] > sample[0]["range_max"]
    assert (_sha(cfg.warehouse), _sha(candidate_path(cfg))) == before


def test_required_mart_missing_fails_gate(gate_env, ncmp_frame):
    cfg = gate_env
    _build_candidate(cfg, ncmp_frame)
    assert cli.main(["check", "--gate", "marts", "--dataset", "dim_area", "--data-dir", str(cfg.data_dir),
                     "--warehouse", str(cfg.warehouse)]) == 1
    rows = results.read_history(cfg)
    assert [(r["dataset"], r["check_name"], r["success"]) for r in rows] == [("dim_area", "mart_exists", False)]


def _borough_comparisons(cfg, disagreeing: int) -> None:
    """A candidate fct_borough_indicator of 20 rows (one borough each) where our comparison with England and the
    publisher's both judge: the first `disagreeing` rows say 'better' where the publisher said 'Worse'; the last row
    says 'better' where the publisher said 'Lower' for a lower-is-better indicator, which agrees."""
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(cfg.warehouse)).close()
    rows = []
    for i in range(20):
        code = f"E09{i + 1:06d}"
        published = "Worse" if i < disagreeing else "Lower" if i == 19 else "Similar"
        computed = "better" if i < disagreeing or i == 19 else "similar"
        rows.append((f"obesity_reception|{code}|2019/20", code, "obesity_reception", "2019/20", "lower_is_better",
                     computed, published, computed, "computed", "not_compared", None, 1, i + 1))
    con = duckdb.connect(str(candidate_path(cfg)))
    con.execute("""create table fct_borough_indicator (borough_indicator_key varchar, area_code varchar,
        indicator_id varchar, period_label varchar, polarity varchar, computed_comparison_with_england varchar,
        publisher_comparison_england varchar, comparison_with_england varchar, comparison_with_england_source varchar,
        computed_comparison_with_london varchar, publisher_comparison_london varchar, imd2025_fifth integer,
        rank_among_boroughs integer)""")
    con.executemany("insert into fct_borough_indicator values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    seal_candidate(cfg, {})


def _agreement_results(cfg) -> dict[str, dict]:
    assert cli.main(["check", "--gate", "marts", "--dataset", "fct_borough_indicator", "--data-dir",
                     str(cfg.data_dir), "--warehouse", str(cfg.warehouse)]) == 0  # warnings never stop the build
    return {r["check_name"]: r for r in results.read_history(cfg)
            if r["check_name"] in ("comparison_agreement_rate", "comparison_disagreements")}


def test_agreement_with_publisher_exactly_95_percent_passes(gate_env):
    cfg = gate_env
    _borough_comparisons(cfg, disagreeing=1)  # 19 of 20 agree: 95%, the threshold itself
    got = _agreement_results(cfg)
    assert got["comparison_agreement_rate"]["success"] and float(got["comparison_agreement_rate"]["observed_value"]) == 0.95
    assert got["comparison_disagreements"]["success"]


def test_agreement_with_publisher_below_95_percent_warns_with_the_disagreeing_rows(gate_env):
    cfg = gate_env
    _borough_comparisons(cfg, disagreeing=2)  # 18 of 20: 90%
    got = _agreement_results(cfg)
    rate, rows = got["comparison_agreement_rate"], got["comparison_disagreements"]
    assert (rate["success"], rate["severity"], float(rate["observed_value"])) == (False, "warn", 0.9)
    assert (rows["success"], rows["severity"], rows["unexpected_count"]) == (False, "warn", 2)
    sample = json.loads(rows["failing_rows_sample"])
    assert sorted((s["area_code"], s["computed"], s["published"]) for s in sample) == [
        ("E09000001", "better", "Worse"), ("E09000002", "better", "Worse")]


def test_cli_help_and_plan_do_not_import_great_expectations():
    code = ("import sys; from pipeline import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "cli.STAGE_BY_NAME['plan']; import pipeline.quality.stage\n"
            "print('great_expectations' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"


@pytest.mark.slow
def test_fct_quality_check_view_shows_latest_results(gate_env, ncmp_frame):
    """A real dbt build of the quality models; the view then shows a gate run made after the build."""
    from pipeline.warehouse import invoke

    cfg = gate_env
    write_lake(cfg, ncmp_frame)
    stage.run_lake(BuildContext.of(cfg))
    result = invoke(cfg, ["build", "--select", "+fct_quality_check"], warehouse=cfg.warehouse)
    assert result.success
    n = len(results.read_history(cfg))
    stage.run_lake(BuildContext.of(cfg))  # after the build, like gate 2
    con = duckdb.connect(str(cfg.warehouse), read_only=True)  # dbt_runner released dbt-duckdb's handle
    total, latest, runs = con.execute(
        "select count(*), count(*) filter (where is_latest_run), count(distinct run_id) from fct_quality_check"
    ).fetchone()
    statuses = {r[0] for r in con.execute("select distinct status from fct_quality_check").fetchall()}
    con.close()
    assert (total, latest, runs) == (2 * n, n, 2)
    assert statuses == {"passed"}

    # Gate 2 right after an in-process dbt run (as in `his build`) opens the file read-only and checks it.
    con = duckdb.connect(str(cfg.warehouse))  # the mart stands in for the lake's (not merged yet)
    con.execute(f"create table fct_indicator_value as select * from read_parquet('{NCMP.lake_path(cfg)}')")
    con.close()
    invoke(cfg, ["run", "--select", "fct_quality_check"], warehouse=cfg.warehouse)
    before = _sha(cfg.warehouse)
    summary = stage.run_marts(BuildContext.of(cfg, datasets=["fct_indicator_value"]))
    assert "0 error(s)" in summary
    assert _sha(cfg.warehouse) == before
