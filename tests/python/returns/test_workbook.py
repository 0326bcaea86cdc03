"""``his returns template`` -> a workbook filled programmatically -> ``his returns check`` (the round trip), a
broken copy (one clear line per problem), and the filled workbook read by the ``programme_returns`` format as a
registry entry would read it. Every figure below is hand-written for these tests (fixture values, marked as
such in the quotes), not a real return."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from openpyxl import load_workbook

from ingest.sources import returns as R
from ingest.sources.conform import FileContext
from ingest.sources.formats import programme_returns
from pipeline import returns
from pipeline.cli import main

# Hand-written fixture figures (not real returns): target id -> the cells to fill.
FILLED = {
    "KC1.1-T1": {"return_id": "T001", "measure": "School Superzones created (fixture)", "value": "61",
                 "unit": "superzones", "basis": "cumulative_since_start", "period_start": "2022-01-01",
                 "period_end": "2024-03-31", "area_code": "E12000007", "publisher": "Fixture publisher",
                 "page_title": "Fixture page", "url": "https://example.org/fixture/superzones",
                 "published": "2024-04-15", "quote": "Fixture sentence: 61 School Superzones created so far.",
                 "note": "hand-written test fixture"},
    "A2.5.1-T1": {"return_id": "T002", "measure": "Londoners trained (fixture)", "value": "1300000",
                  "unit": "people", "basis": "cumulative_since_start", "period_start": "", "period_end": "2025-09-30",
                  "area_code": "E12000007", "publisher": "Fixture publisher", "page_title": "Fixture page 2",
                  "url": "http://example.org/fixture/training", "published": "unknown",
                  "quote": "Fixture sentence: more than 1.3 million Londoners have taken the training.",
                  "note": "lower bound (more than); hand-written test fixture"},
}


def _fill(path, values_by_target, extra_rows=()):
    wb = load_workbook(path)
    ws = wb[returns.SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        tid = row[header.index("target_ids")].value
        for col, v in values_by_target.get(tid, {}).items():
            row[header.index(col)].value = v
    for extra in extra_rows:
        r = next(i for i in range(2, ws.max_row + 2)  # the first empty row (the template formats 1000 rows)
                 if all(ws.cell(i, j).value in (None, "") for j in range(1, len(header) + 1)))
        for col, v in extra.items():
            ws.cell(r, header.index(col) + 1, v)
    wb.save(path)


@pytest.fixture()
def template(tmp_path):
    out = tmp_path / "returns.xlsx"
    assert main(["returns", "template", "--out", str(out)]) == 0
    return out


def test_template_has_a_row_per_numeric_target_and_drop_downs(template):
    wb = load_workbook(template)
    assert wb.sheetnames[:2] == [returns.INSTRUCTIONS_SHEET, returns.SHEET]
    ws = wb[returns.SHEET]
    header = [c.value for c in ws[1]]
    assert set(R.COLUMNS) <= set(header)
    targets = returns.numeric_targets()
    assert len(targets) == 30
    assert [ws.cell(r, 1).value for r in range(2, 32)] == [t["target_id"] for t in targets]
    first = {header[j]: ws.cell(2, j + 1).value for j in range(len(header))}
    assert first["target"] == targets[0]["metric"] and first["target_value"] == targets[0]["target_value"]
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    unit_col = ws.cell(1, header.index("unit") + 1).column_letter
    basis_col = ws.cell(1, header.index("basis") + 1).column_letter
    n_units = len(R.known_units())
    assert lists[f"=lists!$A$2:$A${n_units + 1}"].startswith(f"{unit_col}2:")
    assert lists["=lists!$B$2:$B$4"].startswith(f"{basis_col}2:")
    assert [wb["lists"].cell(r, 2).value for r in (2, 3, 4)] == list(R.BASES)


def test_filled_template_round_trips(template, capsys):
    context = {"return_id": "T003", "target_ids": "", "measure": "context figure (fixture)", "value": "4000000000",
               "unit": "GBP", "basis": "in_period", "period_start": "2021-04-01", "period_end": "2026-03-31",
               "area_code": "E12000007", "publisher": "Fixture publisher", "page_title": "Fixture page 3",
               "url": "https://example.org/fixture/homes", "published": "2022-01-10",
               "quote": "Fixture sentence: the £4bn programme.", "note": ""}
    _fill(template, FILLED, [context])
    assert main(["returns", "check", str(template)]) == 0
    out = capsys.readouterr().out
    assert "3 row(s), every row passes" in out
    # ... and the pipeline reads it as a registry entry would (format programme_returns, the template's options)
    ctx = FileContext("team_returns", "team_returns", "workbook", template, "https://example.org/fixture",
                      None, hashlib.sha256(template.read_bytes()).hexdigest(), dict(returns.TEMPLATE_OPTIONS))
    df = programme_returns.parse(ctx, None, None, None)
    assert df.schema == R.LAKE_SCHEMA
    assert df["return_id"].to_list() == ["T001", "T002", "T003"]
    assert df["value"].to_list() == [61.0, 1300000.0, 4000000000.0]
    assert df["target_ids"].to_list() == ["KC1.1-T1", "A2.5.1-T1", None]
    assert str(df["period_end"][0]) == "2024-03-31" and df["published"][1] is None


def test_broken_copy_gets_one_line_per_problem(template, tmp_path, capsys):
    broken = dict(FILLED)
    broken["KC1.1-T1"] = {**FILLED["KC1.1-T1"], "value": "16", "basis": "cumulative", "url": ""}
    broken["A2.5.1-T1"] = {**FILLED["A2.5.1-T1"], "period_start": "2026-01-01", "unit": "Londoners"}
    copy = tmp_path / "broken.xlsx"
    shutil.copy(template, copy)
    _fill(copy, broken, [{"return_id": "T002", "target_ids": "KC9.9-T1", "measure": "x", "value": "1,5",
                          "unit": "people", "basis": "in_period", "period_end": "31/03/2024",
                          "url": "https://example.org/x", "published": "unknown", "quote": "1,5 fixture"}])
    assert main(["returns", "check", str(copy)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"{copy}: row")]
    found = sorted((line.split(",")[0].split("row ")[1].split(" ")[0], line.split("[")[-1].rstrip("]"))  # (row, check)
                   for line in lines)
    assert found == sorted([
        ("2", "value_in_quote"), ("2", "basis_known"), ("2", "url_http"),
        ("9", "unit_known"), ("9", "period_start_le_end"),
        ("32", "target_ids_in_plan"), ("32", "value_number"), ("32", "period_end_iso"), ("32", "return_id_unique"),
    ])
    assert len(lines) == 9
    url = next(line for line in lines if "url_http" in line)
    assert "row 2 (T001), column url: empty; expected the page address" in url


def test_check_says_when_nothing_is_filled_or_the_file_is_not_a_returns_table(template, tmp_path, capsys):
    assert main(["returns", "check", str(template)]) == 1
    assert "no figures filled in" in capsys.readouterr().out
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["returns", "check", str(other)]) == 1
    assert "missing column(s) 'return_id'" in capsys.readouterr().out
