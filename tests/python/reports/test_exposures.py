"""Every report page is a dbt exposure (type dashboard, its URL path, an owner) that lists every mart the page
reads, so `dbt docs` shows which pages a model change reaches. The exposures file is generated from the pages
(`his generate`); this test fails when a page reads a mart its exposure does not list (a page edited without
regenerating), and checks the page -> marts reading itself on a small page."""

from __future__ import annotations

import re

import yaml

from pipeline import report


def _exposures(project_root) -> dict[str, dict]:
    data = yaml.safe_load((project_root / report.EXPOSURES_PATH).read_text(encoding="utf-8"))
    return {e["name"]: e for e in data["exposures"]}


def test_every_page_is_an_exposure_listing_every_mart_it_reads(project_root):
    exposures = _exposures(project_root)
    pages = sorted(report.PAGES_DIR.rglob("*.md"))
    assert len(exposures) == len(pages)
    problems = []
    for page in pages:
        name = report.exposure_name(page)
        exposure = exposures.get(name)
        if exposure is None:
            problems.append(f"{page.name}: no exposure {name}")
            continue
        assert exposure["type"] == "dashboard" and exposure["owner"]["name"]
        assert exposure["url"] == report.page_url(page)
        listed = {re.fullmatch(r"ref\('([a-z0-9_]+)'\)", d).group(1) for d in exposure["depends_on"]}
        missing = set(report.marts_read_by_page(page)) - listed
        if missing:
            problems.append(f"{report.page_url(page)} reads {sorted(missing)} but exposure {name} does not list them")
    assert not problems, "run `his generate`: " + "; ".join(problems)


def test_a_page_reads_its_queries_and_its_partials_marts(tmp_path):
    pages = tmp_path / "pages"
    (pages / "things").mkdir(parents=True)
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "foot.md").write_text("```sql f\nselect * from warehouse.fct_quality_check\n```\n")
    page = pages / "things" / "[thing_id].md"
    page.write_text("```sql a\nselect * from warehouse.dim_aim join warehouse.dim_label using (x)\n```\n"
                    "Mentions warehouse tables in prose too.\n{@partial \"foot.md\"}\n")
    assert report.marts_read_by_page(page, pages) == ("dim_aim", "dim_label", "fct_quality_check")
    assert report.page_url(page, pages) == "/things/[thing_id]/"
    assert report.exposure_name(page, pages) == "report_things_thing_id"
    (pages / "index.md").write_text("---\ntitle: Home\n---\n")
    assert report.page_url(pages / "index.md", pages) == "/" and report.exposure_name(pages / "index.md", pages) == "report_home"
    text = report.exposures_yml(pages)
    assert "      - ref('fct_quality_check')" in text and 'label: "Report page Home"' in text
