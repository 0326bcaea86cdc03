"""``his returns template`` and ``his returns check``: the returns workflow for the people who hold the figures.

- :func:`write_template` writes an .xlsx workbook for a programme team: sheet ``instructions`` (how to fill it,
  in plain words), sheet ``returns`` with one row per numeric target of the parsed plan
  (``seeds/plan/plan_targets.csv``: the target id, the plan's words, the target value and unit, the deadline)
  and the returns columns to fill (:data:`ingest.sources.returns.COLUMNS`), drop-down lists (data validation)
  for ``unit`` (``seeds/reference/returns_units.csv``) and ``basis``, and a hidden sheet ``lists`` that holds
  the drop-down values. A team adds rows for a second figure of a target or a context figure.
- :func:`check_file` reads a filled workbook (sheet ``returns``, unfilled target rows left out) or a returns
  CSV with the ``programme_returns`` format's reader and judges every row with the row rules gate 1 applies
  (:func:`ingest.sources.returns.check_rows`: the same rule list, the same code), returning one
  :class:`~ingest.sources.returns.Problem` per broken rule of a row.

A workbook that passes is read by the pipeline as one more registry entry (format ``programme_returns``,
options ``{sheet: returns, skip_unfilled_rows: true}``, file ``ext: xlsx``; docs/returns.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.errors import HisError
from ingest.sources import returns as R

SHEET = "returns"
LISTS_SHEET = "lists"
INSTRUCTIONS_SHEET = "instructions"
# The format options that read a filled template (the registry entry of a filled workbook uses the same).
TEMPLATE_OPTIONS = {"sheet": SHEET, "skip_unfilled_rows": True}
# Columns the template fills in from the plan, for the reader; the reader ignores all but target_ids.
TARGET_COLUMNS = ["target", "target_value", "target_unit", "deadline"]
HEADER = ["target_ids", *TARGET_COLUMNS, *[c for c in R.COLUMNS if c != "target_ids"]]
FIRST_ROWS = 1000  # rows the drop-down lists cover
WIDTHS = {"target_ids": 14, "target": 40, "target_value": 12, "target_unit": 16, "deadline": 9, "return_id": 10,
          "measure": 36, "value": 12, "unit": 14, "basis": 22, "period_start": 12, "period_end": 12,
          "area_code": 12, "publisher": 24, "page_title": 30, "url": 40, "published": 12, "quote": 60, "note": 40}

INSTRUCTIONS = [
    ("Programme returns workbook: the figures your programme reports against the Health Inequalities Strategy "
    "Implementation Plan's targets."),
    "",
    ("The sheet 'returns' has one row per numeric target of the plan: the first five columns (grey) say which "
    "target and are filled in for you. Fill the other columns for each figure you report. For a second figure "
    "of the same target, or a figure that gives context, add a row below (write the target id in target_ids, or "
    "leave it empty for context). Leave a target's row as it is when you have no figure for it."),
    "",
    "Column by column:",
    "return_id: a short id, unique in this workbook (e.g. R001).",
    "target_ids: the plan's target id(s), separated by ';' (e.g. KC1.1-T1;A1.3.1.a-T1). Empty for context.",
    "measure: what is counted, in plain words (e.g. 'School Superzones created to date').",
    ("value: the figure as a plain number: digits and a decimal point only, no commas, no £ or %; write "
    "'1.3 million' as 1300000 and '£4bn' as 4000000000."),
    "unit: choose from the list (people, GBP, percent, homes ...).",
    ("basis: cumulative_since_start (a running total since the programme began), in_period (a count within the "
    "period), or point_in_time (a stock or share on a date)."),
    ("period_start, period_end: dates written YYYY-MM-DD (e.g. 2024-03-31); period_end is the date the figure "
    "refers to. Leave period_start empty if no start is stated."),
    "area_code: E12000007 for London; a borough's code (E09...) for one borough.",
    ("publisher, page_title, url: who published the page the figure is on, its title and its address "
    "(http:// or https://)."),
    "published: the page's date, YYYY-MM-DD, or the word unknown.",
    ("quote: the sentence holding the figure, copied exactly from the page. The figure must appear in it "
    "(1,300,000 or 1.3 million both match the value 1300000)."),
    ("note: anything a reader must know: 'more than' (a lower bound), UK-wide rather than London, a different "
    "start date, a figure that disagrees with another."),
    "",
    ("Before you send it: run  his returns check <this file>  (or ask the data team to). It lists every problem, "
    "one line each (row, column, what is wrong, what is expected). A workbook with a problem cannot be loaded."),
    ("The figures appear in the reports as reported figures, with the page and the quote, never as official "
    "statistics."),
]


def numeric_targets(root: Path | None = None) -> list[dict[str, str]]:
    """The plan's targets with a number (``target_value``), in plan order."""
    return [t for t in R.plan_targets(root) if (t.get("target_value") or "").strip()]


def write_template(out: Path, root: Path | None = None) -> int:
    """Write the returns workbook to ``out``; returns the number of target rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    targets = numeric_targets(root)
    units = R.known_units(root)
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET
    info.column_dimensions["A"].width = 120
    for i, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(i, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    info["A1"].font = Font(bold=True)

    ws = wb.create_sheet(SHEET)
    grey = PatternFill("solid", fgColor="DDDDDD")
    for j, name in enumerate(HEADER, start=1):
        cell = ws.cell(1, j, name)
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = WIDTHS.get(name, 14)
    for i, t in enumerate(targets, start=2):
        values = [t["target_id"], t["metric"], t["target_value"], t["unit"], t["target_year"] or "no deadline"]
        for j, v in enumerate(values, start=1):
            ws.cell(i, j, v).fill = grey
    col = {name: ws.cell(1, j).column_letter for j, name in enumerate(HEADER, start=1)}
    for name in ("period_start", "period_end", "published", "value", "return_id", "target_ids", "area_code"):
        for r in range(2, FIRST_ROWS + 1):  # text cells: what is typed stays as typed (no date or number reformatting)
            ws[f"{col[name]}{r}"].number_format = "@"
    ws.freeze_panes = "B2"

    lists = wb.create_sheet(LISTS_SHEET)
    lists["A1"], lists["B1"] = "unit", "basis"
    for i, u in enumerate(units, start=2):
        lists.cell(i, 1, u)
    for i, b in enumerate(R.BASES, start=2):
        lists.cell(i, 2, b)
    lists.sheet_state = "hidden"
    for name, ref, n, what in (("unit", "A", len(units), "a unit from the list"),
                               ("basis", "B", len(R.BASES), "one of " + ", ".join(R.BASES))):
        dv = DataValidation(type="list", formula1=f"={LISTS_SHEET}!${ref}$2:${ref}${n + 1}", allow_blank=True,
                            showErrorMessage=True, errorTitle=f"Unknown {name}", error=f"Choose {what}.")
        dv.add(f"{col[name]}2:{col[name]}{FIRST_ROWS}")
        ws.add_data_validation(dv)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(targets)


def check_file(path: Path, root: Path | None = None) -> tuple[int, list[R.Problem]]:
    """(rows read, problems) of a filled returns workbook or CSV, judged by gate 1's row rules.

    Raises :class:`HisError` when the file cannot be read as a returns table at all (not a workbook or CSV, a
    column missing)."""
    from ingest.sources.conform import FileContext
    from ingest.sources.formats.programme_returns import read_rows

    if not path.is_file():
        raise HisError(f"{path}: no such file")
    ext = path.suffix.lower().lstrip(".")
    if ext not in ("csv", "xlsx"):
        raise HisError(f"{path}: expected a returns workbook (.xlsx) or a returns table (.csv)")
    options = dict(TEMPLATE_OPTIONS) if ext == "xlsx" else {}
    if ext == "xlsx":
        from openpyxl import load_workbook

        names = load_workbook(path, read_only=True).sheetnames
        if SHEET not in names:
            raise HisError(f"{path}: no sheet '{SHEET}' (the workbook has {', '.join(names)}); "
                           "is it a returns workbook from `his returns template`?")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    ctx = FileContext("returns check", path.stem, path.name, path, "", str(path), sha, options)
    rows = read_rows(ctx)
    return len(rows), R.check_rows(rows, R.rule_context(root))
