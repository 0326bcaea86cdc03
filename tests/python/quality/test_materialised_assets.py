"""Gate assets of ``suites.MATERIALISED_ASSETS`` (small aggregates of the rows: codes, coverage, schema) are read
once, as a DuckDB temporary table, and give the same results as the same asset read as a plain query; a broken
one still records its error on each of its checks instead of stopping the gate. Fixture: a tiny hand-written
Parquet file (not real data) written by DuckDB."""

from __future__ import annotations

import duckdb

from pipeline.quality import suites
from pipeline.quality.engine import run_targets
from pipeline.quality.suites import Check, Target


def _fixture(path):
    con = duckdb.connect()
    con.execute(f"""copy (select * from (values
        ('FIXTURE_A', 'E09000002', 'borough'), ('FIXTURE_A', 'E09000002', 'borough'),
        ('FIXTURE_A', 'E92000001', 'country'), ('FIXTURE_B', 'E99999999', 'borough'))
        as t(indicator_id, area_code, area_type)) to {suites.sql_str(str(path))} (format parquet)""")
    con.close()


def _run(tmp_path, asset: str, asset_sql: str):
    path = tmp_path / "fixture.parquet"
    _fixture(path)
    rows_sql = f"select * from read_parquet({suites.sql_str(str(path))})"
    checks = [
        Check("rows", "ExpectTableRowCountToBeBetween", {"min_value": 1}, asset=asset),
        Check("known", "ExpectColumnValuesToBeInSet", {"column": "area_code", "value_set": ["E09000002", "E92000001"]},
              asset=asset),
        Check("no_type_null", "ExpectColumnValuesToNotBeNull", {"column": "area_type"}, asset=asset),
        Check("no_zero", "UnexpectedRowsExpectation",
              {"unexpected_rows_query": "select * from {batch} where n_rows = 0"}, asset=asset),
    ]
    target = Target("lake", "fixture", "0" * 64, {asset: asset_sql.replace("{rows}", rows_sql)},
                    {asset: ["indicator_id", "area_code"]}, checks)
    rows, _ = run_targets([target], gate="lake", connection_string="duckdb:///:memory:")
    return {r["check_name"]: r for r in rows}


def test_materialised_asset_gives_the_plain_assets_results(tmp_path):
    assert "codes" in suites.MATERIALISED_ASSETS and "plain_codes" not in suites.MATERIALISED_ASSETS
    sql = ("select indicator_id, area_code, area_type, count(*) as n_rows from ({rows}) as d "
           "group by all order by all")
    table = _run(tmp_path, "codes", sql)
    plain = _run(tmp_path, "plain_codes", sql)
    assert set(table) == set(plain) == {"rows", "known", "no_type_null", "no_zero"}
    for name in table:
        assert {k: v for k, v in table[name].items()} == {k: v for k, v in plain[name].items()}, name
    assert table["rows"]["success"] and table["rows"]["observed_value"] == "3"
    assert not table["known"]["success"] and table["known"]["unexpected_count"] == 1
    assert "E99999999" in table["known"]["failing_rows_sample"]
    assert table["no_zero"]["success"] and table["no_type_null"]["success"]


def test_broken_materialised_asset_records_the_error_on_each_check(tmp_path):
    rows = _run(tmp_path, "codes", "select no_such_column, count(*) as n_rows from ({rows}) as d group by all")
    assert set(rows) == {"rows", "known", "no_type_null", "no_zero"}
    for r in rows.values():
        assert not r["success"]
    assert any("no_such_column" in (r["observed_value"] or "") for r in rows.values())
