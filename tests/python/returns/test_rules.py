"""The returns row rules (ingest/sources/returns.py): the value-in-quote matcher and each rule, on hand-written
rows and sentences (fixtures written for these tests, not taken from any publisher), and every row of the
mirror's returns table."""

from __future__ import annotations

import csv

import pytest

from ingest.sources import returns as R


@pytest.mark.parametrize("value, quote", [
    ("86", "creating 86 School Superzones which"),
    ("465000", "465,000 Londoners have now taken the training"),
    ("1300000", "around 1.3 million people"),
    ("4000000000", "the £4bn Affordable Homes Programme"),
    ("635000000", "putting £635m in pay packets"),
    ("250000", "a quarter of a million Londoners"),
    ("500000", "half a million people"),
    ("28400000", "emissions were 28.40 million tonnes"),
    ("28.4", "emissions were 28.40 million tonnes"),
    ("17.2", "17.2% of jobs"),
    ("1500", "1,500+ settings"),
    ("12", "twelve London members"),
    ("50", "Fifty grants of up to £30,000"),
    ("25", "twenty-five projects"),
    ("90000", "more than £90,000 to 13 organisations"),
    ("2000", "more than 2,000 zero-emission buses"),
    ("350000", "350,000 have accessed the training"),
    ("5000", "5k people"),
    ("84", "84 per cent of starts"),
])
def test_the_value_is_found_in_its_quote(value, quote):
    assert R.value_in_quote(value, quote)


@pytest.mark.parametrize("value, quote", [
    ("1300", "around 1.3 million people"),  # the multiplier is not dropped
    ("13", "around 1.3 million people"),  # nor the decimal point
    ("86", "creating 860 School Superzones"),  # digits inside a longer number
    ("860", "creating 86 School Superzones"),
    ("17.2", "17.25% of jobs"),
    ("17", "17.2% of jobs"),
    ("4000000", "the £4bn programme"),  # bn is billions, not millions
    ("465001", "465,000 Londoners"),  # a typed-in figure one off
    ("46500", "465,000 Londoners"),
    ("250000", "a quarter of Londoners"),  # "a quarter" alone is no figure of 250000
    ("2500000", "a quarter of a million"),
    ("12", "120 members"),
    ("1500", "15,000 settings"),
    ("100", "no figure in this sentence"),
    ("50", ""),
    ("abc", "abc"),
])
def test_a_near_miss_is_not_found(value, quote):
    assert not R.value_in_quote(value, quote)


def test_numbers_in_reads_separators_words_and_multipliers():
    found = R.numbers_in("51 grants to 28 boroughs, £1.2bn and 3,991 homes, a quarter of a million, twelve")
    assert {51, 28, 1.2, 1200000000, 3991, 250000, 12} <= {float(n) for n in found}


def test_every_row_of_the_mirror_passes_every_rule(mirror_dir):
    path = mirror_dir / "gla_programme_returns" / "returns.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 128
    assert all(R.value_in_quote(r["value"], r["quote"]) for r in rows)
    assert R.check_rows(list(enumerate(rows, start=2)), R.rule_context()) == []


GOOD = {"return_id": "X1", "target_ids": "KC1.1-T1", "measure": "zones created", "value": "86", "unit": "superzones",
        "basis": "cumulative_since_start", "period_start": "2022-01-01", "period_end": "2023-03-31",
        "area_code": "E12000007", "publisher": "A publisher", "page_title": "A page", "url": "https://example.org/p",
        "published": "unknown", "quote": "creating 86 School Superzones", "note": ""}


@pytest.mark.parametrize("change, check, column", [
    ({"url": ""}, "url_http", "url"),
    ({"url": "ftp://example.org/x"}, "url_http", "url"),
    ({"url": "example.org"}, "url_http", "url"),
    ({"quote": "  "}, "quote_present", "quote"),
    ({"value": "1,300"}, "value_number", "value"),
    ({"value": ""}, "value_number", "value"),
    ({"value": "£86"}, "value_number", "value"),
    ({"unit": "zones"}, "unit_known", "unit"),
    ({"unit": ""}, "unit_known", "unit"),
    ({"basis": "cumulative"}, "basis_known", "basis"),
    ({"period_start": "01/01/2022"}, "period_start_iso", "period_start"),
    ({"period_end": "2023-02-30"}, "period_end_iso", "period_end"),
    ({"published": "sometime"}, "published_iso", "published"),
    ({"period_start": "2024-01-01"}, "period_start_le_end", "period_start"),
    ({"target_ids": "KC1.1-T1;KC9.9-T9"}, "target_ids_in_plan", "target_ids"),
    ({"value": "87"}, "value_in_quote", "value"),
    ({"return_id": ""}, "return_id_present", "return_id"),
])
def test_each_rule_names_its_row_column_and_check(change, check, column):
    ctx = R.rule_context()
    assert R.check_rows([(2, GOOD)], ctx) == []
    problems = R.check_rows([(7, {**GOOD, **change})], ctx)
    assert [(p.row, p.check, p.column) for p in problems] == [(7, check, column)]
    line = problems[0].line()
    assert line.startswith("row 7") and f"column {column}" in line and "expected" in line


def test_duplicate_ids_are_one_problem_on_the_later_row():
    problems = R.check_rows([(2, GOOD), (3, GOOD)], R.rule_context())
    assert [(p.row, p.check) for p in problems] == [(3, "return_id_unique")]
    assert "row 2" in problems[0].what


def test_outcomes_have_one_record_per_row_and_rule():
    ctx = R.rule_context()
    out = R.rule_outcomes([(2, GOOD), (3, {**GOOD, "return_id": "X2", "value": "87"})], ctx)
    assert len(out) == 2 * (len(R.RULES) + 1)
    failed = [(o["return_id"], o["check_name"]) for o in out if not o["passed"]]
    assert failed == [("X2", "value_in_quote")]


def test_lake_rows_read_back_as_the_text_the_rules_judge():
    df = R.to_frame([GOOD, {**GOOD, "return_id": "X2", "value": "17.2", "quote": "17.2% of jobs", "unit": "percent",
                            "published": "2024-05-01"}], "src", "sha")
    assert df.schema == R.LAKE_SCHEMA
    rows = R.lake_rows_as_text(df)
    assert rows[0][1]["value"] == "86" and rows[0][1]["published"] == "unknown"
    assert rows[1][1]["value"] == "17.2" and rows[1][1]["published"] == "2024-05-01"
    assert R.check_rows(rows, R.rule_context()) == []
