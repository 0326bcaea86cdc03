"""Slow: a second cold build of the mirror, in its own data directory and its own process, then rebuilt.

- It gives the same marts as the session's shared build (``mirror_build``): every mart of the two published
  warehouses is compared with EXCEPT ALL both ways (so duplicates count), leaving out only the columns that record
  *when* or *which run*, listed in :data:`IGNORED` with the reason. Floating-point sums are ordered
  (macros/portability/ordered_sum.sql), so no value may move even in its last bit.
- Built again with nothing changed, nothing is checked or built again; a changed lake file rebuilds.

One cold build serves both (a copy of the shared build could not: its warehouse's views name the original lake
directory, so its first build would be a rebuild). The marts are exported when the build is made, so the
comparison does not depend on the rebuild test running before or after it. Each build is its own process, as
`his build` is used (in one process, gate 2's read-only DuckDB handle on the candidate outlives the build)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.config import PROJECT_ROOT, settings
from pipeline.warehouse import published_state

# mart -> columns left out of the comparison, and why
IGNORED: dict[str, dict[str, str]] = {
    "fct_dataset_snapshot": {
        "parsed_at": "wall-clock time this build parsed the file",
        "retrieved_at": "wall-clock time this build first stored the raw bytes",
    },
    "dim_source": {
        "last_retrieved_at": "wall-clock time this build last stored the source's raw bytes",
    },
    "fct_source_status": {
        "checked_at": "wall-clock time of this build's ingest",
        "snapshot_at": "wall-clock time this build first stored the raw bytes",
        "snapshot_age_days": "checked_at - snapshot_at: both wall-clock (differs if the builds straddle midnight)",
        "edition_age_days": "checked_at - edition_at: checked_at is wall-clock",
        "is_overdue": "from edition_age_days (a build a day later may cross the threshold)",
    },
    "fct_report_vintage": {
        "last_check_at": "wall-clock time of the latest gate run",
    },
    "fct_quality_check": {
        "run_id": "random id of each gate run",
        "run_at": "wall-clock time of each gate run",
        "snapshot_sha256": "on gate-2 rows the warehouse's dbt-inputs fingerprint, which hashes lake file mtimes "
                           "(pipeline.warehouse.inputs_fingerprint); the raw sha256s behind gate-1 rows are "
                           "compared through fct_dataset_snapshot.snapshot_sha256",
    },
}


def marts(path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("select table_name, column_name from information_schema.columns where table_schema = "
                           "'main' and (table_name like 'fct\\_%' escape '\\' or table_name like 'dim\\_%' "
                           "escape '\\') order by table_name, ordinal_position").fetchall()
    finally:
        con.close()
    out: dict[str, list[str]] = {}
    for t, c in rows:
        out.setdefault(t, []).append(c)
    return out


def export(path, folder) -> dict[str, list[str]]:
    """Every mart of the warehouse at ``path`` as ``folder/<mart>.parquet`` (marts that are views read through
    the warehouse's own catalogue, so each warehouse is opened on its own); returns mart -> columns."""
    tables = marts(path)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(path), read_only=True)
    try:
        for t in tables:
            con.execute(f"copy (select * from {t}) to '{folder / t}.parquet' (format parquet)")
    finally:
        con.close()
    return tables


def differences(a: Path, b: Path) -> dict[str, str]:
    """mart -> what differs (rows only in a / only in b, and the columns that differ), for every mart that is
    not identical outside :data:`IGNORED`; ``a`` and ``b`` are folders written by :func:`export`."""
    tables = {p.stem for p in a.glob("*.parquet")}
    assert tables == {p.stem for p in b.glob("*.parquet")}
    con = duckdb.connect()
    out = {}
    try:
        for t in sorted(tables):
            ra, rb = f"read_parquet('{a / t}.parquet')", f"read_parquet('{b / t}.parquet')"
            cols = [r[0] for r in con.execute(f"describe select * from {ra}").fetchall()]
            kept = [c for c in cols if c not in IGNORED.get(t, {})]

            def only(sel: str, x: str, y: str) -> int:
                return con.execute(f"select count(*) from (select {sel} from {x} except all select {sel} from {y})"
                                   ).fetchone()[0]

            sel = ", ".join(f'"{c}"' for c in kept)
            only_a, only_b = only(sel, ra, rb), only(sel, rb, ra)
            if only_a or only_b:
                cols_diff = [c for c in kept if only(f'"{c}"', ra, rb)]
                out[t] = f"{only_a} row(s) only in the first build, {only_b} only in the second; columns {cols_diff}"
    finally:
        con.close()
    return out


def _build(data: Path, mirror: Path) -> str:
    """`his build --skip report` in its own process; returns its console output (stderr)."""
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--skip", "report", "--data-dir", str(data),
                           "--mirror", str(mirror)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


@dataclass
class SecondBuild:
    data: Path
    mirror: Path
    marts: Path  # the marts as the cold build published them (Parquet, one file per mart)
    tables: dict[str, list[str]]


@pytest.fixture(scope="module")
def second_build(tmp_path_factory, mirror_dir) -> SecondBuild:
    root = tmp_path_factory.mktemp("second_build")
    data = root / "data"
    err = _build(data, mirror_dir)
    assert "full build" in err
    tables = export(data / "warehouse.duckdb", root / "marts")
    return SecondBuild(data, mirror_dir, root / "marts", tables)


@pytest.mark.slow
def test_two_cold_builds_give_identical_marts(tmp_path, second_build, mirror_build):
    """The session's shared build (``mirror_build``, itself a cold build of the mirror) and a second cold build
    into a fresh data directory give the same marts."""
    assert mirror_build.warehouse != second_build.data / "warehouse.duckdb"
    tables = second_build.tables
    assert len(tables) >= 15 and "fct_inequality_gap" in tables
    assert all(c in tables[t] for t, cols in IGNORED.items() for c in cols)  # the list names real columns
    assert marts(mirror_build.warehouse) == tables
    first = tmp_path / "first"
    export(mirror_build.warehouse, first)
    assert differences(first, second_build.marts) == {}


@pytest.mark.slow
def test_unchanged_rebuild_skips_gates_and_dbt_until_an_input_changes(second_build) -> None:
    data, mirror_dir = second_build.data, second_build.mirror
    wh = data / "warehouse.duckdb"
    state = published_state(settings(data_dir=data))
    assert state["gate2"] == "passed" and len(state["fingerprint"]) == 64
    first = wh.stat().st_mtime_ns

    err = _build(data, mirror_dir)
    print(err[-1500:])
    assert "dataset(s) not re-checked" in err
    assert "inputs unchanged since the published warehouse was built" in err
    assert "warehouse unchanged since it passed gate 2" in err
    assert wh.stat().st_mtime_ns == first  # not rebuilt, not replaced

    # a lake file that changes (here only its modification time) makes dbt and gate 2 run again
    lake_file = next((data / "lake" / "fingertips_ncmp_obesity").glob("*.parquet"))
    os.utime(lake_file, ns=(lake_file.stat().st_atime_ns, lake_file.stat().st_mtime_ns + 10**9))
    err = _build(data, mirror_dir)
    assert "inputs unchanged" not in err and "nodes ok" in err
    assert "warehouse unchanged since it passed gate 2" not in err
    assert wh.stat().st_mtime_ns != first
