"""End to end: the full build (ingest from the mirror, gates, dbt, report) produces the static site; every
page loads in Debian's headless Chromium with no console error, no failed or internet request and no
loading placeholder left; and key numbers computed here from the marts appear on the overview, a
commitment page, an indicator page and a borough page.

The site is built once per session from the shared mirror build (``built_site``) and every page is loaded once (``page_loads``), so the
suite costs about one build plus one pass over the site. Screenshots of the overview, an indicator page and
a borough page are written to ``<tmp data>/screenshots/`` (and copied to ``HIS_SCREENSHOT_DIR`` when set).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.config import Settings, settings
from pipeline import cli, report

from .browser import PageLoad, load_all, site_pages

pytestmark = pytest.mark.slow

SHOT_PAGES = {"/": "overview.png", "/indicators/obesity_year6/": "indicator.png"}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, mirror_build: Settings) -> Settings:
    """The site built by `his report` from a copy of the session's shared mirror build."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian chromium is missing: run `scripts/setup.sh --test` (apt-get install chromium)")
    data = tmp_path_factory.mktemp("reports_e2e") / "data"
    shutil.copytree(mirror_build.data_dir, data, ignore=shutil.ignore_patterns("*.candidate"))
    assert cli.main(["report", "--data-dir", str(data), "--mirror", str(mirror_build.mirror)]) == 0
    cfg = settings(data_dir=data, mirror=mirror_build.mirror)
    assert (report.site_dir(cfg) / "index.html").exists()
    return cfg


@pytest.fixture(scope="session")
def marts(built_site: Settings):
    """The marts export the site was built from (the same numbers Evidence read)."""
    con = duckdb.connect(str(report.export_path(built_site)), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def chosen_borough(marts) -> str:
    return marts.execute(
        "select min(area_code) from dim_area where is_london_borough and imd2025_fifth = 1"
    ).fetchone()[0]


@pytest.fixture(scope="session")
def page_loads(built_site: Settings, chosen_borough: str) -> dict[str, PageLoad]:
    shots = built_site.data_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    wanted = {**SHOT_PAGES, f"/boroughs/{chosen_borough}/": "borough.png"}
    site = report.site_dir(built_site)
    loads = load_all(site, site_pages(site), {p: shots / name for p, name in wanted.items()})
    if os.environ.get("HIS_SCREENSHOT_DIR"):
        target = Path(os.environ["HIS_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        for name in wanted.values():
            if (shots / name).exists():
                shutil.copy2(shots / name, target / name)
    return loads


def _text(loads: dict[str, PageLoad], path: str) -> str:
    assert path in loads, f"page {path} was not built"
    return loads[path].text


def test_every_page_is_built(marts, page_loads):
    expected = {
        "/",
        "/aims/",
        "/commitments/",
        "/indicators/",
        "/boroughs/",
        "/inequalities/",
        "/data-quality/",
        "/methodology/",
    }
    expected |= {f"/aims/{a}/" for (a,) in marts.execute("select aim_id from dim_aim").fetchall()}
    expected |= {
        f"/commitments/{c}/" for (c,) in marts.execute("select commitment_id from dim_commitment").fetchall()
    }
    expected |= {
        f"/indicators/{i}/" for (i,) in marts.execute("select indicator_id from dim_indicator").fetchall()
    }
    expected |= {
        f"/boroughs/{b}/"
        for (b,) in marts.execute("select area_code from dim_area where is_london_borough").fetchall()
    }
    missing = sorted(expected - set(page_loads))
    assert not missing, f"{len(missing)} pages not built, e.g. {missing[:5]}"


def test_every_page_loads_clean(page_loads):
    bad = {path: load.problems for path, load in page_loads.items() if load.problems}
    report_lines = [f"{path}: {problems[:3]}" for path, problems in sorted(bad.items())[:15]]
    assert not bad, f"{len(bad)} of {len(page_loads)} pages had problems:\n" + "\n".join(report_lines)


def test_overview_shows_commitment_status_counts(marts, page_loads):
    on, uncertain, off, nodata, total = marts.execute(
        """
        with per as (
            select target_id, max(case status when 'off_track' then 3 when 'uncertain' then 2
                                              when 'on_track' then 1 else 0 end) as judged
            from fct_commitment_progress where status <> 'no_numeric_target' group by target_id
        )
        select count(*) filter (where judged = 1), count(*) filter (where judged = 2),
            count(*) filter (where judged = 3), count(*) filter (where judged = 0), count(*)
        from per
        """
    ).fetchone()
    text = " ".join(_text(page_loads, "/").split())
    assert (f"{on} on track, {uncertain} uncertain, {off} off track, {nodata} not enough data, "
            f"of {total} numeric targets") in text, text[:800]
    improving, worsening = marts.execute(
        "select count(*) filter (where outcome_verdict = 'improving'), count(*) filter (where outcome_verdict = 'worsening') "
        "from fct_outcome_verdict where scope_type = 'objective'").fetchone()
    assert f"{improving} improving," in text and f"{worsening} worsening;" in text
    narrowing, widening = marts.execute(
        "select count(*) filter (where gap_verdict = 'narrowing'), count(*) filter (where gap_verdict = 'widening') "
        "from fct_gap_verdict").fetchone()
    assert f"{narrowing} narrowing," in text and f"{widening} widening;" in text
    gaps = marts.execute("select count(distinct scope_id) from fct_data_gap").fetchone()[0]
    assert f"Cannot be judged yet: {gaps} of the 24 objectives" in text
    for (name,) in marts.execute("select aim_name from dim_aim").fetchall():
        assert name in text
    label = marts.execute(
        "select arg_max(period_label, period_end) from fct_indicator_value "
        "where indicator_id = 'obesity_year6' and value is not null"
    ).fetchone()[0]
    assert label in text  # the data vintage table shows each indicator's latest period
    assert "Quality status:" in text


def test_commitment_page_shows_its_progress_numbers(marts, page_loads):
    row = marts.execute(
        """
        select commitment_id, baseline_value, baseline_period, latest_value, latest_period, status
        from fct_commitment_progress
        where baseline_value is not null and latest_value is not null
        order by case when status in ('on_track', 'off_track') then 0 else 1 end, commitment_id, indicator_id
        limit 1
        """
    ).fetchone()
    assert row is not None, "no commitment has a baseline and latest value"
    commitment_id, baseline, baseline_period, latest, latest_period, status = row
    text = _text(page_loads, f"/commitments/{commitment_id}/")
    source_line, body = marts.execute(
        "select source_line, text from dim_commitment where commitment_id = ?", [commitment_id]
    ).fetchone()
    assert body[:60] in text
    assert f"line {source_line} of the" in text
    assert f"{round(baseline, 2)} ({baseline_period})" in text
    assert f"{round(latest, 2)} ({latest_period})" in text
    assert status.replace("_", " ") in text


def test_indicator_page_shows_latest_borough_values(marts, page_loads):
    period, top_borough, top_value, n = marts.execute(
        """
        with latest as (
            select arg_max(period_label, period_end) as period_label from fct_borough_indicator
            where indicator_id = 'obesity_year6' and value is not null
        )
        select b.period_label, arg_max(b.area_name, b.value), max(b.value), count(b.value)
        from fct_borough_indicator b, latest
        where b.indicator_id = 'obesity_year6' and b.period_label = latest.period_label
          and coalesce(b.category, '') = '' and (b.sex is null or lower(b.sex) = 'persons')
        group by b.period_label
        """
    ).fetchone()
    text = _text(page_loads, "/indicators/obesity_year6/")
    name, licence = marts.execute(
        "select indicator_name, licence from dim_indicator where indicator_id = 'obesity_year6'"
    ).fetchone()
    assert name in text and licence in text
    assert f"Latest period with borough values: {period}" in text
    assert top_borough in text and str(round(top_value, 2)) in text
    assert n >= 30


def test_borough_page_shows_deprivation_fifth_and_values(marts, page_loads, chosen_borough):
    name, fifth = marts.execute(
        "select area_name, imd2025_fifth from dim_area where area_code = ?", [chosen_borough]
    ).fetchone()
    text = _text(page_loads, f"/boroughs/{chosen_borough}/")
    assert name in text
    assert re.search(rf"1 = most deprived, IMD 2025\)\s*{fifth}\b", text)
    value, period = marts.execute(
        """
        select arg_max(value, period_end), arg_max(period_label, period_end) from fct_borough_indicator
        where area_code = ? and indicator_id = 'obesity_year6' and value is not null
          and (sex is null or lower(sex) = 'persons') and coalesce(category, '') = ''
        """,
        [chosen_borough],
    ).fetchone()
    assert f"{period}\t{round(value, 1)}" in text
