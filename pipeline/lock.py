"""One writer per data directory: the lock every ``his`` command that writes the data directory or the
warehouse holds for as long as it runs.

Two commands on one data directory would otherwise trample each other (issue 26, finding 5: a second build
deleted the first one's candidate warehouse; a gate run recorded a failed gate and a quarantine folder it never
wrote). :func:`writer_lock` takes ``<data>/.his.lock`` (and ``<warehouse>.his.lock`` when the warehouse lives
outside the data directory) with `filelock <https://py-filelock.readthedocs.io/>`_, an advisory lock of the
operating system (``flock``) on that file:

- A second command **refuses at once** (:class:`DataDirBusy`, exit status 1) naming the process that holds the
  lock (pid, command, start time, from ``<lock>.holder``), before any stage runs, so it records nothing. With
  ``--wait SECONDS`` (or ``HIS_LOCK_WAIT``) it waits up to that long first, saying that it waits.
- There is no stale lock to clear: the operating system drops the lock when the holding process ends, however it
  ends (SIGKILL included). The ``.holder`` note may outlive it; it is only read to name the holder and is
  rewritten by the next command. Only on a file system without ``flock`` (some network mounts) can the lock
  misbehave; keep the data directory on a local disk.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ingest.config import Settings
from ingest.errors import HisError

LOCK_NAME = ".his.lock"
WAIT_ENV = "HIS_LOCK_WAIT"


class DataDirBusy(HisError):
    """Another ``his`` command holds the data directory's (or the warehouse's) writer lock."""


def lock_paths(cfg: Settings) -> list[Path]:
    """The lock files one command takes: the data directory's, and always the warehouse's too, so two commands
    with different data directories but one warehouse (``--warehouse`` or ``HIS_WAREHOUSE`` pointing into another
    command's data directory) never build the same candidate at once."""
    data = Path(cfg.data_dir).resolve()
    warehouse = Path(cfg.warehouse).resolve()
    return [data / LOCK_NAME, warehouse.with_name(warehouse.name + ".his.lock")]


def holder_path(lock: Path) -> Path:
    return lock.with_name(lock.name + ".holder")


def describe_holder(lock: Path) -> str:
    """Who holds ``lock``, from the note its holder wrote (pid, command, start time)."""
    try:
        info = json.loads(holder_path(lock).read_text(encoding="utf-8"))
        return (f"process {info['pid']} on {info['host']} (`{info['command']}`, started {info['started']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (it has not written its note yet)"


def default_wait() -> float:
    raw = os.environ.get(WAIT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError as exc:
        raise HisError(f"{WAIT_ENV}={raw!r} is not a number of seconds") from exc


@contextmanager
def writer_lock(cfg: Settings, command: str, wait: float | None = None,
                on_wait: object = None) -> Iterator[ExitStack]:
    """Hold the writer lock(s) of ``cfg``'s data directory and warehouse for the duration.

    ``wait``: seconds to wait for a busy lock (default ``HIS_LOCK_WAIT`` or 0: refuse at once). ``on_wait``: a
    callable given one message line when the lock is busy and the command waits. Yields an ExitStack whose
    ``close()`` releases the locks early (``his report --serve`` releases them before serving)."""
    from filelock import FileLock, Timeout

    wait = default_wait() if wait is None else max(0.0, wait)
    stack = ExitStack()
    with stack:
        for path in lock_paths(cfg):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(path), mode=0o644)
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    if wait <= 0:
                        raise DataDirBusy(_busy(path, 0.0)) from None
                    if callable(on_wait):
                        on_wait(f"{path.parent} is in use by {describe_holder(path)}; waiting up to {wait:g} s "
                                "for it to finish")
                    start = time.monotonic()
                    try:
                        lock.acquire(timeout=wait)
                    except Timeout:
                        raise DataDirBusy(_busy(path, time.monotonic() - start)) from None
            except OSError as exc:
                raise HisError(f"cannot take the writer lock {path}: {exc}") from exc
            stack.callback(lock.release)
            _write_holder(path, command)
        yield stack


def _busy(path: Path, waited: float) -> str:
    waited_txt = f" after waiting {waited:.0f} s" if waited else ""
    return (f"{path.parent} is in use by {describe_holder(path)}{waited_txt}: one command at a time writes a data "
            f"directory and its warehouse (lock {path}). Nothing was done. Run again when it has finished, or "
            f"pass --wait SECONDS (or set {WAIT_ENV}) to wait for it. A lock is never stale: the operating system "
            "releases it when its process ends, even when killed; if that process is gone, simply run again.")


def _write_holder(lock: Path, command: str) -> None:
    note = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "argv": sys.argv}
    tmp = holder_path(lock).with_name(f".{holder_path(lock).name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, holder_path(lock))
    except OSError:  # the note only names the holder; the lock itself is what counts
        tmp.unlink(missing_ok=True)
