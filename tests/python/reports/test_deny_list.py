"""The deny list the static pass scans every built page and download with (site_checks.deny_list): derived from
the source registry, the indicator catalogue and the dbt project, so it knows the real ids; it finds an id as
written and spelled with spaces where that is not ordinary English, and the pipeline words, in page text and in
the free-text cells of a download, and leaves plain English alone. Hand-written fixture text, no build."""

from __future__ import annotations

from .site_checks import DenyList, deny_hits, deny_list

#: A fixture page's text, in the words the issue quoted from the old site (ids with underscores as spaces).
LEAKY_TEXT = ("Not enough data: context indicator his pm25 mortality fraction shows no values; "
              "the measure is named in the data gaps mart and Year 6 obesity comes from obesity_year6.")
PLAIN_TEXT = ("Life expectancy at birth in London was 82.1 years in 2021-23; adult smoking is falling and the gap "
              "between the most and least deprived boroughs shows no significant change.")


def test_deny_list_is_derived_from_the_registry_and_the_dbt_project():
    terms = deny_list()
    assert terms["obesity_year6"] == "indicator id"          # registry indicator
    assert terms["fingertips_ncmp_obesity"] == "source id"   # registry source
    assert terms["fct_commitment_progress"] == "dbt model"   # models/
    assert "labels" not in terms                              # a one-word seed name is ordinary English
    assert terms["his pm25 mortality fraction"] in {"dataset id", "indicator id"}  # spaced: has a code token
    assert "life expectancy" not in terms and "adult smoking" not in terms        # spaced: ordinary English
    assert terms["warehouse"] == terms["mart"] == "pipeline word"


def test_deny_list_finds_ids_and_pipeline_words_in_text_and_downloads():
    found = DenyList().find(LEAKY_TEXT)
    assert [f.lower() for f in found] == ["his pm25 mortality fraction", "mart", "obesity_year6"]
    assert DenyList().find(PLAIN_TEXT) == []
    csv_rows = [["indicator", "why", "source_url"],
                ["Year 6 obesity", "Its source gla his indicators is unavailable in the lake.",
                 "https://example.org/fingertips_api"]]
    hits = deny_hits(PLAIN_TEXT, [csv_rows])
    # the free-text cell is scanned; the URL (no space) is not
    assert hits == ["deny list: source id 'gla his indicators' in download column why",
                    "deny list: pipeline word 'lake' in download column why"]
