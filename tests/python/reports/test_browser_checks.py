"""The browser pass's own checks fail when they should: a tiny hand-written page (a fixture, not the site) that asks
the internet for an image, logs a console error and sticks out past a 390 px viewport (but fits 1400 px), judged
in the same headless Chromium as test_site.py: loaded at 1400 px, then resized to 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import load_all

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body><main>
<p>fixture page</p>
<img src="http://example.org/tracker.png" alt="">
<div style="width: 900px; height: 10px; background: #ccc"></div>
<script>console.error("boom from the fixture page")</script>
</main></body></html>"""


def test_internet_requests_console_errors_and_overflow_are_reported(tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian chromium is missing: run `scripts/setup.sh --test` (apt-get install chromium)")
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "index.html").write_text(
        "<!doctype html><html><head><link rel='icon' href='data:,'></head><body><main><p>fine</p></main></body></html>")
    loads = load_all(tmp_path, ["/", "/clean/"], widths=(1400, 390), concurrency=2)
    on_load = " | ".join(loads[("/", 1400)].problems)
    assert "request to the internet blocked: http://example.org/tracker.png" in on_load, on_load
    assert "console error: boom from the fixture page" in on_load, on_load
    assert "horizontal overflow" not in on_load, on_load  # 900 px fits at 1400 px
    narrow = " | ".join(loads[("/", 390)].problems)
    assert "horizontal overflow at 390 px wide" in narrow, narrow
    assert "fixture page" in loads[("/", 390)].text
    assert loads[("/clean/", 1400)].problems == [] and loads[("/clean/", 390)].problems == []
