"""Every link's text says where it goes (site_checks.link_text_problems, run by the static pass over every built
page): generic words ("open", "here", "See more", "Download CSV"), a bare address or an id as a link's whole text
is a failure; a name is not, nor a table-of-contents entry named as its heading ("Sources" for #sources). The text counted is what a reader meets, including screen-reader-only text, and
links hidden from everyone are left out. Hand-written fixture HTML in the shapes Evidence renders, no build."""

from __future__ import annotations

from .site_checks import check_page, generic_link_text, link_text_problems, named_links

#: A fixture page with one link of each kind the issue and the old site had, and named ones beside them.
PAGE = """<html><head><title>fixture</title><a href="/head-only/">open</a></head><body>
<p>Source: <a href="https://example.org/data">file</a>; see <a href="/methodology/">here</a>.</p>
<table><tr><td>Barnet</td><td><svg></svg> <a href="/boroughs/E09000003/" class="sr-only">See more</a></td></tr></table>
<p class="csv-download-row"><a class="csv-download" href="data:text/csv;charset=utf-8,a%0D%0A1" download="x.csv">Download CSV</a></p>
<ul><li><a href="/commitments/KC3.1/">KC3.1</a></li><li><a href="/aims/5/">aim 5</a></li>
<li><a href="https://www.london.gov.uk/what-we-do/health">https://www.london.gov.uk/what-we-do/health</a></li>
<li><a href="/indicators/obesity_year6/">obesity_year6</a></li><li><a href="/x/"><svg></svg></a></li></ul>
<a href="/aims/1/" class="hidden" aria-hidden="true"><span>ignored: hidden from everyone</span></a>
<p><a href="/aims/5/">Aim 5: Healthy Living</a>, <a href="/commitments/KC3.1/">KC3.1: Reduce air pollution</a>,
<a class="csv-download" href="data:text/csv;charset=utf-8,a" download="y.csv">Download the list of indicators (CSV)</a>,
<a href="/boroughs/E09000003/" class="sr-only">Barnet</a>, <a href="/x/" aria-label="Year 6 obesity">
<svg></svg></a>, <a href="/methodology/#glossary-of-status-words">glossary of status words</a>.</p>
<nav><a href="#sources">Sources</a> <a href="#data">Data</a> <a href="#at-a-glance">At a glance</a> <a href="#x">more</a></nav>
</body></html>"""


def test_links_are_read_with_the_text_a_reader_meets():
    texts = [link.text for link in named_links(PAGE)]
    assert "ignored: hidden from everyone" not in texts
    assert "open" not in texts                        # inside <head>
    assert "See more" in texts and "Barnet" in texts  # screen-reader-only text counts
    assert "Year 6 obesity" in texts                  # an icon link named by its aria-label
    assert "" in texts                                # the icon link with nothing to name it


def test_generic_texts_bare_addresses_and_ids_fail_names_pass():
    problems = link_text_problems(named_links(PAGE))
    failed = sorted(p.split("'")[1] for p in problems)
    assert failed == sorted(["file", "here", "See more", "Download CSV", "KC3.1", "aim 5",
                             "https://www.london.gov.uk/what-we-do/health", "obesity_year6", "", "more"]), problems
    assert "link text: 'See more' (generic) for /boroughs/E09000003/" in problems
    assert "link text: 'KC3.1' (an id or code) for /commitments/KC3.1/" in problems
    assert "link text: '' (no text) for /x/" in problems


def test_plain_names_are_not_generic():
    for text in ("Aim 5: Healthy Living", "Life expectancy at birth", "Download the list of indicators (CSV)",
                 "the figures of the chart “Life expectancy: London and England”", "data quality", "Barnet",
                 "KC3.1: Reduce air pollution", "Health Inequalities Strategy Implementation Plan 2021-24"):
        assert generic_link_text(text) is None, text
    for text in ("Open", "Click here.", "More →", "Download CSV", "E09000002", "A1.3.1.a", "www.gov.uk", "42"):
        assert generic_link_text(text) is not None, text


def test_the_static_page_check_reports_link_texts():
    findings = check_page("/aims/5/", PAGE)
    assert sum(p.startswith("link text:") for p in findings.problems) == 10
