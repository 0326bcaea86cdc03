"""SQL checks with candidate rows (``Check.candidates``: the unique key, the catalogue ranges) run on a temporary
table of those rows when it is empty, and record exactly what they record over every row; when it is not (or a
candidates query cannot run) the checks run on the rows as declared: same counts, same failing rows in the same
order, same errors, same arguments.
Fixture: a tiny hand-written Parquet file (not real data) written by DuckDB."""

from __future__ import annotations

import dataclasses

import duckdb

from pipeline.quality import engine, suites
from pipeline.quality.engine import run_targets
from pipeline.quality.suites import Target

KEY = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]
CATALOGUE = {"FIXTURE_PCT": {"value_min": "0", "value_max": "100"}, "FIXTURE_RATE": {"value_type": "rate"}}


def _fixture(path, with_ci: bool = True, clean: bool = False):
    ci = ", lower_ci, upper_ci" if with_ci else ""
    con = duckdb.connect()
    con.execute(f"""copy (select indicator_id, area_code, period_label, sex, age, category_type, category, value{ci}
        from (values
        ('FIXTURE_PCT', 'E09000002', '2020', 'Persons', 'All ages', null, null, 50.0, 40.0, 60.0),
        ('FIXTURE_PCT', 'E09000002', '2021', 'Persons', 'All ages', null, null, 51.0, 41.0, 61.0),
        ('FIXTURE_PCT', 'E09000003', '2020', null, 'All ages', null, null, 120.0, 110.0, 130.0),
        ('FIXTURE_PCT', 'E09000003', '2020', null, 'All ages', null, null, 20.0, -1.0, 30.0),
        ('FIXTURE_PCT', 'E09000003', '2020', null, 'All ages', null, null, null, null, null),
        ('FIXTURE_PCT', 'E09000004', '2021', 'Persons', 'All ages', null, null, 99.0, 98.0, 101.0),
        ('FIXTURE_RATE', 'E09000002', '2020', 'Persons', 'All ages', null, null, -3.0, -4.0, 1.0),
        ('FIXTURE_RATE', 'E09000002', '2021', 'Persons', 'All ages', null, null, 3.0, 2.0, 4.0))
        as t(indicator_id, area_code, period_label, sex, age, category_type, category, value, lower_ci, upper_ci)
        {"where value between 0 and 100 and lower_ci >= 0 and upper_ci <= 100 and area_code <> 'E09000003'" if clean
         else ""})
        to {suites.sql_str(str(path))} (format parquet)""")
    con.close()


def _run(tmp_path, *, candidates: bool, with_ci: bool = True, clean: bool = False, seen: list | None = None,
         monkeypatch=None) -> dict[str, dict]:
    path = tmp_path / "fixture.parquet"
    _fixture(path, with_ci, clean)
    if seen is not None:  # record which assets get a validator
        real = engine._validator
        monkeypatch.setattr(engine, "_validator", lambda *a: seen.append(a[2]) or real(*a))
    checks = [suites.unique_key_check(KEY), *suites.range_checks(CATALOGUE, sorted(CATALOGUE))]
    if not candidates:
        checks = [dataclasses.replace(c, candidates=None) for c in checks]
    rows_sql = f"select * from read_parquet({suites.sql_str(str(path))})"
    target = Target("lake", "fixture", "0" * 64, {"rows": rows_sql}, {"rows": KEY}, checks)
    rows, _ = run_targets([target], gate="lake", connection_string="duckdb:///:memory:")
    return {r["check_name"]: r for r in rows}


def test_clean_rows_are_checked_on_the_empty_candidates_only(tmp_path, monkeypatch):
    seen: list[str] = []
    fast = _run(tmp_path, candidates=True, clean=True, seen=seen, monkeypatch=monkeypatch)
    assert seen == ["candidates_1", "candidates_2"]  # the rows asset is never read by a GE check
    plain = _run(tmp_path, candidates=False, clean=True)
    assert fast == plain
    assert all(r["success"] and r["unexpected_count"] == 0 for r in fast.values())


def test_failing_checks_run_on_every_row_as_declared(tmp_path, monkeypatch):
    seen: list[str] = []
    fast = _run(tmp_path, candidates=True, seen=seen, monkeypatch=monkeypatch)
    assert seen[0] == "candidates_1" and seen[-1] == "rows"
    plain = _run(tmp_path, candidates=False)
    assert set(fast) == set(plain) == {"unique_key", "value_in_range", "ci_in_range"}
    for name in fast:
        assert fast[name] == plain[name], name
    # computed from the fixture: one key repeated (three rows, a null part: GE's own uniqueness check would not see
    # it) and the rows outside their range. One repeated key only: the order of several is not fixed (a group-by)
    assert fast["unique_key"]["unexpected_count"] == 1 and not fast["unique_key"]["success"]
    assert '"n_rows": 3' in fast["unique_key"]["failing_rows_sample"]
    assert fast["value_in_range"]["unexpected_count"] == 2  # 120 > 100; a rate of -3 < 0
    assert fast["ci_in_range"]["unexpected_count"] == 4  # 110/130, -1, 101, -4
    assert '"value": "120.0"' in fast["value_in_range"]["failing_rows_sample"]


def test_candidates_hold_every_row_the_checks_report(tmp_path):
    path = tmp_path / "fixture.parquet"
    _fixture(path)
    rows = f"(select * from read_parquet({suites.sql_str(str(path))}))"
    key, value, ci = suites.unique_key_check(KEY), *suites.range_checks(CATALOGUE, sorted(CATALOGUE))
    con = duckdb.connect()
    for check, expected in ((key, 3), (value, 4), (ci, 4)):  # three rows of one key; 4 with a value or CI out
        assert len(con.execute(check.candidates.format(rows=rows)).fetchall()) == expected, check.name
        con.execute(f"create or replace temp table c as {check.candidates.format(rows=rows)}")
        query = check.kwargs["unexpected_rows_query"]
        over_rows = con.execute(query.format(batch=rows if "join" in query else f"{rows} as subselect")).fetchall()
        over_candidates = con.execute(query.format(batch="c")).fetchall()
        assert sorted(over_rows, key=str) == sorted(over_candidates, key=str) and over_rows, check.name


def test_candidate_assets_share_one_query_and_leave_the_target_unchanged():
    checks = [suites.unique_key_check(KEY), *suites.range_checks(CATALOGUE, sorted(CATALOGUE))]
    target = Target("lake", "t", "0" * 64, {"rows": "select 1"}, {"rows": []}, checks)
    assets, moved = suites.candidate_assets(target)
    assert sorted(assets) == ["candidates_1", "candidates_2", "rows"]
    assert [c.asset for c in moved] == ["candidates_1", "candidates_2", "candidates_2"]
    assert [c.asset for c in target.checks] == ["rows"] * 3 and set(target.assets) == {"rows"}
    assert all(suites.materialised(a) for a in ("candidates_1", "codes")) and not suites.materialised("rows")
    assert [c.kwargs for c in moved] == [c.kwargs for c in checks]  # the recorded arguments do not change


def test_broken_candidates_leave_the_checks_on_the_rows(tmp_path):
    fast = _run(tmp_path, candidates=True, with_ci=False)  # no lower_ci/upper_ci: the ranges' candidates fail
    plain = _run(tmp_path, candidates=False, with_ci=False)

    def error(r):  # GE names whichever of the check's two queries it ran first: its order varies between runs
        return {**r, "observed_value": r["observed_value"].split("[SQL:")[0]}

    assert {n: error(r) for n, r in fast.items()} == {n: error(r) for n, r in plain.items()}
    assert not fast["ci_in_range"]["success"] and "lower_ci" in fast["ci_in_range"]["observed_value"]
    assert fast["unique_key"]["unexpected_count"] == 1
