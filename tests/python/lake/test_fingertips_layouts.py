"""``fingertips_api_csv`` on both Fingertips layouts (API and the website's export table), the publisher's
judgements kept as published, and the period selection that lets adult_smoking come from two datasets.

Real bytes: the mirror's Local Tobacco Control Profiles export (London, 2019). Hand-written fixture:
``fixtures/fingertips_api/export_table_smoking.csv`` (invented numbers, see fixtures/README.md).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from ingest.sources import stage
from ingest.sources.areas import LONDON_BOROUGHS
from ingest.sources.conform import CANONICAL, FileContext, ParseError
from ingest.sources.formats.fingertips import parse_api
from ingest.sources.registry import Indicator

from .helpers import FIXTURES

TOBACCO = "fingertips_tobacco_profiles_london_2019"
SEVEN = {"adult_smoking", "adult_ex_smokers_aps", "adult_never_smoked_aps", "adult_smoking_gpps",
         "adult_ex_smokers_gpps", "adult_never_smoked_gpps", "smoking_prevalence_qof"}


def _parse(path: Path, indicators: dict[str, dict], options: dict | None = None) -> pl.DataFrame:
    """Run parse_api on one file with a throwaway dataset (no registry, no lake)."""
    ctx = FileContext("test_source", "test_dataset", "f", path, "https://fingertips.phe.org.uk/api", None,
                      hashlib.sha256(path.read_bytes()).hexdigest(), dict(options or {}))
    dataset = SimpleNamespace(indicator_specs=[Indicator(i, o) for i, o in indicators.items()], area_level="borough")
    return parse_api(ctx, dataset, None, SimpleNamespace(area_names={}))


@pytest.fixture(scope="module")
def tobacco(tmp_path_factory, mirror_dir) -> pl.DataFrame:
    from ingest.config import settings

    cfg = settings(data_dir=tmp_path_factory.mktemp("tobacco") / "data", mirror=mirror_dir)
    summary = stage.run(cfg, sources=[TOBACCO], offline=True)
    assert summary == "1 sources, 1 datasets written, 0 unchanged, 0 unavailable (none)"
    return pl.read_parquet(cfg.lake_dir / TOBACCO / "tobacco_profiles_london_2019.parquet")


def test_real_export_table_has_seven_indicators_35_areas_one_period(tobacco):
    assert list(tobacco.schema.items()) == [(n, t) for n, t in CANONICAL]
    assert tobacco.height == 7 * 35 and set(tobacco["indicator_id"]) == SEVEN
    for ind, part in tobacco.group_by("indicator_id"):
        assert sorted(part["area_code"]) == sorted(LONDON_BOROUGHS + ["E12000007", "E92000001"]), ind
        assert part["period_label"].n_unique() == 1
    periods = dict(tobacco.select("indicator_id", "period_label").unique().iter_rows())
    assert periods["adult_smoking"] == "2019" and periods["smoking_prevalence_qof"] == "2019/20"
    qof = tobacco.filter(pl.col("indicator_id") == "smoking_prevalence_qof").row(0, named=True)
    assert (qof["period_start"], qof["period_end"]) == (date(2019, 4, 1), date(2020, 3, 31))
    assert set(tobacco["sex"]) == {"Persons"} and set(tobacco["age"]) == {"18+ yrs", "15+ yrs"}


def test_real_export_table_values_cis_counts_as_published(tobacco):
    valued = tobacco.filter(pl.col("value").is_not_null())
    assert valued.height == 245 - 3  # City of London 92443/92534/92538 suppressed
    assert valued.filter((pl.col("lower_ci") > pl.col("value")) | (pl.col("upper_ci") < pl.col("value"))).height == 0
    assert valued["lower_ci"].null_count() == 0 and valued["upper_ci"].null_count() == 0
    bd = tobacco.filter((pl.col("indicator_id") == "adult_smoking") & (pl.col("area_code") == "E09000002")).row(0, named=True)
    assert (bd["value"], bd["lower_ci"], bd["upper_ci"], bd["count"]) == (18.0653, 13.8039, 22.3266, 26982.1096)
    assert bd["denominator"] is None and bd["lower_ci_99_8"] is None
    # 99.8% limits are published on England's 92443 row only, and they contain the 95% interval
    wide = tobacco.filter(pl.col("lower_ci_99_8").is_not_null())
    assert wide.select("indicator_id", "area_code").rows() == [("adult_smoking", "E92000001")]
    eng = wide.row(0, named=True)
    assert eng["lower_ci_99_8"] == 13.506492670605558 and eng["upper_ci_99_8"] == 14.25777287240284
    assert eng["lower_ci_99_8"] < eng["lower_ci"] < eng["value"] < eng["upper_ci"] < eng["upper_ci_99_8"]
    # which of count / denominator each survey publishes
    by = {i: p for (i,), p in valued.group_by("indicator_id")}
    assert by["adult_smoking"]["count"].null_count() == 0 and by["adult_smoking"]["denominator"].null_count() == 35 - 1
    assert by["adult_smoking_gpps"]["count"].null_count() == 35 and by["adult_smoking_gpps"]["denominator"].null_count() == 0
    qof = by["smoking_prevalence_qof"]
    assert qof["count"].null_count() == 0 and qof["denominator"].null_count() == 0
    assert (qof["count"] <= qof["denominator"]).all()


def test_real_export_table_keeps_the_publishers_words_and_drops_html(tobacco):
    def row(ind, code):
        return tobacco.filter((pl.col("indicator_id") == ind) & (pl.col("area_code") == code)).row(0, named=True)
    bd = row("adult_smoking", "E09000002")
    assert (bd["publisher_comparison_england"], bd["publisher_comparison_london"], bd["publisher_trend"]) == \
        ("Similar", "Worse", "Cannot be calculated")
    london = row("adult_smoking", "E12000007")  # London has no parent in this export: no comparison with itself
    assert (london["publisher_comparison_england"], london["publisher_comparison_london"]) == ("Better", None)
    england = row("adult_smoking", "E92000001")
    assert england["publisher_comparison_england"] is None and england["publisher_comparison_london"] is None
    assert row("smoking_prevalence_qof", "E09000002")["publisher_trend"] == "Decreasing and getting better"
    assert set(tobacco["publisher_comparison_england"].drop_nulls()) == {"Better", "Similar", "Worse", "Not compared"}
    assert set(tobacco.filter(pl.col("indicator_id") == "adult_ex_smokers_gpps")["publisher_comparison_england"]
               .drop_nulls()) == {"Not compared"}
    city = row("adult_smoking", "E09000001")
    assert city["value"] is None and city["count"] is None
    assert city["value_note"] == "* Value suppressed for disclosure control due to small count"
    assert tobacco.filter(pl.col("value_note").str.contains("<|>")).height == 0
    # a suppressed value without a publisher's note keeps the marker we saw
    assert row("adult_never_smoked_aps", "E09000001")["value_note"] == "value suppressed or missing in source (empty)"


def test_adult_smoking_2019_from_the_full_layout_other_years_from_lifestyle(tmp_settings, tobacco):
    stage.run(tmp_settings, sources=["fingertips_lifestyle", "fingertips_ncmp_obesity"], offline=True)
    lake = tmp_settings.lake_dir
    series = pl.read_parquet(lake / "fingertips_lifestyle" / "adult_smoking.parquet")
    assert "2019" not in set(series["period_label"]) and {"2018", "2020"} <= set(series["period_label"])
    # the slim file's compared_to_England is kept as published; NA (no judgement) is null
    assert set(series["publisher_comparison_england"].drop_nulls()) <= {"Better", "Similar", "Worse", "Not compared"}
    ncmp = pl.read_parquet(lake / "fingertips_ncmp_obesity" / "ncmp_obesity_year6.parquet")
    assert ncmp["publisher_comparison_england"].null_count() < ncmp.height
    assert ncmp.filter(pl.col("value").is_null() & (pl.col("publisher_comparison_england") == "Better")).height == 0
    both = pl.concat([series, tobacco.filter(pl.col("indicator_id") == "adult_smoking")])
    assert both.select("indicator_id", "area_code", "period_label", "sex", "age").is_duplicated().sum() == 0


def test_export_table_fixture(tmp_path):
    df = _parse(FIXTURES / "fingertips_api" / "export_table_smoking.csv",
                {"adult_smoking": {"fingertips_id": 92443, "period_type": "calendar_year"},
                 "smoking_prevalence_qof": {"fingertips_id": 91547, "period_type": "financial_year"}})
    assert df.height == 5  # Derby (not London) dropped
    bd = df.filter((pl.col("indicator_id") == "adult_smoking") & (pl.col("area_code") == "E09000002")).row(0, named=True)
    assert bd["area_name"] == "Barking and Dagenham" and bd["count"] == 25000.75
    assert bd["value_note"] == "Estimate & interval from a small sample"
    assert (bd["publisher_comparison_england"], bd["publisher_comparison_london"]) == ("Similar", "Worse")
    eng = df.filter(pl.col("area_code") == "E92000001").row(0, named=True)
    assert (eng["lower_ci_99_8"], eng["upper_ci_99_8"]) == (13.8, 14.4)
    city = df.filter(pl.col("area_code") == "E09000001").row(0, named=True)
    assert city["value"] is None and city["value_note"] == "* Value suppressed for disclosure control due to small count"
    assert city["publisher_comparison_england"] == "Not compared"


def test_api_layout_fixture_keeps_the_comparison_with_region_london(tmp_path):
    df = _parse(FIXTURES / "fingertips_api" / "excess_weight_reception.csv",
                {"excess_weight_reception": {"fingertips_id": 20601, "period_type": "academic_year"}})
    bd = df.filter((pl.col("area_code") == "E09000002") & (pl.col("period_label") == "2022/23")).row(0, named=True)
    assert (bd["publisher_comparison_england"], bd["publisher_comparison_london"]) == ("Worse", "Worse")
    assert (bd["lower_ci_99_8"], bd["upper_ci_99_8"]) == (22.6, 26.7)
    # London's parent in the API layout is England: its comparison with its parent is not one with London
    london = df.filter(pl.col("area_code") == "E12000007").row(0, named=True)
    assert (london["publisher_comparison_england"], london["publisher_comparison_london"]) == ("Better", None)


def test_unknown_layout_is_a_clear_error(tmp_path):
    bad = tmp_path / "renamed.csv"
    bad.write_text("Indicator,Area,Period,Value\n92443,E09000002,2019,18.1\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"source test_source, dataset test_dataset, file .*renamed.csv.*"
                                         r"not a Fingertips API CSV nor a Fingertips export table: missing 'Indicator ID'"
                                         r".*'Area Name' \(API\) or 'AreaName' \(export table\)"):
        _parse(bad, {"adult_smoking": {"fingertips_id": 92443, "period_type": "calendar_year"}})


def test_periods_selection_names_a_missing_period(tmp_path):
    with pytest.raises(ParseError, match=r"indicator adult_smoking: none of the registry's periods \['2018'\].*"
                                         r"the file has \['2019'\]"):
        _parse(FIXTURES / "fingertips_api" / "export_table_smoking.csv",
               {"adult_smoking": {"fingertips_id": 92443, "period_type": "calendar_year", "periods": ["2018"]}})
    kept = _parse(FIXTURES / "fingertips_api" / "export_table_smoking.csv",
                  {"adult_smoking": {"fingertips_id": 92443, "period_type": "calendar_year", "periods": [2019]}})
    assert set(kept["period_label"]) == {"2019"}
