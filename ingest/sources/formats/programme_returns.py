"""Programme delivery returns (dataset kind ``returns``): the returns table from a CSV or a filled returns
workbook (.xlsx, as ``his returns template`` writes it), one row per reported figure.

The table has the columns of :data:`ingest.sources.returns.COLUMNS` (``return_id, target_ids, measure, value,
unit, basis, period_start, period_end, area_code, publisher, page_title, url, published, quote, note``), found
by their header names; other columns (the workbook's target description columns) are ignored, and a missing
one is an error naming it. The rows become the lake frame :data:`ingest.sources.returns.LAKE_COLUMNS`.

Format options (source, dataset or file level, as for every format):

- ``sheet``: the worksheet of a workbook (name or 0-based position; default the first). The template's is
  ``returns``.
- ``header_row``: 0-based row of the header (default 0).
- ``skip_unfilled_rows`` (default false): leave out rows whose returns columns are all empty except
  ``target_ids`` (a template row nobody filled in). Without it such a row is read, and gate 1 names what it
  lacks.
- ``table_ext``: read the file as ``csv`` or ``xlsx`` whatever its name says (as the spreadsheet format).

A cell that the lake cannot hold as typed (a value that is not a plain number; a date that is not ISO
``YYYY-MM-DD``, ``published`` may also say ``unknown``) stops the reading with one line per such cell naming
its row and return id (the :data:`~ingest.sources.returns.TYPE_RULES`, the same rules ``his returns check``
and gate 1 apply). Every other rule is gate 1's (:func:`pipeline.quality.suites.returns_checks`). A date
cell a spreadsheet stores as a date at midnight reads as that date.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from ingest.sources import returns as R
from ingest.sources.conform import FileContext, check_csv_complete, read_text
from ingest.sources.formats.spreadsheet import Workbook

_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$")
DATE_COLUMNS = ("period_start", "period_end", "published")


def read_rows(ctx: FileContext) -> list[tuple[int, dict[str, str]]]:
    """The returns table as (row number, {column: text}): row numbers as a spreadsheet shows them (the header
    row is 1 when it is the first), fully empty rows left out."""
    book = Workbook(ctx)
    if book.csv is not None:
        check_csv_complete(ctx, read_text(ctx))
    sheet = ctx.options.get("sheet", 0)
    grid = book.grid(sheet)
    h = int(ctx.options.get("header_row", 0))
    if grid.height <= h:
        raise ctx.fail(f"sheet {sheet!r} has no header row (row {h + 1})")
    header = ["" if v is None else str(v).strip() for v in grid.row(h)]
    missing = [c for c in R.COLUMNS if c not in header]
    if missing:
        raise ctx.fail(f"missing column(s) {', '.join(repr(c) for c in missing)} in the header (row {h + 1}); "
                       f"it has {', '.join(repr(c) for c in header if c)} (a returns table needs "
                       f"{', '.join(R.COLUMNS)})")
    where = {c: header.index(c) for c in R.COLUMNS}
    skip_unfilled = bool(ctx.options.get("skip_unfilled_rows", False))
    rows: list[tuple[int, dict[str, str]]] = []
    for i in range(h + 1, grid.height):
        cells = grid.row(i)
        row = {c: ("" if cells[j] is None else str(cells[j]).strip()) for c, j in where.items()}
        for c in DATE_COLUMNS:
            if m := _MIDNIGHT.match(row[c]):
                row[c] = m.group(1)
        if R.is_blank(row) or (skip_unfilled and R.is_blank(row, prefilled=["target_ids"])):
            continue
        rows.append((i + 1, row))
    return rows


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    rows = read_rows(ctx)
    if not rows:
        raise ctx.fail("the returns table has a header but no filled rows")
    problems = R.check_rows(rows, R.RuleContext(frozenset(), ()), [R.RULE_BY_NAME[n] for n in R.TYPE_RULES])
    if problems:
        shown = "; ".join(p.line() for p in problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise ctx.fail(f"{len(problems)} cell(s) cannot be read as their type: {shown}{more} "
                       "(`his returns check FILE` lists every problem)")
    return R.to_frame([r for _, r in rows], ctx.source_id, ctx.sha256)
