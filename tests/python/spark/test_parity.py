"""DuckDB and Spark build the same warehouse: the whole dbt project from the mirror, on both engines.

One private data dir: ``his ingest`` from the mirror and gate 1 once, then ``his dbt`` (DuckDB) and
``his build --target spark`` (dbt build on a local Spark, collect, publish), each the real CLI in this
process. Every mart (every model under models/marts, from dbt's manifest) must have the same rows on
both, floating-point values within 1e-9 relative; gate 2 must give the same verdicts on both.

Data tests: every singular test and one instance of each generic test run on Spark (the test SQL must be
portable; :func:`repeated_generic_tests`); all of them run on DuckDB in the shared build.

Speed: one Spark session for the whole module (in-process dbt-spark ``method: session``, reused by the
collect stage), Spark's in-memory catalog (no Derby metastore), 4 dbt threads, 1 shuffle partition, and
:data:`TEST_SPARK_DEFAULTS` for a JVM that lives two minutes and never sees more than a few thousand rows.
The stage timings are printed at the end (``-s`` or the ``-ra`` summary shows them).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import time

import pytest

from ingest.config import settings
from pipeline.cli import main

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPARK_ENV = {
    "HIS_SPARK_CATALOG": "in-memory",   # tables only need to live as long as this test process
    "HIS_SPARK_THREADS": "4",           # dbt-spark nodes mostly wait on Spark planning, not CPU
    "HIS_SPARK_SHUFFLE_PARTITIONS": "1",  # a few thousand rows: one partition per shuffle is plenty
    "HIS_SPARK_MASTER": "local[2]",
}


#: spark-defaults.conf of this test's Spark (a private SPARK_CONF_DIR; the profile and production are untouched).
#: Spark spends most of a tiny query compiling Java for it (whole-stage and expression code generation, then the
#: JIT's optimising compiler on the result); here the rows are few, so Spark's interpreted evaluation (its own
#: testing switch ``factoryMode``), no adaptive re-planning and the JVM's quick compiler alone give the same rows
#: for less work: the Spark build of the mirror took 144 CPU-seconds instead of 222 (88 s wall instead of 120).
TEST_SPARK_DEFAULTS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.defaultJavaOptions": "-XX:TieredStopAtLevel=1",
}


def _spark_conf_dir(folder) -> str:
    """A Spark configuration folder: the project's (log4j2.properties) plus :data:`TEST_SPARK_DEFAULTS`."""
    from pipeline.spark import spark_conf_dir

    shutil.copytree(spark_conf_dir(), folder)
    (folder / "spark-defaults.conf").write_text("".join(f"{k} {v}\n" for k, v in TEST_SPARK_DEFAULTS.items()))
    return str(folder)


def _require_spark() -> None:
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        pytest.fail("the Spark extra is not installed: uv sync --extra spark (make test installs it)")
    if shutil.which("java") is None:
        pytest.fail("no Java runtime: Spark needs Java 17 (scripts/setup.sh --test installs openjdk-17-jre-headless)")


def repeated_generic_tests(cfg) -> list[str]:
    """Names of the generic data tests left out on Spark: every instance of a generic test but the first.

    On Spark, every model, seed and unit test is built or run, every singular test and ONE instance of each
    generic test (its SQL is what must be portable; the other instances check the same SQL on other models'
    rows, and those rows are compared mart by mart below): 331 data tests -> 17 (9 generic, 8 singular).
    """
    from pipeline.warehouse import invoke

    result = invoke(cfg, ["ls", "--resource-type", "test", "--output", "json",
                          "--output-keys", "name", "test_metadata", "--quiet"])
    seen: set[str] = set()
    repeats: list[str] = []
    for line in sorted(result.result):
        node = json.loads(line)
        kind = (node.get("test_metadata") or {}).get("name")
        if kind is None:
            continue  # a singular test: always kept
        if kind in seen:
            repeats.append(node["name"])
        seen.add(kind)
    assert len(seen) >= 5 and len(repeats) > 100, (seen, len(repeats))
    return repeats


@pytest.fixture(scope="module")
def both(tmp_path_factory, mirror_build):
    """Build on Spark from a copy of the session's mirror build (lake, gate results and DuckDB warehouse); yield
    the two settings and the stage timings."""
    _require_spark()
    mirror_dir = mirror_build.mirror
    data = tmp_path_factory.mktemp("parity") / "data"
    shutil.copytree(mirror_build.data_dir, data, ignore=shutil.ignore_patterns("*.candidate"))
    common = ["--data-dir", str(data), "--mirror", str(mirror_dir)]
    timings: dict[str, float] = {}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in SPARK_ENV.items():
            mp.setenv(key, value)
        mp.setenv("SPARK_CONF_DIR", _spark_conf_dir(data.parent / "spark_conf"))
        mp.delenv("HIS_WAREHOUSE", raising=False)
        mp.delenv("HIS_TARGET", raising=False)

        def step(name: str, argv: list[str], must_pass: bool = True) -> int:
            start = time.perf_counter()
            code = main([*argv, *common])
            timings[name] = time.perf_counter() - start
            if must_pass:
                assert code == 0, f"`his {' '.join(argv)}` failed (see the output above)"
            return code

        # The DuckDB side is the shared mirror build (same lake, same gate results).
        duck = settings(data_dir=data, mirror=mirror_dir, target="duckdb")
        spark = settings(data_dir=data, mirror=mirror_dir, target="spark")
        start = time.perf_counter()
        repeats = repeated_generic_tests(duck)
        timings["dbt ls (tests)"] = time.perf_counter() - start
        step("his build --target spark (dbt, collect, publish)",
             ["build", "--target", "spark", "--skip", "plan", "--skip", "ingest", "--skip", "check-lake",
              "--skip", "check-marts", "--skip", "report", "--exclude", " ".join(repeats)])
        yield duck, spark, timings, step
    print("\nparity test timings (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in timings.items()), file=sys.stderr)


def test_spark_warehouse_is_a_separate_file(both):
    duck, spark, _, _ = both
    assert duck.warehouse.exists() and spark.warehouse.exists()
    assert spark.warehouse == duck.data_dir / "spark" / "warehouse.duckdb" != duck.warehouse


def test_every_mart_has_the_same_rows_on_duckdb_and_spark(both):
    from pipeline.spark import compare_marts, mart_names

    duck, spark, _, _ = both
    names = mart_names(duck)
    # discovered from the manifest; the plan and indicator marts are certainly among them
    assert {"dim_aim", "dim_commitment", "fct_commitment_target", "fct_indicator_value", "dim_area"} <= set(names)
    assert compare_marts(duck.warehouse, spark.warehouse, names, rel_tol=1e-9) == []


def test_marts_are_not_empty_on_spark(both):
    """Guards the comparison: two empty builds would also be "the same"."""
    import duckdb

    from pipeline.spark import mart_names

    duck, spark, _, _ = both
    con = duckdb.connect(str(spark.warehouse), read_only=True)
    try:
        counts = {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in mart_names(duck)}
    finally:
        con.close()
    assert counts["fct_indicator_value"] > 1000
    assert counts["dim_commitment"] > 100


def test_gate_2_gives_the_same_verdicts_on_both_engines(both):
    from pipeline.quality.results import read_history

    duck, _spark, _timings, step = both
    step("gate 2, duckdb marts", ["check", "--gate", "marts"], must_pass=False)
    step("gate 2, spark marts", ["check", "--gate", "marts", "--target", "spark"], must_pass=False)
    runs: dict[str, list[dict]] = {}
    for r in read_history(duck):
        if r["gate"] == "marts":
            runs.setdefault(r["run_id"], []).append(r)
    assert len(runs) >= 2, "gate 2 did not record a run per engine"
    last_two = sorted(runs, key=lambda rid: runs[rid][0]["run_at"])[-2:]

    def verdicts(rows: list[dict]) -> set[tuple]:
        return {(r["dataset"], r["check_name"], r["column"], bool(r["success"]), r["unexpected_count"]) for r in rows}

    on_duckdb, on_spark = (verdicts(runs[rid]) for rid in last_two)
    assert len(on_duckdb) > 20
    assert on_spark == on_duckdb


def test_contract_not_null_is_enforced_on_spark_parquet_tables(both, tmp_path, project_root):
    """Spark's Parquet tables carry no NOT NULL; macros/portability/spark__constraints.sql checks it after
    the build, so a null in a not_null contract column fails the model (and drops it) as on DuckDB."""
    from dbt.cli.main import dbtRunner

    duck, _spark, _, _ = both
    probe = tmp_path / "probe"
    (probe / "models").mkdir(parents=True)
    shutil.copytree(project_root / "macros" / "portability", probe / "macros" / "portability")
    (probe / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: his\nmodel-paths: [models]\n"
        "macro-paths: [macros]\nflags: {send_anonymous_usage_stats: false}\n"
        "models: {probe: {+materialized: table, +file_format: parquet}}\n")
    (probe / "models" / "probe_ok.sql").write_text("select cast('a' as string) as k")
    (probe / "models" / "probe_null.sql").write_text(
        "select cast('a' as string) as k union all select cast(null as string) as k")
    contract = "    config: {{contract: {{enforced: true}}}}\n    columns:\n" \
               "      - {{name: k, data_type: string, constraints: [{{type: not_null}}]}}\n"
    (probe / "models" / "probe.yml").write_text(
        "version: 2\nmodels:\n  - name: probe_ok\n" + contract.format() + "  - name: probe_null\n" + contract.format())
    with pytest.MonkeyPatch.context() as mp:
        for key, value in SPARK_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HIS_DATA_DIR", str(duck.data_dir))
        mp.setenv("HIS_SPARK_SCHEMA", "his_probe")
        result = dbtRunner().invoke(["run", "--project-dir", str(probe), "--profiles-dir", str(project_root),
                                     "--target", "spark", "--target-path", str(probe / "target")])
    status = {r.node.name: (str(r.status), r.message or "") for r in result.result}
    assert status["probe_ok"][0] == "success"
    assert status["probe_null"][0] == "error"
    assert "contract constraint violated" in status["probe_null"][1] and "k not_null: 1 row(s)" in status["probe_null"][1]


def test_report_export_reads_the_spark_warehouse(both):
    """The reports' mart export (first step of `his report`) accepts the collected Spark warehouse."""
    from pipeline.report import export_marts

    _duck, spark, _, _ = both
    path, counts = export_marts(spark)
    assert path.exists()
    assert counts["fct_indicator_value"] > 1000
