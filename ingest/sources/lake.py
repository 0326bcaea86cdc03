"""The lake as a transaction: ingest stages, gate 1 promotes or quarantines, dbt reads only what was accepted.

Layout under ``data/lake``:

- ``<source>/<dataset>.parquet`` and ``manifest.csv``: the **accepted** lake. Only a gate-1 pass writes here,
  through one promotion (:func:`promote`, below). dbt reads only these files, and gate 1's row-count baseline
  is the latest accepted manifest row.
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

**Promotion is one step** (issue 26, finding 6): the accepted datasets, their manifest rows, the quarantine and
the lake state change together or not at all, by a commit record (a journal) in three phases:

1. *prepare*, where nothing a reader sees changes: each accepted file is hard-linked (or copied) from staging to
   a hidden ``.promote-<id>-<dataset>.parquet`` beside its destination, and the new manifest (the old bytes plus
   the new rows) is written to ``.manifest.csv.pending``. A failure here (an unwritable lake folder, a full
   disk) removes what was prepared and raises a HisError naming the folder: lake and manifest byte-identical.
2. *commit*: ``.promotion.json`` is written (temporary file, fsync, rename). From this instant the promotion
   has happened; before it, it has not.
3. *apply*, every step idempotent: each prepared file is renamed over its destination (same folder), the
   pending manifest over ``manifest.csv``, the rejected datasets are moved to the quarantine and their raw
   snapshots marked, staging and ``state.json`` are updated, and the journal is removed.

:func:`recover` runs first in every command that reads or writes the lake (ingest, gate 1, dbt): a journal
left by a killed run is applied to the end (roll forward), and prepared files without a journal are removed
(roll back). So a SIGKILL at any point leaves the old state or the new one, and the next run sees the lake and
its manifest agree: the snapshot the manifest names is the file dbt reads. A journal was chosen over a new
snapshot folder behind one pointer because dbt, Spark, the gates and the benchmarks all address the lake as
``data/lake/<source>/<dataset>.parquet``: those paths stay as they are. (Between a kill and the next command
of this project, a plain ``dbt build`` could read a half-applied lake; any ``his`` command repairs it first.)
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError

STAGING = ".staging"
QUARANTINE = "quarantine"
RESERVED = {STAGING, QUARANTINE}  # names under data/lake that are not sources
REJECTED_COLUMNS = ["source_id", "url", "sha256", "run_id", "dataset_id", "reason", "rejected_at"]
JOURNAL = ".promotion.json"  # the commit record of a promotion in progress (data/lake/.promotion.json)
PENDING_MANIFEST = ".manifest.csv.pending"
PREPARED = ".promote-"  # prefix of a prepared (not yet promoted) file beside its destination
LOCK = ".promotion.lock"
MANIFEST_COLUMNS = ["dataset_id", "source_id", "path", "rows", "snapshot_sha256", "parsed_at", "config_sha256"]


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
    write_json(state_path(cfg), state)


def write_json(path: Path, doc: Any) -> None:
    """Write ``doc`` to ``path`` whole: a temporary file beside it, fsync, rename (mode 0644 less the umask)."""
    write_bytes(path, json.dumps(doc, indent=1, sort_keys=True, default=str).encode())


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (temporary file, fsync, rename); the temporary file never outlives a
    failure. Readable like any other output (mkstemp's 0600 is widened to 0644 less the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once: os.umask() can only be read by setting it


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
    recover(cfg)  # a promotion a killed run left half-applied is finished before anyone reads the lake
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
    write_json(staging_dir(cfg, run) / "staged.json", staged)
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
    write_json(staging_dir(cfg, run) / "staged.json", staged)
    state = read_state(cfg)
    write_state(cfg, {**state, "pending": sorted(staged), "at": _now()})


# ------------------------------------------------------------------------------ promote / quarantine


def finish_gate(cfg: Settings, run_id: str, checked: set[str], failed: dict[str, list[dict[str, Any]]],
                append_manifest: Any = None) -> tuple[list[str], list[str]]:
    """After gate 1 ran on ``checked`` datasets: promote the staged ones that passed, quarantine those in
    ``failed`` (dataset -> its result rows), record the state, all as one promotion (module docstring).
    Returns (promoted, quarantined). ``append_manifest`` is no longer used (the promotion writes the manifest
    itself, in the same step as the files); it is accepted for callers that still pass it.

    Raises HisError, with the lake, its manifest and the staging area unchanged, when the promotion cannot be
    prepared (e.g. an unwritable lake folder)."""
    with _promotion_lock(cfg):
        _recover_locked(cfg)
        run = pending_run(cfg)
        staged = _read_staged_file(cfg, run) if run else {}
        promoted, quarantined = [], []
        moves: list[dict[str, str]] = []
        rows: list[dict[str, Any]] = []
        quarantine: list[dict[str, Any]] = []
        qdir = cfg.lake_dir / QUARANTINE / run_id
        for dataset_id, entry in sorted(staged.items()):
            if dataset_id not in checked:
                continue
            src = Path(entry["path"])
            if dataset_id in failed:
                dest = confined(qdir, entry["row"]["source_id"], f"{dataset_id}.parquet", what="quarantined dataset")
                reason = "; ".join(f"{r['check_name']}: {r['observed_value']}" for r in failed[dataset_id]
                                   if not r["success"] and r["severity"] == "error")[:500]
                quarantine.append({"dataset_id": dataset_id, "from": str(src), "to": str(dest), "entry": entry,
                                   "results": failed[dataset_id], "reason": reason})
                quarantined.append(dataset_id)
            else:
                if not src.exists():
                    raise HisError(f"lake {cfg.lake_dir}: staged dataset {dataset_id} has no staged file {src} "
                                   "(removed by hand?); nothing was promoted. Run `his ingest` again to stage it")
                dest = confined(cfg.lake_dir, entry["row"]["source_id"], f"{dataset_id}.parquet",
                                what="lake dataset")
                moves.append({"dataset_id": dataset_id, "from": str(src), "to": str(dest)})
                rows.append(entry["row"])
                promoted.append(dataset_id)
            del staged[dataset_id]
        state = {"gate1": "failed" if failed else ("unchecked" if staged else "passed"), "run_id": run_id,
                 "at": _now(), "rejected": sorted(failed), "promoted": promoted}
        if staged:
            state |= {"pending_run": run, "pending": sorted(staged)}
        if failed:
            state["quarantine"] = str(qdir.relative_to(cfg.data_dir))
        plan = {"id": run_id, "moves": moves, "rows": rows, "quarantine": quarantine,
                "quarantine_dir": str(qdir), "staging_run": run, "staging_left": staged, "state": state}
        _promote(cfg, plan, what=f"gate-1 run {run_id}")
    return promoted, quarantined


def promote_files(cfg: Settings, files: list[tuple[Path, Path, dict[str, Any]]], run_id: str) -> None:
    """Put written files into the accepted lake with their manifest rows, as one promotion: ``files`` holds
    (a file already written, its lake destination, its manifest row). What ``stage.run`` without staging (the
    library call parser tests use) writes; the written files are removed once promoted."""
    with _promotion_lock(cfg):
        _recover_locked(cfg)
        moves = [{"dataset_id": row["dataset_id"], "from": str(src), "to": str(dest), "discard_source": True}
                 for src, dest, row in files]
        _promote(cfg, {"id": run_id, "moves": moves, "rows": [row for _, _, row in files]},
                 what=f"ingest {run_id}")


# ------------------------------------------------------------------------------ the promotion itself


def journal_path(cfg: Settings) -> Path:
    return cfg.lake_dir / JOURNAL


def lake_manifest_path(cfg: Settings) -> Path:
    return cfg.lake_dir / "manifest.csv"


def _step(n: int, what: str) -> None:
    """Called after each step of a promotion (1 = prepared, 2 = committed, then one per applied action); the
    kill tests replace it in a child process to SIGKILL themselves after step n."""


def _promote(cfg: Settings, plan: dict[str, Any], *, what: str) -> None:
    """Prepare, commit and apply ``plan`` (module docstring). The caller holds the promotion lock."""
    jid = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(plan["id"]))
    prepared: list[Path] = []
    pending = cfg.lake_dir / PENDING_MANIFEST
    try:
        for move in plan["moves"]:
            src, dest = Path(move["from"]), Path(move["to"])
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.parent / f"{PREPARED}{jid}-{dest.name}"
            tmp.unlink(missing_ok=True)
            prepared.append(tmp)
            try:
                os.link(src, tmp)  # staging is in the lake folder: the same file system, no copy
            except OSError as exc:
                if exc.errno in (errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                    raise
                shutil.copyfile(src, tmp)
            move["prepared"] = str(tmp)
        if plan.get("rows"):
            write_bytes(pending, _manifest_with(cfg, plan["rows"]))
            plan["manifest"] = str(pending)
        _step(1, "prepared")
        write_json(journal_path(cfg), plan)
        _fsync_dir(cfg.lake_dir)
    except OSError as exc:
        for tmp in prepared:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            pending.unlink(missing_ok=True)
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        raise HisError(f"lake {cfg.lake_dir}: {what} could not be promoted: {exc.strerror or exc}{where}. Nothing "
                       "was changed: the accepted lake, its manifest and the staged datasets are as they were; fix "
                       "the folder (permissions, free space) and run the gate again") from exc
    _step(2, "committed")
    _apply(cfg, plan, step=2)


def _apply(cfg: Settings, plan: dict[str, Any], step: int = 2) -> None:
    """Carry out a committed promotion; every action is idempotent, so a journal is applied again after a kill."""
    try:
        for move in plan["moves"]:
            tmp, dest = Path(move["prepared"]), Path(move["to"])
            if tmp.exists():
                os.replace(tmp, dest)
            step += 1
            _step(step, f"promoted {move['dataset_id']}")
        for move in plan["moves"]:
            if move.get("discard_source"):
                Path(move["from"]).unlink(missing_ok=True)
        if plan.get("manifest"):
            pending = Path(plan["manifest"])
            if pending.exists():
                os.replace(pending, lake_manifest_path(cfg))
            step += 1
            _step(step, "manifest")
        if plan.get("quarantine"):
            qdir = Path(plan["quarantine_dir"])
            for q in plan["quarantine"]:
                src, dest = Path(q["from"]), Path(q["to"])
                dest.parent.mkdir(parents=True, exist_ok=True)
                if src.exists():
                    os.replace(src, dest)
                mark_rejected(cfg, q["entry"].get("raw") or [], plan["id"], q["dataset_id"], q["reason"])
                step += 1
                _step(step, f"quarantined {q['dataset_id']}")
            write_bytes(qdir / "gate_results.json", "".join(json.dumps(r, default=str) + "\n" for q in plan["quarantine"]
                                                            for r in q["results"]).encode())
            write_bytes(qdir / "staged.json", "".join(json.dumps({q["dataset_id"]: q["entry"]}) + "\n"
                                                      for q in plan["quarantine"]).encode())
        if plan.get("staging_run"):
            run = plan["staging_run"]
            if plan.get("staging_left"):
                write_json(staging_dir(cfg, run) / "staged.json", plan["staging_left"])
            else:
                shutil.rmtree(staging_dir(cfg, run), ignore_errors=True)
            step += 1
            _step(step, "staging")
        if plan.get("state") is not None:
            write_state(cfg, plan["state"])
            step += 1
            _step(step, "state")
        journal_path(cfg).unlink(missing_ok=True)
        _fsync_dir(cfg.lake_dir)
    except OSError as exc:
        raise HisError(f"lake {cfg.lake_dir}: the promotion recorded in {journal_path(cfg)} could not be completed "
                       f"({exc}); it is completed by the next `his ingest`, `his check` or `his dbt` once the "
                       "folder is writable again") from exc


def _manifest_with(cfg: Settings, rows: list[dict[str, Any]]) -> bytes:
    """The lake manifest as it will be: its current bytes, unchanged, then ``rows`` (header first if new)."""
    import io

    path = lake_manifest_path(cfg)
    old = path.read_bytes() if path.exists() else b""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS)
    if not old:
        writer.writeheader()
    elif not old.endswith(b"\n"):
        old += b"\r\n"  # a manifest cut by an old non-atomic append: the new rows start on their own line
    writer.writerows(rows)
    return old + buf.getvalue().encode("utf-8")


@contextlib.contextmanager
def _promotion_lock(cfg: Settings) -> Iterator[None]:
    """An exclusive lock on ``data/lake/.promotion.lock`` for one promotion or recovery (within one data
    directory, one writer at a time; the whole-command lock is the caller's)."""
    try:
        cfg.lake_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(cfg.lake_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise HisError(f"lake {cfg.lake_dir}: cannot write to the lake folder ({exc.strerror or exc}): nothing was "
                       "changed; fix its permissions (or free space) and run again") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def recover(cfg: Settings) -> str | None:
    """Finish what a killed promotion left (module docstring); returns what was done, or None (the usual case,
    checked without taking the lock: one stat and one glob)."""
    lake = cfg.lake_dir
    if not lake.is_dir():
        return None
    if not ((lake / JOURNAL).exists() or (lake / PENDING_MANIFEST).exists() or any(lake.glob(f"*/{PREPARED}*"))):
        return None
    with _promotion_lock(cfg):
        return _recover_locked(cfg)


def _recover_locked(cfg: Settings) -> str | None:
    from ingest.progress import log

    journal = journal_path(cfg)
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except ValueError as exc:  # written whole by rename: only a hand edit gets here
            raise HisError(f"lake {cfg.lake_dir}: the promotion journal {journal} is not valid JSON ({exc}); "
                           "restore it or remove it and run gate 1 again") from exc
        _apply(cfg, plan)
        done = (f"completed the promotion of {plan.get('id')} that an interrupted run left half done "
                f"({len(plan.get('moves') or [])} dataset(s), manifest and state)")
        log(f"  lake: {done}")
        return done
    leftovers = [p for p in cfg.lake_dir.glob(f"*/{PREPARED}*")] + \
        [p for p in (cfg.lake_dir / PENDING_MANIFEST,) if p.exists()]
    for p in leftovers:
        p.unlink(missing_ok=True)
    if leftovers:
        done = (f"removed {len(leftovers)} file(s) of a promotion that was interrupted before it was recorded "
                "(the lake and its manifest were never changed)")
        log(f"  lake: {done}")
        return done
    return None


def _read_staged_file(cfg: Settings, run: str) -> dict[str, dict[str, Any]]:
    path = staging_dir(cfg, run) / "staged.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def rejected_path(cfg: Settings) -> Path:
    return cfg.raw_dir / "rejected.csv"


def mark_rejected(cfg: Settings, raw: list[dict[str, str]], run_id: str, dataset_id: str, reason: str) -> None:
    """Append the raw snapshots of a rejected dataset to ``data/raw/rejected.csv`` (the raw manifest's
    rejection marks; ``manifest.csv`` itself is left byte-identical)."""
    path = rejected_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    done = set() if new else {(r["source_id"], r["sha256"], r["run_id"], r["dataset_id"]) for r in _rejected_rows(cfg)}
    todo = [r for r in raw if (r["source_id"], r["sha256"], run_id, dataset_id) not in done]  # idempotent
    if not todo:
        return
    with path.open("a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=REJECTED_COLUMNS, lineterminator="\n")
        if new:
            w.writeheader()
        for r in todo:
            w.writerow({"source_id": r["source_id"], "url": r["url"], "sha256": r["sha256"], "run_id": run_id,
                        "dataset_id": dataset_id, "reason": reason, "rejected_at": _now()})


def rejected_snapshots(cfg: Settings) -> set[tuple[str, str]]:
    """(source_id, sha256) of every raw snapshot gate 1 rejected."""
    return {(r["source_id"], r["sha256"]) for r in _rejected_rows(cfg)}


def _rejected_rows(cfg: Settings) -> list[dict[str, str]]:
    path = rejected_path(cfg)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def require_accepted(cfg: Settings, accept_unchecked: bool) -> str | None:
    """Raise unless the lake's last gate-1 run passed (or ``accept_unchecked``); returns a warning line when
    the flag let an unchecked or rejected lake through, else None."""
    recover(cfg)
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
