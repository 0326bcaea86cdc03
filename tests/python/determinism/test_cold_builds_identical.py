"""Slow: two cold builds from the same inputs (the mirror) give identical marts: the session's shared build and
one more, each in its own data
directory; every mart of the two published warehouses is compared with EXCEPT ALL both ways (so duplicates
count), leaving out only the columns that record *when* or *which run*, listed in :data:`IGNORED` with the
reason. Floating-point sums are ordered (macros/portability/ordered_sum.sql), so no value may move even in its
last bit."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.cli import main

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


def differences(a, b, tmp_path) -> dict[str, str]:
    """mart -> what differs (rows only in a / only in b, and the columns that differ), for every mart that is
    not identical outside :data:`IGNORED`."""
    tables = export(a, tmp_path / "a")
    assert tables == export(b, tmp_path / "b")
    con = duckdb.connect()
    out = {}
    try:
        for t, cols in tables.items():
            kept = [c for c in cols if c not in IGNORED.get(t, {})]
            ra, rb = f"read_parquet('{tmp_path / 'a' / t}.parquet')", f"read_parquet('{tmp_path / 'b' / t}.parquet')"

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


@pytest.mark.slow
def test_two_cold_builds_give_identical_marts(tmp_path, mirror_dir, mirror_build):
    """The session's shared build (``mirror_build``, itself a cold build of the mirror) and a second cold build
    into a fresh data directory give the same marts."""
    data = tmp_path / "second" / "data"
    assert main(["build", "--skip", "report", "--data-dir", str(data), "--mirror", str(mirror_dir)]) == 0
    warehouses = [mirror_build.warehouse, data / "warehouse.duckdb"]
    assert warehouses[0] != warehouses[1] and warehouses[0].exists()
    tables = marts(warehouses[0])
    assert len(tables) >= 15 and "fct_inequality_gap" in tables
    assert all(c in tables[t] for t, cols in IGNORED.items() for c in cols)  # the list names real columns
    assert differences(*warehouses, tmp_path / "marts") == {}
