"""Gate 1's previous_latest_period_complete check runs through Great Expectations on a real lake file (the NCMP
Year 6 dataset parsed from the mirror): it passes when every (indicator, latest period, borough) of the accepted
file is still there, and fails naming the missing ones when the latest period is gone. (It used to fail on
every re-ingest with a SQL syntax error: GE substitutes ``{batch}`` as ``(<query>) AS subselect``, which took
a second alias.)"""

from __future__ import annotations

import polars as pl

from ingest.sources import stage
from pipeline.quality import suites
from pipeline.quality.engine import run_targets

SOURCE = "fingertips_ncmp_obesity"


def check(path, expected):
    rows_sql = f"select * from read_parquet({suites.sql_str(str(path))})"
    target = suites.Target("lake", "ncmp_obesity_year6", "0" * 64, {"rows": rows_sql},
                           {"rows": ["indicator_id", "period_label", "area_code"]},
                           [suites.latest_period_check(expected)])
    rows, _ = run_targets([target], gate="lake", connection_string="duckdb:///:memory:")
    return rows[0]


def test_latest_period_check_passes_on_the_same_file_and_fails_without_the_latest_period(tmp_settings, tmp_path):
    stage.run(tmp_settings, sources=[SOURCE])
    accepted = tmp_settings.lake_dir / SOURCE / "ncmp_obesity_year6.parquet"
    expected = suites.previous_latest(accepted)
    assert len(expected) == 33 and {p for _, p, _ in expected} == {"2024/25"}
    ok = check(accepted, expected)
    assert ok["success"], ok["observed_value"]
    cut = tmp_path / "cut.parquet"
    pl.read_parquet(accepted).filter(pl.col("period_label") != "2024/25").write_parquet(cut)
    bad = check(cut, expected)
    assert not bad["success"] and bad["unexpected_count"] == 33 and "2024/25" in bad["failing_rows_sample"]
