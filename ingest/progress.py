"""Progress output for long work: one line per step on stderr, so stdout stays clean for data."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    """Print one progress line to stderr (flushed at once, so a slow step shows while it runs)."""
    print(message, file=sys.stderr, flush=True)
