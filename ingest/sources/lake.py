"""The lake as a transaction: ingest stages, gate 1 promotes or quarantines, dbt reads only what was accepted.

Layout under ``data/lake``:

- ``<source>/<dataset>.parquet`` and ``manifest.csv``: the **accepted** lake. Only a gate-1 pass writes here
  (promotion is one ``os.replace`` per file, then the staged manifest rows are appended). dbt reads only
  these files, and gate 1's row-count baseline is the latest accepted manifest row.
- ``.staging/<run>/``: what ``his ingest`` parsed and has not been checked yet: ``<source>/<dataset>.parquet``
  plus ``staged.json`` (per dataset: its lake manifest row and the raw snapshots it was parsed from). A
  second ``his ingest`` before any gate adds to the same pending run.
- ``quarantine/<run>/``: datasets gate 1 rejected, with ``gate_results.json`` (every result row of those
  datasets in that run) and ``staged.json``. Never read by dbt, never a baseline, never a fallback: the raw
  snapshots they came from are listed in ``data/raw/rejected.csv``, which :func:`ingest.fetch.fetch` reads
  so that no offline run or failed download falls back to them.
- ``state.json``: ``{"gate1": "passed" | "failed" | "unchecked", "run_id", "at", "pending": [...],
  "rejected": [...]}``. ``his ingest`` alone leaves ``unchecked`` with the pending datasets listed; gate 1
  writes ``passed`` or ``failed``. ``his dbt`` refuses a lake whose state is not ``passed`` unless told
  ``--accept-unchecked-lake`` (it then builds from the accepted files only: staged and quarantined data are
  never read, whatever the flag). No ``state.json`` (a lake written by the library call ``stage.run`` without
  ``staged=True``, e.g. parser tests) counts as accepted.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError

STAGING = ".staging"
QUARANTINE = "quarantine"
RESERVED = {STAGING, QUARANTINE}  # names under data/lake that are not sources
REJECTED_COLUMNS = ["source_id", "url", "sha256", "run_id", "dataset_id", "reason", "rejected_at"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def state_path(cfg: Settings) -> Path:
    return cfg.lake_dir / "state.json"


def read_state(cfg: Settings) -> dict[str, Any]:
    try:
        return json.loads(state_path(cfg).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise HisError(f"lake state {state_path(cfg)} is not valid JSON: {exc}") from exc


def write_state(cfg: Settings, state: dict[str, Any]) -> None:
    path = state_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1, sort_keys=True)
    os.replace(tmp, path)


def confined(root: Path, *parts: str, what: str) -> Path:
    """``root/parts...`` resolved, or a HisError when it leaves ``root`` (``..``, absolute parts, symlinks)."""
    base = Path(root).resolve()
    path = base.joinpath(*parts).resolve()
    if path == base or not path.is_relative_to(base):
        raise HisError(f"{what} {'/'.join(parts)!r} resolves to {path}, outside {base}")
    return path


# ------------------------------------------------------------------------------------------ staging


def pending_run(cfg: Settings) -> str | None:
    """The run id of the pending (unchecked) staging area, if any."""
    root = cfg.lake_dir / STAGING
    runs = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return runs[-1] if runs else None


def new_run_id() -> str:
    import secrets

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def staging_dir(cfg: Settings, run: str) -> Path:
    return cfg.lake_dir / STAGING / run


def read_staged(cfg: Settings, run: str | None = None) -> dict[str, dict[str, Any]]:
    """dataset id -> {"row": lake manifest row, "raw": [{source_id, url, sha256}], "path": staged parquet}."""
    run = run or pending_run(cfg)
    if run is None:
        return {}
    path = staging_dir(cfg, run) / "staged.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def staged_path(cfg: Settings, run: str, source_id: str, dataset_id: str) -> Path:
    return confined(staging_dir(cfg, run), source_id, f"{dataset_id}.parquet",
                    what=f"source {source_id}: staged dataset id")


def record_staged(cfg: Settings, run: str, entries: dict[str, dict[str, Any]]) -> None:
    """Add ``entries`` to the pending run's ``staged.json`` and mark the lake ``unchecked``."""
    staged = read_staged(cfg, run)
    staged.update(entries)
    path = staging_dir(cfg, run) / "staged.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".staged.json.tmp")
    tmp.write_text(json.dumps(staged, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    state = read_state(cfg)
    write_state(cfg, {**state, "gate1": "unchecked", "pending_run": run, "pending": sorted(staged),
                      "at": _now()})


def unstage(cfg: Settings, run: str, dataset_id: str) -> None:
    """Drop ``dataset_id`` from the pending run (its raw bytes are back to the accepted snapshot)."""
    staged = read_staged(cfg, run)
    entry = staged.pop(dataset_id, None)
    if entry is None:
        return
    Path(entry["path"]).unlink(missing_ok=True)
    path = staging_dir(cfg, run) / "staged.json"
    path.write_text(json.dumps(staged, indent=1, sort_keys=True), encoding="utf-8")
    state = read_state(cfg)
    write_state(cfg, {**state, "pending": sorted(staged), "at": _now()})


# ------------------------------------------------------------------------------ promote / quarantine


def finish_gate(cfg: Settings, run_id: str, checked: set[str], failed: dict[str, list[dict[str, Any]]],
                append_manifest: Any) -> tuple[list[str], list[str]]:
    """After gate 1 ran on ``checked`` datasets: promote the staged ones that passed, quarantine those in
    ``failed`` (dataset -> its result rows), record the state. Returns (promoted, quarantined)."""
    run = pending_run(cfg)
    staged = read_staged(cfg, run) if run else {}
    promoted, quarantined = [], []
    rows = []
    for dataset_id, entry in sorted(staged.items()):
        if dataset_id not in checked:
            continue
        src = Path(entry["path"])
        if dataset_id in failed:
            qdir = cfg.lake_dir / QUARANTINE / run_id
            dest = confined(qdir, entry["row"]["source_id"], f"{dataset_id}.parquet", what="quarantined dataset")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.exists():
                os.replace(src, dest)
            with (qdir / "gate_results.json").open("a", encoding="utf-8") as fh:
                for r in failed[dataset_id]:
                    fh.write(json.dumps(r, default=str) + "\n")
            with (qdir / "staged.json").open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({dataset_id: entry}) + "\n")
            reason = "; ".join(f"{r['check_name']}: {r['observed_value']}" for r in failed[dataset_id]
                               if not r["success"] and r["severity"] == "error")[:500]
            mark_rejected(cfg, entry.get("raw") or [], run_id, dataset_id, reason)
            quarantined.append(dataset_id)
        else:
            dest = confined(cfg.lake_dir, entry["row"]["source_id"], f"{dataset_id}.parquet", what="lake dataset")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.exists():
                os.replace(src, dest)
            rows.append(entry["row"])
            promoted.append(dataset_id)
        del staged[dataset_id]
    if rows:
        append_manifest(cfg, rows)
    if run:
        if staged:
            (staging_dir(cfg, run) / "staged.json").write_text(json.dumps(staged, indent=1, sort_keys=True),
                                                                encoding="utf-8")
        else:
            shutil.rmtree(staging_dir(cfg, run), ignore_errors=True)
    state = {"gate1": "failed" if failed else ("unchecked" if staged else "passed"), "run_id": run_id,
             "at": _now(), "rejected": sorted(failed), "promoted": promoted}
    if staged:
        state |= {"pending_run": run, "pending": sorted(staged)}
    if failed:
        state["quarantine"] = str((cfg.lake_dir / QUARANTINE / run_id).relative_to(cfg.data_dir))
    write_state(cfg, state)
    return promoted, quarantined


def rejected_path(cfg: Settings) -> Path:
    return cfg.raw_dir / "rejected.csv"


def mark_rejected(cfg: Settings, raw: list[dict[str, str]], run_id: str, dataset_id: str, reason: str) -> None:
    """Append the raw snapshots of a rejected dataset to ``data/raw/rejected.csv`` (the raw manifest's
    rejection marks; ``manifest.csv`` itself is left byte-identical)."""
    path = rejected_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=REJECTED_COLUMNS, lineterminator="\n")
        if new:
            w.writeheader()
        for r in raw:
            w.writerow({"source_id": r["source_id"], "url": r["url"], "sha256": r["sha256"], "run_id": run_id,
                        "dataset_id": dataset_id, "reason": reason, "rejected_at": _now()})


def rejected_snapshots(cfg: Settings) -> set[tuple[str, str]]:
    """(source_id, sha256) of every raw snapshot gate 1 rejected."""
    path = rejected_path(cfg)
    if not path.exists():
        return set()
    with path.open(newline="", encoding="utf-8") as fh:
        return {(r["source_id"], r["sha256"]) for r in csv.DictReader(fh)}


def require_accepted(cfg: Settings, accept_unchecked: bool) -> str | None:
    """Raise unless the lake's last gate-1 run passed (or ``accept_unchecked``); returns a warning line when
    the flag let an unchecked or rejected lake through, else None."""
    state = read_state(cfg)
    status = state.get("gate1")
    if status in (None, "passed"):
        return None
    if status == "failed":
        what = (f"the last gate-1 run ({state.get('run_id')}) rejected {', '.join(state.get('rejected') or [])}"
                f" (quarantined in {state.get('quarantine')})")
    else:
        what = (f"ingest staged {len(state.get('pending') or [])} dataset(s) that gate 1 has not checked "
                f"({', '.join((state.get('pending') or [])[:5])}{'...' if len(state.get('pending') or []) > 5 else ''})")
    if not accept_unchecked:
        raise HisError(f"lake {cfg.lake_dir}: {what}. Run `his check --gate lake` (gate 1) first, or pass "
                       "--accept-unchecked-lake to build from the last accepted datasets only "
                       "(staged and quarantined data are never read)")
    return f"--accept-unchecked-lake: {what}; building from the last accepted datasets only"
