"""Progress output for long work, on stderr so stdout stays clean for data.

Outside a build every :func:`log` line goes to stderr. Inside ``his build`` (and ``his <stage>``) the runner
:func:`capture`\\ s each stage: its detail lines (and the tools' full output: dbt, npm/vite) go to that stage's
log file under ``<data>/logs/<run>/``, the console keeps one progress line per stage (:func:`progress` draws a
counter on a terminal), and lines that warn or fail (:func:`is_loud`) still reach the console too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_sink: TextIO | None = None
#: Lines shown on the console even while a stage's output goes to its log file: warnings, failures, fallbacks.
LOUD = re.compile(r"WARNING|REJECTED|rejected|\bERROR\b(?!=)|\b[1-9][0-9]* error|\berror:|error in stage|FAILED"
                  r"|using the snapshot of|quarantin|is unreachable \(")


def is_loud(message: str) -> bool:
    return bool(LOUD.search(message))


def log(message: str) -> None:
    """One progress line: to the running stage's log file when captured (and to stderr as well when it is
    loud), else to stderr; flushed at once, so a slow step shows while it runs."""
    if _sink is not None:
        _sink.write(message + "\n")
        _sink.flush()
        if not is_loud(message):
            return
    _clear_progress()
    print(message, file=sys.stderr, flush=True)


def say(message: str) -> None:
    """A console line that is always shown (the stage lines, the summary), also written to the log if any."""
    if _sink is not None:
        _sink.write(message + "\n")
        _sink.flush()
    _clear_progress()
    print(message, file=sys.stderr, flush=True)


def capturing() -> bool:
    return _sink is not None


_progress_shown = False


def _clear_progress() -> None:
    global _progress_shown
    if _progress_shown:
        sys.stderr.write("\r\033[K")
        _progress_shown = False


def progress(label: str, done: int, total: int | None = None) -> None:
    """A counter redrawn in place on a terminal (``label 123/378``); nothing on a pipe or file, where only the
    stage's final line is printed."""
    global _progress_shown
    if not sys.stderr.isatty():
        return
    of = f"/{total}" if total else ""
    sys.stderr.write(f"\r\033[K  {label} {done}{of}")
    sys.stderr.flush()
    _progress_shown = True


@contextmanager
def capture(path: Path) -> Iterator[Path]:
    """Send :func:`log` lines to ``path`` (appended) for the duration; yields the path."""
    global _sink
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = _sink
    with path.open("a", encoding="utf-8") as fh:
        _sink = fh
        try:
            yield path
        finally:
            _sink = previous
            _clear_progress()
