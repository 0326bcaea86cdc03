"""End to end: the full build (ingest from the mirror, gates, dbt, report) produces the static site, and the
site answers a reader without leaking the warehouse's language.

Two passes, to fit the test-time budget (``make test`` under 8 minutes on 2 cores):

- a static pass over EVERY built page's HTML (site_checks.py, about a second): visible text matching an
  internal identifier (snake_case tokens, ``null``, ``NaN``, machine paths, hashes) and, on indicator and
  commitment pages, a link to the data's official page outside the site;
- a browser pass in Debian's headless Chromium over every top-level page and three pages of each templated
  kind (the ones with the most, the median and the least data in the marts), at 1400 px and 390 px wide (each
  page loaded at 1400 px, judged, then resized to 390 px and judged again: browser.py):
  console errors, failed or internet requests, loading placeholders, horizontal overflow, identifiers in
  the rendered text (tables render only in the browser), external links, and chart containers left empty
  while the marts hold rows for them.

Each pass prints the count of each failure per page type. Key numbers computed here from the marts must
appear on the overview, a commitment, an indicator and a borough page. With ``HIS_SCREENSHOT_DIR`` set,
full-page screenshots of the browsed pages are written there (they cost about a fifth of the pass).
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from html import unescape
from pathlib import Path

import duckdb
import pytest

from ingest.config import Settings, settings
from pipeline import cli, report

from .browser import PageLoad, load_all
from .site_checks import (
    PageFindings,
    check_site,
    counts_by_kind,
    csv_downloads,
    format_counts,
    leaks,
    page_kind,
)

pytestmark = pytest.mark.slow

WIDTHS = (1400, 390)
DESKTOP = WIDTHS[0]
#: Per templated kind: SQL giving (page id, rows the page draws from) for every page of that kind.
DATA_PER_PAGE = {
    "aims": "select a.aim_id, count(c.commitment_id) from dim_aim a "
            "left join dim_commitment c on c.aim_id = a.aim_id group by 1",
    "commitments": "select c.commitment_id, count(p.commitment_id) from dim_commitment c "
                   "left join fct_commitment_progress p on p.commitment_id = c.commitment_id group by 1",
    "indicators": "select i.indicator_id, count(v.value) from dim_indicator i "
                  "left join fct_indicator_value v on v.indicator_id = i.indicator_id group by 1",
    "boroughs": "select a.area_code, count(b.value) from dim_area a "
                "left join fct_borough_indicator b on b.area_code = a.area_code "
                "where a.is_london_borough group by 1",
}
#: Per templated kind: SQL for the rows behind the page's charts (a page whose count is > 0 must draw a chart).
CHART_ROWS = {
    "indicators": "select count(*) from fct_indicator_value where indicator_id = ? and value is not null "
                  "and area_code in ('E12000007', 'E92000001')",
    "boroughs": "select count(*) from fct_borough_indicator where area_code = ? and value is not null",
    "commitments": "select count(*) from fct_commitment_progress p join fct_indicator_value v "
                   "on v.indicator_id = p.indicator_id and v.area_code = 'E12000007' and v.value is not null "
                   "where p.commitment_id = ?",
}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, mirror_build: Settings) -> Settings:
    """The site built by `his report` from a copy of the session's shared mirror build."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian chromium is missing: run `scripts/setup.sh --test` (apt-get install chromium)")
    data = tmp_path_factory.mktemp("reports_e2e") / "data"
    shutil.copytree(mirror_build.data_dir, data, ignore=shutil.ignore_patterns("*.candidate"))
    # Our universal-sql patch reuses a query's column types for the same query on other pages (docs/reports.md);
    # here DuckDB is asked as well and the build fails if a reused description differs from DuckDB's.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VITE_EVIDENCE_DESCRIBE_CHECK", "true")
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
def static_findings(built_site: Settings) -> dict[str, PageFindings]:
    findings = check_site(report.site_dir(built_site))
    kinds = sorted({p.split(":")[0] for f in findings.values() for p in f.problems})
    print("\nstatic check of every page (pages failing, per page type):\n"
          + format_counts(counts_by_kind(findings), kinds or ["no failures"]))
    return findings


def pages_to_browse(marts, extra: list[str]) -> list[str]:
    """Every top-level page, and per templated kind the pages with the most, the median and the least data."""
    paths = ["/", "/aims/", "/commitments/", "/indicators/", "/boroughs/", "/inequalities/", "/data-quality/",
             "/methodology/"]
    for kind, sql in DATA_PER_PAGE.items():
        rows = sorted(marts.execute(sql).fetchall(), key=lambda r: (r[1], str(r[0])))
        for key, _ in (rows[-1], rows[len(rows) // 2], rows[0]):
            paths.append(f"/{kind}/{key}/")
    return list(dict.fromkeys(paths + extra))


@pytest.fixture(scope="session")
def page_loads(built_site: Settings, marts, chosen_borough: str) -> dict[tuple[str, int], PageLoad]:
    shots = built_site.data_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    progress_row = marts.execute(
        "select commitment_id from fct_commitment_progress where baseline_value is not null "
        "and latest_value is not null order by commitment_id limit 1").fetchone()
    extra = ["/indicators/obesity_year6/", f"/boroughs/{chosen_borough}/"]
    extra += [f"/commitments/{progress_row[0]}/"] if progress_row else []
    paths = pages_to_browse(marts, extra)
    site = report.site_dir(built_site)
    # Full-page screenshots cost about a fifth of the pass: taken only when asked for (HIS_SCREENSHOT_DIR).
    target = Path(os.environ["HIS_SCREENSHOT_DIR"]) if os.environ.get("HIS_SCREENSHOT_DIR") else None
    wanted = {(p, w): shots / (("home" if p == "/" else p.strip("/").replace("/", "-")) + f"-{w}.png")
              for p in paths for w in WIDTHS} if target else {}
    loads = load_all(site, paths, wanted, widths=WIDTHS, concurrency=4)
    if target:
        target.mkdir(parents=True, exist_ok=True)
        for file in wanted.values():
            if file.exists():
                shutil.copy2(file, target / file.name)
    # What the browser found, besides what it loaded: identifiers in rendered text, missing external links,
    # chart containers left empty while the marts hold rows for them.
    for (path, _), load in loads.items():
        load.problems.extend(leaks(load.text))
        kind = page_kind(path)
        if kind in {"indicators", "commitments"} and not load.external_links:
            load.problems.append("no external source link")
        if load.charts > load.drawn:
            load.problems.append(f"chart container empty: {load.charts - load.drawn} of {load.charts}")
        if kind in CHART_ROWS and load.drawn + load.svg_charts == 0:
            key = path.strip("/").split("/")[1]
            if marts.execute(CHART_ROWS[kind], [key]).fetchone()[0] > 0:
                load.problems.append("chart container empty: no chart drawn though the marts hold rows for it")
    counts: dict[str, Counter[str]] = {}
    for (path, width), load in loads.items():
        c = counts.setdefault(f"{page_kind(path)} @{width}", Counter())
        c["pages"] += 1
        for problem in {p.split(":")[0] for p in load.problems}:
            c[problem] += 1
    kinds = sorted({p.split(":")[0] for load in loads.values() for p in load.problems})
    print("\nbrowser check (pages failing, per page type and width):\n"
          + format_counts(counts, kinds or ["no failures"]))
    return loads


def _text(loads: dict[tuple[str, int], PageLoad], path: str) -> str:
    assert (path, DESKTOP) in loads, f"page {path} was not loaded"
    return loads[(path, DESKTOP)].text


def test_every_page_is_built(marts, static_findings):
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
    missing = sorted(expected - set(static_findings))
    assert not missing, f"{len(missing)} pages not built, e.g. {missing[:5]}"


def test_every_page_reads_plainly_and_links_out(static_findings):
    bad = {path: f.problems for path, f in static_findings.items() if f.problems}
    lines = [f"{path}: {problems[:3]}" for path, problems in sorted(bad.items())[:15]]
    assert not bad, f"{len(bad)} of {len(static_findings)} pages failed the static check:\n" + "\n".join(lines)


def test_browsed_pages_load_clean_and_fit(page_loads):
    bad = {key: load.problems for key, load in page_loads.items() if load.problems}
    lines = [f"{path} @{width}px: {problems[:3]}" for (path, width), problems in sorted(bad.items())[:20]]
    assert not bad, f"{len(bad)} of {len(page_loads)} page loads had problems:\n" + "\n".join(lines)


def test_overview_shows_commitment_status_counts(marts, page_loads):
    on, uncertain, off, nodata, total, achieved = marts.execute(
        """
        with per as (
            select target_id, case status when 'achieved' then 4 when 'off_track' then 3 when 'uncertain' then 2
                                          when 'on_track' then 1 else 0 end as judged
            from fct_target_status where status <> 'no_numeric_target'
        )
        select count(*) filter (where judged = 1), count(*) filter (where judged = 2),
            count(*) filter (where judged = 3), count(*) filter (where judged = 0), count(*),
            count(*) filter (where judged = 4)
        from per
        """
    ).fetchone()
    text = " ".join(_text(page_loads, "/").split())
    assert f"{achieved} achieved (on figures the programmes report" in text, text[:800]
    assert (f"{on} on track, {uncertain} uncertain, {off} off track, {nodata} not enough data to judge, "
            f"of {total} numeric targets") in text, text[:800]
    improving, worsening = marts.execute(
        "select count(distinct indicator_id) filter (where outcome_verdict = 'improving'), "
        "count(distinct indicator_id) filter (where outcome_verdict = 'worsening') "
        "from fct_outcome_verdict where scope_type = 'objective' and indicator_id is not null").fetchone()
    assert f"{improving} improving," in text and f"{worsening} worsening;" in text
    narrowing, widening = marts.execute(
        "select count(*) filter (where gap_verdict = 'narrowing'), count(*) filter (where gap_verdict = 'widening') "
        "from fct_gap_verdict").fetchone()
    assert f"{narrowing} narrowing," in text and f"{widening} widening;" in text
    gaps = marts.execute("select count(distinct scope_id) from fct_data_gap").fetchone()[0]
    objectives, key = marts.execute(
        "select (select count(*) from dim_objective), "
        "(select count(*) from dim_commitment where kind = 'key_commitment')").fetchone()
    assert (objectives, key) == (24, 6)  # the plan's own counts, computed by the page from the marts
    assert (f"Cannot be judged yet: of the {objectives} objectives and {key} key commitments taken together, "
            f"{gaps} have no outcome measure") in text
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
    label = marts.execute("select label from dim_label where label_set = 'status' and code = ?", [status]).fetchone()
    assert (label[0] if label else status.replace("_", " ")) in text


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


def _html(built_site: Settings, path: str) -> str:
    return (report.site_dir(built_site) / path.strip("/") / "index.html").read_text(encoding="utf-8")


def test_charts_with_confidence_intervals_draw_whiskers(built_site, marts):
    """An indicator whose London/England rows, and one whose borough rows, have a 95% CI: the page's chart over
    those rows draws a whisker series (the wrapper's counts, rendered from the same rows)."""
    trend = marts.execute(
        "select indicator_id, count(*) from fct_indicator_value where area_code in ('E12000007', 'E92000001') "
        "and lower_ci is not null and upper_ci is not null and value is not null and coalesce(category, '') = '' "
        "group by 1 order by 2 desc, 1 limit 1").fetchone()
    assert trend, "no London/England value with a CI in the marts"
    html = _html(built_site, f"/indicators/{trend[0]}/")
    m = re.search(r'data-chart="trend" data-ci-points="(\d+)" data-whisker-series="(\d+)"', html)
    periods = marts.execute(
        "select max(n) from (select area_code, count(distinct period_label) as n from fct_indicator_value "
        "where indicator_id = ? and area_code in ('E12000007', 'E92000001') and value is not null "
        "and coalesce(category, '') = '' group by 1)", [trend[0]]).fetchone()[0]
    if periods == 1:  # one period per series: stated as values (no chart), each with its interval in words
        assert "Only one period has a value, so there is no chart" in html and "95% confidence interval" in html, trend
    else:
        assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, (trend, m and m.group(0))
    bars = marts.execute(
        "with latest as (select indicator_id, max(period_end) as p from fct_borough_indicator where value is not null "
        "group by 1) select b.indicator_id, count(*) from fct_borough_indicator b join latest l on "
        "b.indicator_id = l.indicator_id and b.period_end = l.p where b.lower_ci is not null and b.value is not null "
        "and coalesce(b.category, '') = '' group by 1 order by 2 desc, 1 limit 1").fetchone()
    assert bars, "no borough value with a CI in the latest period"
    html = _html(built_site, f"/indicators/{bars[0]}/")
    m = re.search(r'data-chart="borough-bars" data-ci-points="(\d+)" data-whisker-series="(\d+)"', html)
    assert m and int(m.group(1)) > 0 and m.group(2) == "1", (bars, m and m.group(0))


def test_monthly_series_are_charted_as_yearly_means(built_site, marts):
    """A monthly indicator's chart draws the mart's calendar-year means (one point per full year), not the months."""
    row = marts.execute(
        "select indicator_id, count(*) from fct_indicator_annual_mean where area_code = 'E12000007' "
        "and coalesce(category, '') = '' group by 1 order by 1 limit 1").fetchone()
    assert row, "no monthly series with a full year in the marts"
    indicator, years = row
    months = marts.execute("select count(*) from fct_indicator_value where indicator_id = ? and area_code = 'E12000007' "
                           "and value is not null", [indicator]).fetchone()[0]
    html = _html(built_site, f"/indicators/{indicator}/")
    figure = html[html.index('data-chart="trend"'):]
    chart_csv = csv_downloads(figure)[0]
    london = [r for r in chart_csv[1:] if r[0].startswith("London")]
    assert len(london) == years < months, (indicator, len(london), years, months)
    assert all(r[0].endswith("calendar-year mean") for r in london)
    mean = marts.execute("select round(value, 2) from fct_indicator_annual_mean where indicator_id = ? "
                         "and area_code = 'E12000007' order by period_end desc limit 1", [indicator]).fetchone()[0]
    assert float(london[-1][2]) == mean


def test_every_download_carries_its_source(static_findings, built_site):
    """Every page offers its CSVs as visible links; the static pass has checked each CSV (source, licence,
    retrieval date, no null); here: the key pages have them at all."""
    for path in ("/", "/indicators/obesity_year6/", "/data-quality/", "/inequalities/"):
        assert csv_downloads(_html(built_site, path)), f"{path} has no Download CSV link"


def _verdict_labels(marts) -> dict[str, str]:
    return dict(marts.execute("select code, label from dim_label where label_set = 'verdict'").fetchall())


def test_home_and_inequalities_give_the_same_gap_direction(built_site, marts):
    """One method, one word: the home page's gap counts and the inequalities page's "gap over time" column both
    come from the tested SII trend (fct_gap_verdict), in the glossary's words, for every gap."""
    labels = _verdict_labels(marts)
    home = _html(built_site, "/")
    home_counts = {code: int(n) for code, n in re.findall(r'<b data-verdict="(\w+)"[^>]*>(\d+)</b>', home)}
    assert set(home_counts) == {"narrowing", "no_significant_change", "widening", "stale", "not_enough_data"}, home_counts
    table = next(rows for rows in csv_downloads(_html(built_site, "/inequalities/"))
                 if rows and "gap_over_time_tested" in rows[0])
    header, body = table[0], table[1:]
    shown = {r[header.index("indicator")]: r[header.index("gap_over_time_tested")] for r in body}
    assert not {"closing", "widening", "narrowing"} & {
        word.strip(",;.").lower() for r in body for word in r[header.index("change_in_fifths_gap_description_not_a_test")].split()
    }, "a two-period difference is labelled with a direction word"
    verdicts = marts.execute(
        "select indicator_name, gap_verdict, case when sex is null or lower(sex) in ('persons', 'all', 'total') "
        "then '' else ' (' || sex || ')' end from fct_gap_verdict").fetchall()
    assert verdicts, "no gap verdicts in the marts"
    mismatches = []
    for name, verdict, suffix in verdicts:  # the row of the series the verdict was tested on says it as such
        if shown.get(name + suffix) != labels[verdict]:
            mismatches.append(f"{name}{suffix}: marts {verdict!r}, /inequalities/ {shown.get(name + suffix)!r}")
    assert not mismatches, "\n".join(mismatches)
    for code in ("narrowing", "no_significant_change", "widening"):
        on_inequalities = sum(1 for label in shown.values() if label == labels[code])
        assert home_counts[code] == on_inequalities, (code, home_counts[code], on_inequalities)
    print(f"\ngap directions: {len(verdicts)} gaps, home and /inequalities/ agree on every one ({home_counts})")


def test_no_ids_or_pipeline_words_anywhere(static_findings):
    """The deny list (site_checks.deny_list: every registry source, dataset and indicator id, every dbt model and
    seed name, and the pipeline words) finds nothing in any page's visible text or any download's free text."""
    hits = [(path, p) for path, f in static_findings.items() for p in f.problems if p.startswith("deny list")]
    print(f"\ndeny-list scan: {len(static_findings)} pages and their downloads, {len(hits)} hits")
    assert not hits, "\n".join(f"{path}: {p}" for path, p in hits[:20])


def test_commitment_pages_show_each_status_with_one_plain_reason(built_site, marts, static_findings):
    """Every commitment page lists each target's status and its reason without anything to expand: one sentence,
    the status in the glossary's words."""
    statuses = dict(marts.execute("select code, label from dim_label where label_set = 'status'").fetchall())
    expected = dict(marts.execute("select commitment_id, count(*) from fct_target_status group by 1").fetchall())
    checked = 0
    for commitment_id, n_rows in expected.items():
        html = _html(built_site, f"/commitments/{commitment_id}/")
        block = re.search(r'<ul id="target-reasons"[^>]*>(.*?)</ul>', html, re.DOTALL)
        assert block, f"/commitments/{commitment_id}/ has no visible list of reasons"
        items = re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.DOTALL)
        assert len(items) == n_rows, (commitment_id, len(items), n_rows)
        for item in items:
            head, reason = re.match(r"\s*<b[^>]*>(.*?)</b>(.*)", item, re.DOTALL).groups()
            status = unescape(head).rsplit(": ", 1)[1].removesuffix(".")
            assert status in statuses.values(), (commitment_id, status)
            reason = re.sub(r"<span[^>]*>.*?</span>", "", reason, flags=re.DOTALL)  # "Judged on ...": the evidence
            plain = unescape(re.sub(r"<[^>]+>", "", reason)).strip()
            assert len(re.findall(r"\.(?:\s|$)", plain)) == 1 and plain.endswith("."), (commitment_id, plain)
            checked += 1
    print(f"\ncommitment reasons: {checked} on {len(expected)} pages, each visible, one sentence")


def test_home_and_aim_pages_open_with_the_main_points(built_site, marts):
    """The main points (fct_main_point) are on the home page and each aim page, in order, before anything else."""
    for scope_type, scope_id, path in [("plan", "plan", "/")] + [
            ("aim", str(a), f"/aims/{a}/") for (a,) in marts.execute("select cast(aim_id as integer) from dim_aim").fetchall()]:
        sentences = [s for (s,) in marts.execute(
            "select sentence from fct_main_point where scope_type = ? and scope_id = ? order by sentence_order",
            [scope_type, scope_id]).fetchall()]
        assert 3 <= len(sentences) <= 6, (path, sentences)
        html = _html(built_site, path)
        block = re.search(r'<ul id="main-points"[^>]*>(.*?)</ul>', html, re.DOTALL)
        assert block, f"{path} has no main points"
        shown = [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.DOTALL)]
        assert shown == sentences, (path, shown, sentences)


def test_indicator_lists_follow_the_plans_order(built_site, marts, chosen_borough):
    """Indicator lists are grouped by aim in the plan's order (dim_indicator.plan_order, plan_group), not by name:
    the indicators index (its download and its page list under aim headings) and a borough's spine table list the
    indicators in plan order, strategy-wide first, then aim 1 to 5, objectives by number within an aim."""
    planned = marts.execute(
        "select i.indicator_id, i.plan_group, i.aim_id, o.objective_number from dim_indicator as i "
        "left join dim_objective as o on o.objective_id = i.first_objective_id order by i.plan_order").fetchall()
    ids = [r[0] for r in planned]
    groups = list(dict.fromkeys(r[1] for r in planned))
    # independent of plan_order's own arithmetic: (aim, objective number) never goes back, strategy-wide first
    keys = [(-1 if aim is None else aim, -1 if number is None else number) for _, _, aim, number in planned]
    assert keys == sorted(keys), keys

    index = _html(built_site, "/indicators/")
    table = next(rows for rows in csv_downloads(index) if rows and "indicator_id" in rows[0])
    header = table[0]
    assert [r[header.index("indicator_id")] for r in table[1:]] == ids
    assert list(dict.fromkeys(r[header.index("aim")] for r in table[1:])) == groups
    block = re.search(r'<div id="indicator-groups"[^>]*>(.*?)</div>', index, re.DOTALL)
    assert block, "/indicators/ has no list grouped by aim"
    headings = [unescape(re.sub(r"<[^>]+>", "", h)).strip()
                for h in re.findall(r"<h3[^>]*>(.*?)</h3>", block.group(1), re.DOTALL)]
    assert headings == groups, headings
    listed = re.findall(r'href="/indicators/([^/"]+)/"', block.group(1))
    assert listed == ids

    spine = re.search(r'<table[^>]*id="spine-table"[^>]*>(.*?)</table>',
                      _html(built_site, f"/boroughs/{chosen_borough}/"), re.DOTALL)
    assert spine, "the borough page has no spine table"
    rows = re.findall(r'<tr class="spine-group[^"]*"[^>]*>(.*?)</tr>|href="/indicators/([^/"]+)/"', spine.group(1), re.DOTALL)
    spine_groups = [unescape(re.sub(r"<[^>]+>", "", g)).strip() for g, _ in rows if g]
    spine_ids = list(dict.fromkeys(i for _, i in rows if i))  # a sex breakdown repeats its indicator
    assert spine_groups == groups and spine_ids == ids, (spine_groups, spine_ids[:8])
    print(f"\nplan order: {len(ids)} indicators in {len(groups)} groups, in order on /indicators/ and "
          f"/boroughs/{chosen_borough}/")
