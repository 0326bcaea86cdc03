"""The report stage builds into an empty folder (Evidence copies its output over ``reports/build`` without emptying
it), and a failed build puts the last good site back (fast: real folders, no Evidence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.report import fresh_site


def _site(root: Path, files: dict[str, str]) -> Path:
    site = root / "build"
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def _files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_rebuild_leaves_no_file_of_the_earlier_build(tmp_path: Path) -> None:
    site = _site(tmp_path, {"index.html": "old", "api/prerendered_queries/stale.arrow": "old result"})
    with fresh_site(site):
        _site(tmp_path, {"index.html": "new", "api/prerendered_queries/current.arrow": "new result"})
    assert _files(site) == {"index.html": "new", "api/prerendered_queries/current.arrow": "new result"}
    assert not (tmp_path / "build.previous").exists()


def test_a_failed_build_puts_the_last_good_site_back(tmp_path: Path) -> None:
    site = _site(tmp_path, {"index.html": "good", "api/prerendered_queries/good.arrow": "good result"})
    with pytest.raises(RuntimeError, match="prerender failed"), fresh_site(site):
        _site(tmp_path, {"half.html": "half-written"})
        raise RuntimeError("prerender failed")
    assert _files(site) == {"index.html": "good", "api/prerendered_queries/good.arrow": "good result"}
    assert not (tmp_path / "build.previous").exists()


def test_a_failed_first_build_leaves_no_half_site(tmp_path: Path) -> None:
    site = tmp_path / "build"
    with pytest.raises(RuntimeError), fresh_site(site):
        _site(tmp_path, {"half.html": "half-written"})
        raise RuntimeError("prerender failed")
    assert not site.exists()  # half a site is never left to serve


def test_a_build_killed_midway_loses_no_good_site(tmp_path: Path) -> None:
    """A build killed (no exception, no clean-up) left the good site aside and half a new one: the next build
    starts from the good site, and puts it back when it fails too."""
    _site(tmp_path, {"half.html": "half-written"})
    aside = tmp_path / "build.previous"
    (aside / "api").mkdir(parents=True)
    (aside / "index.html").write_text("good")
    (aside / "api" / "good.arrow").write_text("good result")
    site = tmp_path / "build"
    with pytest.raises(RuntimeError), fresh_site(site):
        raise RuntimeError("prerender failed again")
    assert _files(site) == {"index.html": "good", "api/good.arrow": "good result"}
    assert not aside.exists()
