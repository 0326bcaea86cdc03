"""The report stage reads where its time went from vite's own "built in" lines (fast: no build)."""

from __future__ import annotations

import pytest

from pipeline.report import _vite_seconds


@pytest.mark.parametrize(("line", "seconds"), [
    ("  | ✓ built in 1m 28s", 88.0),
    ("✓ built in 30.15s", 30.15),
    ("✓ built in 45ms", 0.045),
    ("✓ built in 4m 35s", 275.0),
    ("vite v5.4.6 building for production...", None),
])
def test_vite_durations_are_read_in_seconds(line: str, seconds: float | None) -> None:
    assert _vite_seconds(line) == seconds
