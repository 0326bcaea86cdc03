"""The report stage splits Evidence's build into its steps from the times of its output lines (fast: no build).

The lines are those of a real `evidence build:strict` (Evidence 39.1.13, vite 5.4.6), trimmed; the times are
made up for the test."""

from __future__ import annotations

import pytest

from pipeline.report import build_phases

LINES = [
    (0.5, "> evidence build:strict"),
    (2.0, "vite v5.4.6 building SSR bundle for production..."),
    (3.0, "✓ 1483 modules transformed."),
    (20.0, "vite v5.4.6 building for production..."),
    (50.0, "✓ built in 30.00s"),
    (60.0, "Failed to load GeoJSON at URL '/geo/london_boroughs.geojson'"),
    (95.0, "vite v5.4.6 building for production..."),
    (95.1, "✓ built in 20ms"),
    (96.0, "✓ built in 1m 34s"),
    (97.0, "Build complete --> /build"),
]


def test_each_step_runs_from_its_first_line_to_the_next_steps() -> None:
    phases = build_phases(LINES, end=98.0, start=0.0)
    assert phases == pytest.approx({
        "evidence setup": 2.0, "server bundle": 18.0, "client bundle": 30.0, "prerender": 45.0,
        "service worker, write site": 3.0,
    })
    assert sum(phases.values()) == pytest.approx(98.0)


def test_without_a_service_worker_the_prerender_ends_at_the_server_bundles_end() -> None:
    lines = [line for line in LINES if line[0] not in (95.0, 95.1)]
    phases = build_phases(lines, end=98.0)
    assert phases["prerender"] == pytest.approx(46.0) and phases["service worker, write site"] == pytest.approx(2.0)


def test_a_build_that_stops_early_counts_the_rest_in_the_step_it_was_in() -> None:
    phases = build_phases(LINES[:4], end=25.0)
    assert phases == pytest.approx({"evidence setup": 2.0, "server bundle": 18.0, "client bundle": 5.0})


def test_the_last_builds_output_is_moved_aside_and_deleted_while_evidence_builds(tmp_path) -> None:
    """Evidence's CLI deletes its last output before it starts vite; the stage moves it aside first (a rename)
    and deletes it meanwhile, with what a killed stage left; Evidence's other files stay."""
    from pipeline.report import stale_output_removed

    template = tmp_path / ".evidence" / "template"
    for rel in (".svelte-kit/output/server", "build/aims", ".evidence-queries/cache", "static/data"):
        (template / rel).mkdir(parents=True)
        (template / rel / "f.txt").write_text("x")
    (tmp_path / ".evidence" / "stale-1-2" / "build").mkdir(parents=True)  # a killed stage's leftovers
    with stale_output_removed(tmp_path):
        assert not (template / ".svelte-kit").exists() and not (template / "build").exists()
        assert not (template / ".evidence-queries" / "cache").exists()
        assert (template / "static" / "data" / "f.txt").exists() and (template / ".evidence-queries").is_dir()
    assert list((tmp_path / ".evidence").glob("stale-*")) == []
    assert sorted(p.name for p in template.iterdir()) == [".evidence-queries", "static"]
    with stale_output_removed(tmp_path / "nothing-built-yet"):
        pass
