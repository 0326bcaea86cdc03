"""Fast checks of the Evidence pages' sources (no build): every table and chart offers a visible CSV download, and
the site checks that read downloads and whiskers from built HTML find what they are meant to find."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from .site_checks import csv_downloads, csv_problems, tables_without_download, whisker_problems

PAGES = Path(__file__).resolve().parents[3] / "reports" / "pages"


@pytest.mark.parametrize("page", sorted(PAGES.rglob("*.md")), ids=lambda p: p.relative_to(PAGES).as_posix())
def test_every_table_and_chart_has_a_visible_download(page: Path):
    missing = tables_without_download(page.read_text(encoding="utf-8"))
    assert not missing, f"{page.name}: no <CsvDownload> for {missing}"


def test_lint_finds_a_table_without_download():
    page = "```sql q\nselect 1\n```\n<DataTable data={q}/>\n<CsvDownload data={other_csv}/>\n<BarChart data={other} x=a/>"
    assert tables_without_download(page) == ["DataTable of q"]


def _link(csv_text: str) -> str:
    return f'<p><a class="csv-download" href="data:text/csv;charset=utf-8,{quote(csv_text)}" download="x.csv">Download CSV</a></p>'


def test_download_checks_read_the_csv_in_the_link():
    good = "area,value,source,licence,retrieved\r\nLondon,1.25,ONS,OGL v3.0,1 May 2026\r\nEngland,,ONS,OGL v3.0,1 May 2026"
    (rows,) = csv_downloads(_link(good))
    assert rows[2] == ["England", "", "ONS", "OGL v3.0", "1 May 2026"]
    assert csv_problems(rows) == []
    (bad,) = csv_downloads(_link("area,value\r\nLondon,null\r\nEngland,0.30000000000000004"))
    problems = csv_problems(bad)
    assert any("'source'" in p for p in problems) and any("'licence'" in p for p in problems)
    assert "download: value = 'null'" in problems


def test_whisker_check_flags_a_chart_with_ci_rows_and_no_whiskers():
    assert whisker_problems('<figure class="x" data-chart="trend" data-ci-points="4" data-whisker-series="1">') == []
    assert whisker_problems('<figure data-chart="trend" data-ci-points="0" data-whisker-series="0">') == []
    assert whisker_problems('<figure data-chart="borough-bars" data-ci-points="32" data-whisker-series="0">') == [
        "whiskers: borough-bars chart has 32 rows with a CI but no whisker series"]


#: Evidence's Input components and the `inputs` they set: Evidence discovers their defaults by rendering each page
#: an extra time while building, which reports/patches/ turns off (it doubled every query of the prerendering).
INPUT_USE = re.compile(
    r"<(Dropdown|DropdownOption|ButtonGroup|ButtonGroupItem|TextInput|Slider|DateRange|DateInput|Checkbox|"
    r"MultiSelect)\b|\$\{\s*inputs\s*\.|\binputs\.[A-Za-z_]"
)
PARTIALS = PAGES.parent / "partials"


@pytest.mark.parametrize("page", sorted([*PAGES.rglob("*.md"), *PARTIALS.rglob("*.md")]), ids=lambda p: p.name)
def test_no_page_uses_an_evidence_input(page: Path):
    found = sorted({m.group(0) for m in INPUT_USE.finditer(page.read_text(encoding="utf-8"))})
    assert not found, (
        f"{page.name} uses {found}: Evidence only sets an Input's default when it renders the page twice while "
        "building, which reports/patches/@evidence-dev+evidence+*.patch turns off; build with "
        "VITE_EVIDENCE_INPUT_DISCOVERY=true (or drop the patch) and see docs/reports.md")


def test_input_check_finds_an_input():
    assert INPUT_USE.search('<Dropdown name=borough data={b} value=area_code/>')
    assert INPUT_USE.search("where area_code = '${inputs.borough.value}'")
    assert not INPUT_USE.search("<DataTable data={inputs_list}/>")
