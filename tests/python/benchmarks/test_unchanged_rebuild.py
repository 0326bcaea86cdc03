"""An unchanged rebuild checks and builds nothing again; a changed lake file rebuilds (real CLI, real dbt).

Each build is its own process, as `his build` is used (in one process, gate 2's read-only DuckDB handle on the
candidate outlives the build; see the benchmark issue's closing note)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, settings
from pipeline.warehouse import published_state


def _build(data: Path, mirror: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--skip", "report", "--data-dir", str(data),
                           "--mirror", str(mirror)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


@pytest.mark.slow
def test_unchanged_rebuild_skips_gates_and_dbt_until_an_input_changes(mirror_build_copy) -> None:
    # a copy of the session's cold build (timestamps kept): its lake is unchanged, but its warehouse's views name
    # the original lake directory, so the first build here rebuilds the warehouse (not a cold build: nothing is
    # ingested or checked again); the second is the unchanged rebuild
    data, mirror_dir = mirror_build_copy.data_dir, mirror_build_copy.mirror
    assert "dataset(s) not re-checked" in _build(data, mirror_dir)
    wh = data / "warehouse.duckdb"
    first = wh.stat().st_mtime_ns
    state = published_state(settings(data_dir=data))
    assert state["gate2"] == "passed" and len(state["fingerprint"]) == 64

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
