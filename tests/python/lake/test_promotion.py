"""Lake promotion is one step (issue 26, finding 6). A tiny lake made here (hand-written Parquet files, each
carrying the snapshot id its manifest row names): gate 1's promotion of two accepted datasets and one rejected
one is SIGKILLed in a child process after every step in turn, and the next command (``recover``) must see the
old state or the new one, whole: every dataset's manifest row names the file the lake holds, both datasets move
together, nothing hidden is left behind. An unwritable lake folder fails with a clear message and leaves the lake
and its manifest byte-identical."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import lake

DATASETS = ("alpha", "beta")
REJECTED = "gamma"
SOURCE = "src"


def frame(version: str, rows: int) -> pl.DataFrame:
    return pl.DataFrame({"snapshot": [version] * rows, "value": list(range(rows))})


def row(dataset: str, version: str, rows: int) -> dict:
    return {"dataset_id": dataset, "source_id": SOURCE, "path": f"{SOURCE}/{dataset}.parquet", "rows": rows,
            "snapshot_sha256": version, "parsed_at": "2026-01-01T00:00:00+00:00", "config_sha256": "c"}


def make_lake(data: Path):
    """An accepted lake holding version 'old' of alpha and beta, and a staged run with 'new' of all three."""
    cfg = settings(data_dir=data, mirror=None)
    files = []
    for d in DATASETS:
        tmp = data / f"{d}.parquet"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        frame("old", 3).write_parquet(tmp)
        files.append((tmp, cfg.lake_dir / SOURCE / f"{d}.parquet", row(d, "old", 3)))
    lake.promote_files(cfg, files, "setup")
    run = lake.new_run_id()
    entries = {}
    for d in (*DATASETS, REJECTED):
        path = lake.staged_path(cfg, run, SOURCE, d)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame("new", 5).write_parquet(path)
        entries[d] = {"row": row(d, "new", 5), "path": str(path), "warnings": [],
                      "raw": [{"source_id": SOURCE, "url": f"https://example.invalid/{d}.csv", "sha256": d * 8}]}
    lake.record_staged(cfg, run, entries)
    return cfg


FAILED = {REJECTED: [{"dataset": REJECTED, "check_name": "row_count", "observed_value": 5, "success": False,
                      "severity": "error"}]}


def finish(cfg) -> tuple[list[str], list[str]]:
    return lake.finish_gate(cfg, "gate-run", {*DATASETS, REJECTED}, FAILED)


def state_of(cfg) -> dict:
    """What each dataset holds and what the manifest says; asserts that they agree."""
    with (cfg.lake_dir / "manifest.csv").open(newline="") as fh:
        latest = {r["dataset_id"]: r for r in csv.DictReader(fh)}
    out = {}
    for d in DATASETS:
        df = pl.read_parquet(cfg.lake_dir / SOURCE / f"{d}.parquet")
        assert latest[d]["snapshot_sha256"] == df["snapshot"][0], f"{d}: the manifest names another file"
        assert int(latest[d]["rows"]) == df.height
        out[d] = df["snapshot"][0]
    hidden = sorted(p.name for p in cfg.lake_dir.rglob(".*") if p.is_file() and p.name != lake.LOCK
                    and ".staging" not in p.parts)
    assert hidden == [], f"left behind: {hidden}"
    return out


def test_promotion_moves_datasets_manifest_and_quarantine_together(tmp_path):
    cfg = make_lake(tmp_path / "data")
    assert state_of(cfg) == dict.fromkeys(DATASETS, "old")
    assert finish(cfg) == (list(DATASETS), [REJECTED])
    assert state_of(cfg) == dict.fromkeys(DATASETS, "new")
    assert (cfg.lake_dir / "quarantine" / "gate-run" / SOURCE / f"{REJECTED}.parquet").exists()
    assert lake.read_state(cfg)["gate1"] == "failed" and lake.pending_run(cfg) is None
    assert (SOURCE, REJECTED * 8) in lake.rejected_snapshots(cfg)


# The child imports only the lake module (no polars): one promotion, SIGKILLed after step argv[1].
CHILD = """
import json, os, signal, sys
from ingest.config import settings
from ingest.sources import lake

kill_after = int(sys.argv[1])
def step(n, what):
    if n == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)
lake._step = step
checked, failed = json.loads({args!r})
lake.finish_gate(settings(data_dir={data!r}, mirror=None), "gate-run", set(checked), failed)
"""


def child(cfg) -> str:
    return CHILD.format(args=json.dumps([[*DATASETS, REJECTED], FAILED]), data=str(cfg.data_dir))


def steps_of_a_promotion(tmp_path: Path) -> int:
    """How many steps one promotion of this lake has (counted, not assumed)."""
    cfg = make_lake(tmp_path / "count")
    seen: list[int] = []
    original = lake._step
    lake._step = lambda n, what: seen.append(n)
    try:
        finish(cfg)
    finally:
        lake._step = original
    return max(seen)


def test_a_kill_at_any_step_of_the_promotion_leaves_the_old_or_the_new_lake(tmp_path):
    steps = steps_of_a_promotion(tmp_path)
    assert steps >= 6  # prepared, committed, two promotions, manifest, quarantine, staging, state
    outcomes = {}
    for k in range(1, steps + 1):
        cfg = make_lake(tmp_path / f"kill{k}")
        before = {p: p.read_bytes() for p in sorted((cfg.lake_dir / SOURCE).glob("*.parquet"))}
        manifest_before = (cfg.lake_dir / "manifest.csv").read_bytes()
        script = child(cfg)
        proc = subprocess.run([sys.executable, "-c", script, str(k)], check=False, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        assert proc.returncode == -9, proc.stderr  # killed by SIGKILL at step k

        lake.recover(cfg)  # what the next command does first
        outcome = state_of(cfg)
        assert set(outcome.values()) in ({"old"}, {"new"}), f"step {k}: a mixed lake {outcome}"
        outcomes[k] = outcome["alpha"]
        if outcome["alpha"] == "old":  # rolled back: byte-identical, the staged run still pending
            assert {p: p.read_bytes() for p in sorted((cfg.lake_dir / SOURCE).glob("*.parquet"))} == before
            assert (cfg.lake_dir / "manifest.csv").read_bytes() == manifest_before
            assert set(lake.read_staged(cfg)) == {*DATASETS, REJECTED}
        else:  # rolled forward: quarantine, rejection marks and state complete too
            assert lake.read_state(cfg)["gate1"] == "failed" and lake.pending_run(cfg) is None
            assert (cfg.lake_dir / "quarantine" / "gate-run" / SOURCE / f"{REJECTED}.parquet").exists()
            assert [r for r in lake._rejected_rows(cfg) if r["dataset_id"] == REJECTED].__len__() == 1
    assert outcomes[1] == "old" and all(outcomes[k] == "new" for k in range(2, steps + 1))


def immutable(path: Path):
    """Make ``path`` unwritable even for root (``chattr +i``); returns the undo, or skips when it cannot."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return lambda: path.chmod(0o755)
    if subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder unwritable here (chattr +i refused)")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("folder", ["lake", "source"])
def test_an_unwritable_lake_folder_fails_clearly_and_changes_nothing(tmp_path, folder):
    cfg = make_lake(tmp_path / "data")
    target = cfg.lake_dir if folder == "lake" else cfg.lake_dir / SOURCE
    files = {p: p.read_bytes() for p in sorted(cfg.lake_dir.rglob("*")) if p.is_file()}
    undo = immutable(target)
    try:
        with pytest.raises(HisError, match=r"could not be promoted|cannot write to the lake folder") as err:
            finish(cfg)
    finally:
        undo()
    assert "Nothing was changed" in str(err.value) or "nothing was changed" in str(err.value)
    assert {p: p.read_bytes() for p in sorted(cfg.lake_dir.rglob("*")) if p.is_file()} == files
    assert finish(cfg) == (list(DATASETS), [REJECTED])  # once writable, the same staged run promotes
    assert state_of(cfg) == dict.fromkeys(DATASETS, "new")


def test_a_journal_is_completed_by_the_next_reader(tmp_path):
    """The recovery runs in every entry point: here `read_staged` (gate 1) and `require_accepted` (dbt)."""
    cfg = make_lake(tmp_path / "data")
    script = child(cfg)
    proc = subprocess.run([sys.executable, "-c", script, "3"], check=False, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == -9
    assert json.loads((cfg.lake_dir / lake.JOURNAL).read_text())["id"] == "gate-run"
    assert lake.read_staged(cfg) == {}
    assert not (cfg.lake_dir / lake.JOURNAL).exists()
    assert state_of(cfg) == dict.fromkeys(DATASETS, "new")
