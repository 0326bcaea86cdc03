"""Helpers for the lake tests: a private mirror, the ASHE fixture zip, a minimal ODS writer, lake fingerprints."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def ashe_zip(dest: Path, member: str = "Work Geography LWF Table 7 LWF.1a   lwfmgx 2024.xlsx",
             sheet: str = "All") -> Path:
    """Write the hand-written ASHE sheet cells into an xlsx (sheets Notes + ``sheet``) inside a zip, as ONS publishes."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Hand-written test fixture in the ONS ASHE Table 7 layout; not ONS data."
    ws = wb.create_sheet(sheet)
    with (FIXTURES / "ons_ashe_living_wage" / "table7_all_sheet.csv").open(newline="", encoding="utf-8") as fh:
        for r, row in enumerate(csv.reader(fh), start=1):
            for c, cell in enumerate(row, start=1):
                if cell == "":
                    continue
                try:
                    ws.cell(r, c, float(cell) if "." in cell else int(cell))
                except ValueError:
                    ws.cell(r, c, cell)
    buf = io.BytesIO()
    wb.save(buf)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr(member, buf.getvalue())
        zf.writestr("Work Geography LWF Table 7 LWF.1b   lwfmgx 2024 CV.xlsx", b"not read")
    return dest


def ods_workbook(dest: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """Write cells into a minimal OpenDocument spreadsheet (.ods), one table per sheet: numeric-looking cells
    as floats, others as text, empty strings as empty cells (what DfT's accessible ODS tables hold)."""
    from xml.sax.saxutils import escape, quoteattr

    def cell(v: str) -> str:
        if v == "":
            return "<table:table-cell/>"
        try:
            float(v)
        except ValueError:
            return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="float" office:value={quoteattr(v)}><text:p>{escape(v)}</text:p></table:table-cell>'

    tables = "".join(
        f"<table:table table:name={quoteattr(name)}>"
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
        + "</table:table>" for name, rows in sheets.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                    compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return dest


def fixture_cells(relative: str) -> list[list[str]]:
    """The cells of a hand-written fixture CSV (``tests/python/fixtures/<relative>``)."""
    with (FIXTURES / relative).open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)]


def private_mirror(tmp: Path, real_mirror: Path, skip: tuple[str, ...] = ("phe_methods_testdata",)) -> Path:
    """A copy of the mirror's source folders (the fetch layer refuses symlinks that leave the mirror), so a
    test can break files or add a source without touching the shared mirror."""
    mirror = tmp / "mirror"
    mirror.mkdir(parents=True, exist_ok=True)
    for folder in real_mirror.iterdir():
        if folder.is_dir() and folder.name not in skip:
            shutil.copytree(folder, mirror / folder.name)
    return mirror


def lake_fingerprint(lake: Path) -> dict[str, str]:
    """sha256 of every file in the lake (manifest and Parquet files), except source_status.csv and
    dataset_status.csv, which record each run's outcome and so are meant to change."""
    return {str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*"))
            if p.is_file() and p.name not in ("source_status.csv", "dataset_status.csv")}
