"""The ``dbt`` stage: ``dbt build`` (seeds, models, tests, unit tests) run in-process with dbtRunner.

The warehouse is never left half-built: dbt builds into a *candidate* copy of the warehouse
(``<warehouse>.candidate``). ``his dbt`` alone publishes the candidate when dbt succeeds; inside
``his build`` the candidate is published only after quality gate 2 passes (see :func:`publish`),
so a failed build or gate leaves the previous warehouse exactly as it was.

Whole files only (issue 26; docs/outputs.md, "One writer, whole files"):

- A candidate is publishable only with its own *completion record* (``<candidate>.inputs.json``), written by
  :func:`seal_candidate` after dbt succeeded and the candidate was checkpointed (no ``.wal`` beside it): the
  inputs it was built from and its sha256. :func:`verify_candidate` refuses a candidate without one, with a
  ``.wal`` beside it, or whose bytes no longer match it (a leftover of a killed dbt run, say); gate 2 and
  :func:`publish` both call it, and gate 2 writes the sha256 it checked into the record, which publish
  compares.
- :func:`publish` never replaces a warehouse another process holds open for writing (DuckDB's own lock on the
  file, tested with a shared POSIX lock held across the rename) and never leaves a ``.wal`` beside the
  published file.
- The published warehouse's build record keeps its sha256; "unchanged since it was built (and passed gate 2)"
  is decided by that checksum (:func:`published_unverified`), never assumed from the record alone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError
from ingest.progress import capturing, log, progress
from pipeline.context import BuildContext


def candidate_path(cfg: Settings) -> Path:
    return cfg.warehouse.with_name(cfg.warehouse.name + ".candidate")


def target_dir(project_root: Path) -> Path:
    """dbt's artifacts folder (manifest.json, run_results.json, the partial-parse cache): ``DBT_TARGET_PATH`` when
    set (relative to the project root, as dbt reads it), else the project's ``target/``."""
    path = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return path if path.is_absolute() else project_root / path


def dbt_env(cfg: Settings, warehouse: Path | None = None, changed_sources: list[str] | None = None) -> dict[str, str]:
    """Environment variables dbt's profiles.yml, dbt_project.yml and models read.

    ``HIS_CHANGED_SOURCES``: the sources whose lake files changed since the published warehouse was built
    (comma separated); ``fct_indicator_value``'s incremental update rewrites their rows whatever their
    snapshot ids say (a lake file edited in place keeps its snapshot sha256)."""
    env = {
        "HIS_WAREHOUSE": str(warehouse or cfg.warehouse),
        "HIS_DATA_DIR": str(cfg.data_dir),
        "HIS_TARGET": cfg.target,
        "HIS_CHANGED_SOURCES": ",".join(changed_sources or []),
        "DBT_PROFILES_DIR": str(cfg.project_root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if cfg.target == "spark":
        from pipeline.spark import spark_conf_dir

        env["SPARK_CONF_DIR"] = spark_conf_dir()
    return env


def invoke(cfg: Settings, args: list[str], warehouse: Path | None = None,
           changed_sources: list[str] | None = None) -> Any:
    """Run one dbt command in-process against ``warehouse`` (default: the published warehouse)."""
    from dbt.cli.main import dbtRunner  # imported here: dbt import costs ~1 s

    env = dbt_env(cfg, warehouse, changed_sources)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cmd = [*args, "--project-dir", str(cfg.project_root), "--profiles-dir", str(cfg.project_root)]
    if cfg.target != "duckdb":
        cmd += ["--target", cfg.target]
    if capturing():
        cmd.append("--quiet")  # dbt's own console lines off: the callback below writes them to the stage log
    old_cwd = os.getcwd()
    os.chdir(cfg.project_root)
    try:
        result = dbtRunner(callbacks=[_DbtProgress()]).invoke(cmd)
    finally:
        os.chdir(old_cwd)
        _close_duckdb()
        for k, v in saved.items():  # do not leak the candidate path etc. into later stages or tests
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if result.exception is not None:
        raise HisError(f"dbt {args[0]} could not run: {result.exception}")
    return result


class _DbtProgress:
    """dbt event callback: every info line to the stage log (when the runner captures the stage), and a
    counter of finished nodes on the console (``dbt nodes 123/378``)."""

    def __init__(self) -> None:
        self.done = 0

    def __call__(self, event: Any) -> None:
        if not capturing():
            return
        info = event.info
        if info.level != "debug" and info.msg:
            log(info.msg)
        if info.name.startswith("Log") and info.name.endswith("Result"):
            self.done += 1
            total = getattr(event.data, "total", 0) or getattr(event.data, "num_models", 0) or None
            progress("dbt nodes", self.done, total)


def _close_duckdb() -> None:
    """Release the DuckDB file dbt-duckdb keeps open in this process after a run.

    Without this, opening the same file again in-process (gate 2, the report export) fails with
    "Can't open a connection to same database file with a different configuration", and on
    Windows-like file systems the candidate could not be renamed.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:  # the spark-only install has no dbt-duckdb
        return
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def wal_path(db: Path) -> Path:
    """DuckDB's write-ahead log of ``db``: changes not yet written into the file itself."""
    return Path(str(db) + ".wal")


def file_sha256(path: Path) -> str:
    """Streaming sha256 of a file (1 MiB blocks; a few seconds per GB, see docs/outputs.md)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def prepare_candidate(cfg: Settings, copy: bool = True) -> Path:
    """Copy the published warehouse to the candidate path (incremental models build on it); with ``copy=False``
    the candidate starts empty.

    The old candidate's completion record goes first, so no record ever describes a file it was not written
    for; the copy goes to a temporary name and is renamed into place, so a full disk leaves no half copy."""
    cand = candidate_path(cfg)
    cand.parent.mkdir(parents=True, exist_ok=True)
    _state_path(cand).unlink(missing_ok=True)
    for suffix in ("", ".wal"):
        Path(str(cand) + suffix).unlink(missing_ok=True)
    if copy and cfg.warehouse.exists():
        tmp = cand.with_name(f".{cand.name}.copying")
        try:
            shutil.copyfile(cfg.warehouse, tmp)
            os.replace(tmp, cand)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            size = cfg.warehouse.stat().st_size
            raise HisError(f"could not copy the published warehouse {cfg.warehouse} ({size / 1e6:,.1f} MB) to the "
                           f"candidate {cand}: {exc.strerror or exc} (errno {exc.errno}); free space in "
                           f"{cand.parent} (or make it writable) and run again. The published warehouse is "
                           "unchanged and no candidate was left.") from exc
    return cand


def checkpoint(db: Path) -> None:
    """Write everything DuckDB still holds in ``db``'s write-ahead log into the file; refuse if a log remains."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if wal_path(db).exists():
        raise HisError(f"{wal_path(db)} is still there after a checkpoint of {db}: another process has the file "
                       "open; it is not sealed for publishing")


def seal_candidate(cfg: Settings, state: dict[str, Any]) -> dict[str, Any]:
    """Checkpoint the candidate dbt (or the Spark collect stage) just finished, then write its completion record:
    ``state`` (the inputs it was built from; empty for a partial build) plus ``complete``, the sha256 and size."""
    cand = candidate_path(cfg)
    checkpoint(cand)
    record = {**state, "complete": True, "sha256": file_sha256(cand), "bytes": cand.stat().st_size,
              "sealed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    _write_state(_state_path(cand), record)
    return record


def verify_candidate(cfg: Settings) -> dict[str, Any]:
    """The candidate's completion record, once the candidate is proved to be the file it describes; else a
    HisError naming the file and why it is neither checked nor published."""
    cand, record_path = candidate_path(cfg), _state_path(candidate_path(cfg))
    if not cand.exists():
        raise HisError(f"no candidate warehouse at {cand}; run the dbt stage first")
    advice = (f"it is neither checked nor published. `his build` (or `his dbt`) builds a new one; or delete {cand} "
              "and the files beside it named after it")
    if wal_path(cand).exists():
        raise HisError(f"the candidate warehouse {cand} has a write-ahead log beside it ({wal_path(cand).name}): "
                       "the dbt run that wrote it never finished (killed, or still running elsewhere), so its "
                       f"tables are partly in the log; {advice}")
    record = warehouse_state(cand)
    if not record.get("complete") or not record.get("sha256"):
        raise HisError(f"the candidate warehouse {cand} has no completion record ({record_path.name} is "
                       f"{'missing' if not record_path.exists() else 'not a completion record'}): no dbt run that "
                       "succeeded finished it (a dbt run killed part-way leaves such a file); " + advice)
    sha = file_sha256(cand)
    if sha != record["sha256"]:
        raise HisError(f"the candidate warehouse {cand} changed after dbt finished it: its sha256 is {sha[:16]}, "
                       f"its completion record {record_path.name} says {record['sha256'][:16]}; " + advice)
    return record


def mark_checked(cfg: Settings, record: dict[str, Any], only: list[str] | None = None) -> None:
    """Gate 2 passed on the candidate whose sha256 ``record`` holds (verified just before the gate read it);
    ``only``: the marts checked when ``--dataset`` limited the gate (the published record then says so)."""
    _write_state(_state_path(candidate_path(cfg)), {**record, "gate2_sha256": record["sha256"],
                                                    "gate2_only": only})


def foreign_writer(db: Path) -> str | None:
    """None when no other process has ``db`` open for writing; else DuckDB's words for who has (with its pid)."""
    import duckdb

    if not db.exists():
        return None
    fd = os.open(db, os.O_RDONLY)
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # DuckDB holds an exclusive lock while open read-write
        return None
    except OSError:
        pass
    finally:
        os.close(fd)
    try:  # only to name the holder: DuckDB's message carries its pid
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as exc:
        found = re.search(r"Conflicting lock is held in (.*?\(PID \d+\))", str(exc))
        if found:
            return found.group(1)
    return "another process"


def writer_refusal(db: Path, holder: str, what: str) -> str:
    return (f"{db} is open for writing by another process ({holder}), e.g. a DuckDB shell, a notebook or a plain "
            f"`dbt build`; {what}. Close that program (or let it finish) and run again.")


@contextmanager
def held_against_writers(db: Path, what: str) -> Iterator[None]:
    """While inside, no other process can open ``db`` for writing: a shared POSIX lock on it, the kind DuckDB
    takes and respects (readers still may). Refuses at once when a writer already has it open."""
    if not db.exists():
        yield
        return
    fd = os.open(db, os.O_RDONLY)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            fd = -1
            raise HisError(writer_refusal(db, foreign_writer(db) or "another process", what)) from None
        yield
    finally:
        if fd >= 0:
            os.close(fd)  # releases the lock


def publish(cfg: Settings, *, gate2: str = "not run") -> None:
    """Atomically replace the published warehouse with the candidate (and record what it was built from).

    Only a candidate :func:`verify_candidate` accepts (and, after gate 2, the very bytes gate 2 passed) is
    published; never over a warehouse another process holds open for writing; a write-ahead log an earlier
    writer left beside the old file is removed first (DuckDB would replay it onto the new file)."""
    cand = candidate_path(cfg)
    record = verify_candidate(cfg)
    if gate2 == "passed" and record.get("gate2_sha256") != record["sha256"]:
        raise HisError(f"the candidate warehouse {cand} is not the file gate 2 passed (its completion record has "
                       "no gate-2 checksum equal to its own): not published; `his build` checks and publishes")
    what = f"the checked candidate {cand.name} was not published (it is kept) and {cfg.warehouse.name} is unchanged"
    with held_against_writers(cfg.warehouse, what):
        stale = wal_path(cfg.warehouse)
        if stale.exists():
            # nobody has the old file open for writing (we hold a lock no writer can share), so this log is a
            # leftover of a writer that ended without closing it; it belongs to the file being replaced
            log(f"  WARNING removed {stale}: a write-ahead log another process left beside the old warehouse without "
                "closing it (DuckDB would have replayed it onto the new file)")
            stale.unlink()
        try:
            os.replace(cand, cfg.warehouse)
        except OSError as exc:
            raise HisError(f"could not replace {cfg.warehouse} with the checked candidate: {exc.strerror or exc} "
                           f"(is the file or its folder read-only or immutable? see `lsattr`); {what}") from exc
    # A crash before this line leaves the old record, whose sha256 is not the new file's: the next build
    # sees that (published_unverified) and rebuilds rather than trusting it.
    if gate2 == "passed" and record.get("gate2_only"):  # --dataset: never taken for a full pass later
        gate2 = f"passed on {', '.join(record['gate2_only'])} only"
    state = {k: v for k, v in record.items() if k not in ("complete", "gate2_sha256", "gate2_only")}
    _write_state(_state_path(cfg.warehouse), {**state, "gate2": gate2})
    _state_path(cand).unlink(missing_ok=True)


def published_unverified(cfg: Settings) -> str | None:
    """None when the published warehouse is, byte for byte, the file this pipeline published (its sha256 equals
    the one in its build record and no write-ahead log is beside it); else why not, in words."""
    wh = cfg.warehouse
    if wal_path(wh).exists():
        return (f"a write-ahead log {wal_path(wh).name} is beside it: another process changed it and has not "
                "closed it")
    recorded = published_state(cfg).get("sha256")
    if not recorded:
        return f"its build record {_state_path(wh).name} holds no checksum (missing, or from an older version)"
    sha = file_sha256(wh)
    if sha != recorded:
        return (f"its sha256 is {sha[:16]}, not the {recorded[:16]} recorded when it was published: something "
                "else wrote to it (a plain `dbt build`, a DuckDB session)")
    return None


def discard_candidate(cfg: Settings) -> None:
    _state_path(candidate_path(cfg)).unlink(missing_ok=True)
    for suffix in ("", ".wal"):
        Path(str(candidate_path(cfg)) + suffix).unlink(missing_ok=True)


# --- "nothing changed": the inputs a warehouse was built from ----------------------------------------------
# dbt reads the project files and the lake; the quality results are read through views at query time. When
# none of them changed since the published warehouse was built, `dbt build` would rebuild the same tables, so
# the stage skips it (docs/performance.md).
# ingest/sources and ingest/registry (the conform code and the registry) are in: the same raw snapshot conformed by changed code gives
# different rows under the same snapshot sha256, which fct_indicator_value's incremental update keys on.
PROJECT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "analyses", "dbt_project.yml", "profiles.yml",
                  "ingest/sources", "ingest/registry")


def _state_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".inputs.json")


def project_fingerprint(cfg: Settings, args: list[str]) -> str:
    """sha256 over the dbt arguments, target, data directory, dbt version and the project files' bytes: what
    decides the models' logic. When it differs from the published warehouse's, incremental models are rebuilt
    from scratch (``--full-refresh``)."""
    from dbt.version import __version__ as dbt_version

    h = hashlib.sha256(json.dumps([args, cfg.target, str(cfg.data_dir), dbt_version]).encode())
    for name in PROJECT_INPUTS:
        root = cfg.project_root / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(f"{f.relative_to(cfg.project_root)}\0".encode())
                h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def inputs_fingerprint(cfg: Settings, args: list[str], project: str | None = None,
                       lake_sources: dict[str, str] | None = None) -> str:
    """sha256 over :func:`project_fingerprint`, :func:`lake_sources_signature` and the lake's top-level records
    (the manifest; the source statuses without their checked_at): everything a build reads."""
    h = hashlib.sha256((project or project_fingerprint(cfg, args)).encode())
    sources = lake_sources if lake_sources is not None else lake_sources_signature(cfg)
    h.update(json.dumps(sources, sort_keys=True).encode())
    if cfg.lake_dir.exists():
        for f in sorted(cfg.lake_dir.iterdir()):
            if not f.is_file() or f.name.startswith("."):
                continue
            if f.name == "state.json":  # the gate-1 record (run ids, times); what it let through is the files
                continue
            if f.name in ("source_status.csv", "dataset_status.csv"):
                # rewritten by every ingest with a new checked_at: only the statuses and reasons count
                h.update(_without_column(f, "checked_at"))
                continue
            st = f.stat()
            h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def lake_sources_signature(cfg: Settings) -> dict[str, str]:
    """source id -> sha256 over its lake files' names, sizes and mtimes (``lake/<source>/*``)."""
    out: dict[str, str] = {}
    if not cfg.lake_dir.exists():
        return out
    from ingest.sources.lake import RESERVED

    # staged and quarantined data are not the lake dbt reads
    for d in sorted(p for p in cfg.lake_dir.iterdir() if p.is_dir() and p.name not in RESERVED):
        h = hashlib.sha256()
        for f in sorted(d.rglob("*")):
            if f.is_file() and not f.name.startswith("."):
                st = f.stat()
                h.update(f"{f.relative_to(d)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        out[d.name] = h.hexdigest()
    return out


def _without_column(path: Path, column: str) -> bytes:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or column not in rows[0]:
        return path.read_bytes()
    i = rows[0].index(column)
    return json.dumps([r[:i] + r[i + 1:] for r in rows]).encode()


def published_state(cfg: Settings) -> dict[str, Any]:
    """What the published warehouse was built from: ``{"fingerprint": ..., "gate2": "passed" | "not run"}``."""
    return warehouse_state(cfg.warehouse)


def warehouse_state(warehouse: Path) -> dict[str, Any]:
    """What a warehouse file (published or candidate) was built from, ``{"fingerprint": ...}``; {} if unknown."""
    try:
        return json.loads(_state_path(warehouse).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)


def run(ctx: BuildContext) -> str:
    """The ``dbt`` stage: ``dbt build`` into the candidate warehouse (published by ``publish`` after gate 2
    inside ``his build``; at once when run alone)."""
    from pipeline.codegen import generate
    from pipeline.quality.results import ensure_results_file

    cfg, options = ctx.settings, ctx.options
    from ingest.sources.lake import require_accepted

    # Only a lake whose last gate-1 run passed is built from, unless told otherwise (--accept-unchecked-lake);
    # staged and quarantined datasets are never read either way.
    warning = require_accepted(cfg, options.accept_unchecked_lake)
    if warning:
        log(f"  WARNING {warning}")
    # The dbt sources and indicator staging models derive from the registry: bring them up to date first, so a
    # new registry entry is all it takes (the test suite checks that the committed copies are current).
    generate(cfg.project_root)
    ensure_results_file(cfg)  # source quality.gate_results must exist even before any gate has run
    args = ["build"]
    if options.select:
        args += ["--select", options.select]
    if options.exclude:
        args += ["--exclude", options.exclude]
    fingerprint = project = None
    full_refresh = False
    changed: list[str] = []
    lake_sources = lake_sources_signature(cfg)
    unverified = None
    if cfg.target == "duckdb" and cfg.warehouse.exists():
        holder = foreign_writer(cfg.warehouse)
        if holder:  # fail now rather than after the whole build, at publish
            raise HisError(writer_refusal(cfg.warehouse, holder, "nothing was built and the published warehouse "
                                          "is unchanged"))
        unverified = published_unverified(cfg)
        if unverified:
            log(f"  the published warehouse {cfg.warehouse} is not byte for byte the file this pipeline published: "
                f"{unverified}; it is neither skipped as unchanged nor built on: --full-refresh")
    if cfg.target == "duckdb":
        project = project_fingerprint(cfg, args)
    if project is not None and not (options.select or options.exclude):  # a partial build is never recorded
        fingerprint = inputs_fingerprint(cfg, args, project, lake_sources)
        # Only `his build` skips an unchanged build; `his dbt` always runs dbt.
        if (options.command == "build" and cfg.warehouse.exists() and unverified is None
                and published_state(cfg).get("fingerprint") == fingerprint):
            discard_candidate(cfg)
            ctx.decisions.dbt_unchanged = True
            return (f"inputs unchanged since the published warehouse was built ({fingerprint[:12]}; its sha256 "
                    "checked): build skipped")
    if cfg.target == "duckdb":
        # a published file that is not the one we published is not built on: the candidate starts empty
        cand = prepare_candidate(cfg, copy=unverified is None)
        # Incremental models (fct_indicator_value) add to the copy of the published warehouse only while the
        # project is the one that built it; after any model, macro or seed change they are rebuilt in full.
        state = published_state(cfg)
        full_refresh = (not cfg.warehouse.exists() or state.get("project_fingerprint") != project
                        or "lake_sources" not in state or unverified is not None)
        if full_refresh and cfg.warehouse.exists():
            if unverified is None:
                log("  the published warehouse was built from other project files (or has no build record): "
                    "--full-refresh")
            args = [*args, "--full-refresh"]
        elif not full_refresh:
            old, new = state["lake_sources"], lake_sources
            changed = sorted(s for s in set(old) | set(new) if old.get(s) != new.get(s))
            log(f"  incremental build; sources whose lake files changed: {', '.join(changed) or 'none'}")
            # Unit tests check the models' logic on fixed fixture rows, not the data: they passed when these same
            # project files (and dbt version, both in the project fingerprint) built the published warehouse.
            args = [*args, "--exclude-resource-type", "unit_test"]
            log("  unit tests left out: they passed on these project files when the published warehouse was built")
    else:
        cand = None
        discard_candidate(cfg)  # a Spark build's candidate comes from the collect stage, after this build
    result = invoke(cfg, args, warehouse=cand, changed_sources=changed)
    nodes = list(result.result or [])
    failed = [r for r in nodes if str(r.status) in {"error", "fail", "runtime error"}]
    if not result.success or failed:
        if cand is not None:
            discard_candidate(cfg)
        names = ", ".join(f"{r.node.name} ({r.status})" for r in failed[:10])
        raise HisError(
            f"dbt build failed: {len(failed)} node(s) failed: {names}. "
            "The published warehouse is unchanged; the dbt output is in the stage log."
        )
    if cand is not None:
        # The completion record: without it the candidate is never checked nor published. A partial build
        # (--select/--exclude) records no inputs, so it is never taken for a complete build of them.
        inputs = ({"fingerprint": fingerprint, "project_fingerprint": project, "lake_sources": lake_sources}
                  if fingerprint is not None else {})
        seal_candidate(cfg, inputs)
    # Inside `his build`, gate 2 checks the candidate and publishes it; run alone, publish now.
    if cand is not None and options.command != "build":
        publish(cfg)
    warned = sum(1 for r in nodes if str(r.status) == "warn")
    mode = "full build" if full_refresh or cand is None else "incremental models updated in place"
    return f"{len(nodes)} nodes ok, {warned} warnings ({mode})"


def run_publish(ctx: BuildContext) -> str:
    """The ``publish`` build stage: runs after gate 2 so only checked marts reach the reports."""
    cfg = ctx.settings
    # On the Spark target the candidate is the copy of Spark's marts written by the collect stage.
    if not candidate_path(cfg).exists():
        return "no candidate (dbt stage skipped); published warehouse unchanged"
    # The build stops at the first failure, so reaching publish means gate 2 passed unless it was skipped.
    publish(cfg, gate2="not run" if "check-marts" in ctx.options.skip else "passed")
    return f"published {cfg.warehouse}"
