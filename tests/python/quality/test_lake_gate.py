"""Gate 1 on real NCMP rows: a clean pass, then deliberately broken copies that must fail the exact check.

Each broken copy changes the real lake-shaped rows in one named way. The gate runs through the CLI
(``pipeline.cli.main``): exit status 1, the failing check recorded in data/quality/results.parquet, the
GateFailed message naming dataset, check and failing rows, and the warehouse file byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.errors import GateFailed
from pipeline import cli
from pipeline.context import BuildContext
from pipeline.quality import results, stage

from .conftest import DATASET_ID, write_lake


def _warehouse(cfg) -> str:
    """A real DuckDB warehouse file (published) whose bytes must not change when a gate fails."""
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("create table published_marker as select 1 as ok")
    con.close()
    return hashlib.sha256(cfg.warehouse.read_bytes()).hexdigest()


def _check(cfg) -> int:
    return cli.main(["check", "--gate", "lake", "--data-dir", str(cfg.data_dir), "--warehouse", str(cfg.warehouse)])


def _failed(cfg, severity: str = "error") -> set[str]:
    rows = results.read_history(cfg)
    last = rows[-1]["run_id"]
    return {r["check_name"] for r in rows if r["run_id"] == last and not r["success"] and r["severity"] == severity}


def test_clean_real_dataset_passes_every_check(gate_env, ncmp_frame):
    cfg = gate_env
    write_lake(cfg, ncmp_frame, manifest_rows=[ncmp_frame.height])
    before = _warehouse(cfg)
    assert _check(cfg) == 0
    rows = results.read_history(cfg)
    assert rows and all(r["success"] for r in rows), [r["check_name"] for r in rows if not r["success"]]
    names = {r["check_name"] for r in rows}
    assert {"value_in_range", "ci_in_range", "area_code_known", "unique_key", "ci_lower_le_value",
            "row_count_vs_previous", "every_borough_present", "column_types", "period_not_in_future"} <= names
    assert {r["dataset"] for r in rows} == {DATASET_ID}
    assert {r["snapshot_sha256"] for r in rows} == {ncmp_frame["snapshot_sha256"][0]}
    by_name = {r["check_name"]: r for r in rows}
    assert by_name["row_count"]["observed_value"] == str(ncmp_frame.height)
    # 33 boroughs x the periods of the real file were checked for coverage; City of London is suppressed.
    periods = ncmp_frame.filter(pl.col("area_type") == "borough")["period_label"].n_unique()
    assert by_name["every_borough_present"]["observed_value"] == f"0 of {33 * periods} rows unexpected"
    assert hashlib.sha256(cfg.warehouse.read_bytes()).hexdigest() == before


def _out_of_range(df: pl.DataFrame) -> pl.DataFrame:
    # Hackney (E09000012) 2019/20: the real value with its decimal point moved (e.g. 11.3 -> 113.0).
    hit = (pl.col("area_code") == "E09000012") & (pl.col("period_label") == "2019/20")
    return df.with_columns(pl.when(hit).then(pl.col("value") * 10).otherwise(pl.col("value")).alias("value"))


def _not_a_borough(df: pl.DataFrame, mirror: Path) -> pl.DataFrame:
    # The real Trafford (E08000009) 2019/20 row let through as if it were a London borough.
    raw = pl.read_csv(mirror / "fingertips_ncmp_obesity" / "obese_reception.csv", infer_schema_length=0)
    trafford = raw.filter((pl.col("area_code") == "E08000009") & (pl.col("period") == "2019/20"))
    assert trafford.height == 1
    row = df.filter((pl.col("area_code") == "E09000012") & (pl.col("period_label") == "2019/20")).with_columns(
        pl.lit("E08000009").alias("area_code"), pl.lit(trafford["area_name"][0]).alias("area_name"),
        pl.lit(float(trafford["value"][0])).alias("value"))
    return pl.concat([df, row])


def _duplicated(df: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([df, df.filter((pl.col("area_code") == "E09000033") & (pl.col("period_label") == "2018/19"))])


def _ci_not_bracketing(df: pl.DataFrame) -> pl.DataFrame:
    # Westminster 2021/22: a CI that lies wholly above the real value.
    hit = (pl.col("area_code") == "E09000033") & (pl.col("period_label") == "2021/22")
    return df.with_columns(pl.when(hit).then(pl.col("value") + 1).otherwise(None).alias("lower_ci"),
                           pl.when(hit).then(pl.col("value") + 2).otherwise(None).alias("upper_ci"))


def _half_missing(df: pl.DataFrame) -> pl.DataFrame:
    # Only the later years survive: about half the rows are gone against the previous snapshot.
    return df.filter(pl.col("period_label") >= "2019/20")


CASES = {
    "value_out_of_range": (_out_of_range, {"value_in_range"}, "E09000012"),
    "code_not_a_borough": (None, {"area_code_known", "borough_code_is_london"}, "E08000009"),
    "duplicated_row": (_duplicated, {"unique_key"}, "E09000033"),
    "ci_not_bracketing": (_ci_not_bracketing, {"ci_lower_le_value"}, "E09000033"),
    "half_rows_missing": (_half_missing, {"row_count_vs_previous"}, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_copy_fails_the_exact_check(case, gate_env, ncmp_frame, mirror_dir):
    cfg = gate_env
    breaker, expected, code = CASES[case]
    broken = _not_a_borough(ncmp_frame, mirror_dir) if breaker is None else breaker(ncmp_frame)
    assert broken.height != ncmp_frame.height or not broken.equals(ncmp_frame)
    write_lake(cfg, broken, manifest_rows=[ncmp_frame.height])
    before = _warehouse(cfg)

    assert _check(cfg) == 1
    assert _failed(cfg) == expected
    assert hashlib.sha256(cfg.warehouse.read_bytes()).hexdigest() == before

    # The stage's own error names the dataset, the check and a failing row.
    with pytest.raises(GateFailed) as err:
        stage.run_lake(BuildContext.of(cfg))
    message = str(err.value)
    assert DATASET_ID in message and min(expected) in message
    if code:
        assert code in message
        failing = [r for r in results.read_history(cfg) if r["check_name"] in expected and not r["success"]]
        assert any(code in json.dumps(json.loads(r["failing_rows_sample"])) for r in failing)
    assert hashlib.sha256(cfg.warehouse.read_bytes()).hexdigest() == before


def test_warn_checks_do_not_stop_the_gate(gate_env, ncmp_frame):
    cfg = gate_env
    # England's 2019/20 value dropped without a note: reported (warn), the build goes on.
    hit = (pl.col("area_code") == "E92000001") & (pl.col("period_label") == "2019/20")
    broken = ncmp_frame.with_columns(pl.when(hit).then(None).otherwise(pl.col("value")).alias("value"))
    write_lake(cfg, broken)
    assert _check(cfg) == 0
    assert _failed(cfg, "warn") == {"null_value_has_note"}
    assert _failed(cfg, "error") == set()


def test_ci_outside_the_catalogue_range_warns_with_the_row(gate_env, ncmp_frame):
    cfg = gate_env
    # Camden (E09000007) 2019/20: an upper CI of 150% (the catalogue's range for obesity_reception is 0-100).
    hit = (pl.col("area_code") == "E09000007") & (pl.col("period_label") == "2019/20")
    broken = ncmp_frame.with_columns(pl.when(hit).then(150.0).otherwise(pl.col("upper_ci")).alias("upper_ci"))
    write_lake(cfg, broken)
    assert _check(cfg) == 0
    assert _failed(cfg, "warn") == {"ci_in_range"}
    row = [r for r in results.read_history(cfg) if r["check_name"] == "ci_in_range"][-1]
    assert row["unexpected_count"] == broken.filter(hit).height >= 1
    sample = json.loads(row["failing_rows_sample"])
    assert {(s["indicator_id"], s["area_code"], s["upper_ci"], s["range_max"]) for s in sample} == {
        ("obesity_reception", "E09000007", 150.0, 100.0)}


def test_dataset_option_limits_the_gate_and_unknown_names_fail(gate_env, ncmp_frame):
    cfg = gate_env
    write_lake(cfg, ncmp_frame)
    assert cli.main(["check", "--gate", "lake", "--dataset", DATASET_ID, "--data-dir", str(cfg.data_dir)]) == 0
    assert cli.main(["check", "--gate", "lake", "--dataset", "no_such_dataset", "--data-dir", str(cfg.data_dir)]) == 1
    assert {r["dataset"] for r in results.read_history(cfg)} == {DATASET_ID}


def test_results_append_keeps_history(gate_env, ncmp_frame):
    cfg = gate_env
    write_lake(cfg, ncmp_frame)
    stage.run_lake(BuildContext.of(cfg))
    n = len(results.read_history(cfg))
    stage.run_lake(BuildContext.of(cfg))
    rows = results.read_history(cfg)
    assert len(rows) == 2 * n and len({r["run_id"] for r in rows}) == 2
    assert not list(results.results_path(cfg).parent.glob(".*.tmp"))


def test_empty_results_file_has_the_schema_for_dbt(tmp_settings):
    path = results.ensure_results_file(tmp_settings)
    con = duckdb.connect()
    cols = [r[0] for r in con.execute(f"describe select * from read_parquet('{path}')").fetchall()]
    assert cols == list(results.COLUMNS)
    assert con.execute(f"select count(*) from read_parquet('{path}')").fetchone() == (0,)
