"""Errors the command line reports as a clear message (no traceback) with a non-zero exit."""

from __future__ import annotations


class HisError(Exception):
    """A problem the user can act on: bad input, a failed gate, a missing tool.

    The message must say what was wrong and where (file and line, source id, dataset, check).
    """


class GateFailed(HisError):
    """A quality gate found an ``error``-severity failure; later stages must not run."""
