"""The generic indicator tests (tests/dbt/generic/) fail on a broken lake file, each on its own defect; the
key of every source together is tested once, on fct_indicator_value (which keeps the warehouse's areas only: a row
for another area fails the staging model's area test and stays out of the fact); a null key column fails the staging
model's one not_null_columns test (naming the column) and the fact's not-null contract."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipeline import warehouse as dbt_runner
from pipeline.quality.results import ensure_results_file
from pipeline.warehouse import _close_duckdb


def _failed_tests(result) -> dict[str, int]:
    return {r.node.name: r.failures for r in result.result if str(r.status) == "fail"}


@pytest.mark.slow
def test_generic_tests_catch_area_range_ci_and_duplicate_defects(mirror_build_copy):
    cfg = mirror_build_copy  # a private copy of the session's mirror build: its tests all passed
    ensure_results_file(cfg)  # source quality.gate_results (dbt_runner.run does this before a build)
    model = "stg_fingertips_lifestyle__indicator_values"
    fact = "fct_indicator_value"

    path = cfg.lake_dir / "fingertips_lifestyle" / "adult_smoking.parquet"
    df = pl.read_parquet(path).with_row_index("i")
    broken = df.with_columns(
        pl.when(pl.col("i") == 0).then(pl.lit("W06000001")).otherwise(pl.col("area_code")).alias("area_code"),
        pl.when(pl.col("i") == 1).then(pl.lit(150.0)).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("i") == 2).then(pl.col("value") + 1).otherwise(pl.col("lower_ci")).alias("lower_ci"),
    ).drop("i")
    pl.concat([broken, broken.slice(5, 1)]).write_parquet(path)

    # run then test (a build would skip the fact once the staging tests fail); --full-refresh because the file
    # was edited in place under the same snapshot id, which only `his dbt` notices for the incremental fact
    assert dbt_runner.invoke(cfg, ["run", "--full-refresh", "--select", f"+{fact}"], warehouse=cfg.warehouse).success
    bad = dbt_runner.invoke(cfg, ["test", "--select", f"{model} {fact}"], warehouse=cfg.warehouse)
    failed = _failed_tests(bad)
    assert failed == {
        f"area_code_in_known_set_{model}_": 1,
        f"value_in_catalogue_range_{model}_": 1,
        f"ci_brackets_value_{model}_": 1,
        f"unique_combination_{fact}_indicator_id__area_code__period_label__sex__age__category_type__category": 1,
    }
    # the Welsh row fails the staging model's area test above, and never reaches the fact, which keeps the
    # warehouse's areas only (so its relationships test to dim_area passes)
    assert f"relationships_{fact}_area_code__area_code__ref_dim_area_" in {r.node.name for r in bad.result}
    _close_duckdb()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        assert con.execute(f"select count(*) from {fact} where area_code = 'W06000001'").fetchone() == (0,)
        assert con.execute(f"select count(*) from {model} where area_code = 'W06000001'").fetchone() == (1,)
    finally:
        con.close()

    # a null key column: the staging model's single not-null test fails on that row and names the column, and
    # the fact refuses the row (its not-null contract constraint), so the build stops there
    df = pl.read_parquet(path).with_row_index("i")
    df.with_columns(pl.when(pl.col("i") == 3).then(None).otherwise(pl.col("period_end")).alias("period_end")) \
        .drop("i").write_parquet(path)
    nn = f"not_null_columns_{model}_indicator_id__area_code__period_label__period_start__period_end__source_id"
    assert dbt_runner.invoke(cfg, ["run", "--select", model], warehouse=cfg.warehouse).success
    bad = dbt_runner.invoke(cfg, ["test", "--select", model, "--store-failures"], warehouse=cfg.warehouse)
    assert _failed_tests(bad).get(nn) == 1, _failed_tests(bad)
    _close_duckdb()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_schema || '.' || table_name from information_schema.tables "
                                            "where table_name like 'not_null_columns%'").fetchall()]
        assert tables, "no stored failures"
        (cols,) = con.execute(f"select null_columns from {tables[0]}").fetchone()
    finally:
        con.close()
    assert cols.strip() == "period_end"
    fact_run = dbt_runner.invoke(cfg, ["run", "--full-refresh", "--select", fact], warehouse=cfg.warehouse)
    assert not fact_run.success
    assert any("period_end" in str(r.message) for r in fact_run.result or [] if str(r.status) == "error")
