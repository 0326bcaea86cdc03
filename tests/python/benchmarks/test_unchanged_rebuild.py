"""An unchanged rebuild checks and builds nothing again; a changed lake file rebuilds (real CLI, real dbt)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest import cli
from ingest.dbt_runner import published_state


@pytest.mark.slow
def test_unchanged_rebuild_skips_gates_and_dbt_until_an_input_changes(tmp_path: Path, mirror_dir: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    args = ["build", "--skip", "report", "--data-dir", str(tmp_path / "data"), "--mirror", str(mirror_dir)]
    assert cli.main(args) == 0
    wh = tmp_path / "data" / "warehouse.duckdb"
    first = wh.stat().st_mtime_ns
    cfg_state = published_state(cli.settings(data_dir=tmp_path / "data"))
    assert cfg_state["gate2"] == "passed" and len(cfg_state["fingerprint"]) == 64
    capsys.readouterr()

    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "dataset(s) not re-checked" in err
    assert "inputs unchanged since the published warehouse was built" in err
    assert "warehouse unchanged since it passed gate 2" in err
    assert wh.stat().st_mtime_ns == first  # not rebuilt, not replaced

    # a lake file that changes (here only its modification time) makes dbt and gate 2 run again
    lake_file = next((tmp_path / "data" / "lake" / "fingertips_ncmp_obesity").glob("*.parquet"))
    os.utime(lake_file, ns=(lake_file.stat().st_atime_ns, lake_file.stat().st_mtime_ns + 10**9))
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "inputs unchanged" not in err and "nodes ok" in err
    assert "expectations on 9 dataset(s)" in err or "marts:" in err
    assert wh.stat().st_mtime_ns != first
