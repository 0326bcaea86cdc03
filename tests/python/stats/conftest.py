"""Fixtures for the stats tests: PHE method test data loaded into a private DuckDB file, and a helper that runs
SQL (with the project's macros) through real dbt ``show --inline`` against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from ingest.config import settings
from pipeline.warehouse import invoke

TESTDATA = "phe_methods_testdata"


def read_sheet(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """Rows of an xlsx sheet as dicts keyed by the header row; blank rows dropped."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    wb.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def phe_warehouse(tmp_path_factory, mirror_dir: Path):
    """A DuckDB file holding the PHE fixture rows read at test time (never copied into the repo)."""
    folder = mirror_dir / TESTDATA
    tmp = tmp_path_factory.mktemp("phe")
    path = tmp / "phe.duckdb"
    con = duckdb.connect(str(path))
    tables = {
        "phe_byars_wilson": read_sheet(folder / "testdata_Byars_Wilson.xlsx", "testdata_B_W"),
        "phe_prop": read_sheet(folder / "testdata_Proportion.xlsx", "testdata_Prop"),
        "phe_prop_g": read_sheet(folder / "testdata_Proportion.xlsx", "testdata_Prop_g"),
        "phe_sii": read_sheet(folder / "testdata_SII.xlsx", "testdata_SII"),
    }
    for name, rows in tables.items():
        cols = list(rows[0])
        con.execute(
            f"create table {name} (row_no integer, "
            + ", ".join(f'"{c}" {"double" if _numeric(rows, c) else "varchar"}' for c in cols)
            + ")"
        )
        con.executemany(
            f"insert into {name} values ({', '.join(['?'] * (len(cols) + 1))})",
            [[i, *(_cell(r[c], _numeric(rows, c)) for c in cols)] for i, r in enumerate(rows)],
        )
    con.close()
    cfg = settings(data_dir=tmp / "data", mirror=mirror_dir)
    return cfg, path, tables


def _numeric(rows: list[dict], col: str) -> bool:
    vals = [r[col] for r in rows if r[col] is not None]
    return bool(vals) and all(isinstance(v, (int, float)) for v in vals)


def _cell(v, numeric: bool):
    if v is None:
        return None
    return float(v) if numeric else str(v)


def dbt_show(cfg, warehouse: Path, sql: str) -> list[dict[str, Any]]:
    """Run ``dbt show --inline sql`` (macros expanded by dbt, executed by the adapter); rows as dicts."""
    result = invoke(cfg, ["show", "--inline", sql, "--limit", "-1"], warehouse=warehouse)
    assert result.success, f"dbt show failed: {result.exception}"
    table = result.result.results[0].agate_table
    return [
        {c: (float(v) if v is not None and not isinstance(v, (str, bool)) else v) for c, v in zip(table.column_names, row)}
        for row in table.rows
    ]
