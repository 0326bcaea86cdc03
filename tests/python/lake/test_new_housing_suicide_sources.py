"""The registry options added for three sources: ``header_map`` (a Fingertips export whose header a republisher
renamed), ``category_total`` (a headline total for counts published only by category, zero rows omitted) and the
hyphenated financial years of MHCLG's files. Each option is tested on a hand-written fixture
(``tests/python/fixtures/``, invented numbers: see its README) read with the options the real registry entry
declares, and the three real mirror files are read once through the registry.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from ingest.sources import stage
from ingest.sources.areas import LONDON_BOROUGHS
from ingest.sources.conform import FileContext, ParseError
from ingest.sources.formats import fingertips, spreadsheet
from ingest.sources.registry import Indicator, load_registry

from .helpers import FIXTURES

SUICIDE = "fingertips_suicide_prevention_london_2019"
AFFORDABLE = "mhclg_affordable_housing_supply_la"
NET = "mhclg_net_additional_dwellings_la"


def _options(source_id: str) -> tuple[dict, list[Indicator]]:
    """The merged options (source, dataset, file) and indicators of a one-dataset, one-file registry source."""
    src = load_registry().source(source_id)
    (ds,), (f,) = src.datasets, src.files
    return {**src.options, **ds.options, **f.options}, ds.indicator_specs


def _ctx(path: Path, options: dict) -> FileContext:
    return FileContext("test_source", "test_dataset", "f", path, "https://example.invalid/file", None,
                       hashlib.sha256(path.read_bytes()).hexdigest(), dict(options))


def _parse(parser, path: Path, options: dict, indicators: list[Indicator]) -> pl.DataFrame:
    dataset = SimpleNamespace(kind="indicator", indicator_specs=indicators, area_level="borough")
    return parser(_ctx(path, options), dataset, None, SimpleNamespace(area_names={}))


def _row(df: pl.DataFrame, **where) -> dict:
    hit = df.filter(pl.all_horizontal(*(pl.col(k).eq_missing(v) for k, v in where.items())))
    assert hit.height == 1, (where, hit)
    return hit.row(0, named=True)


# --- header_map: a Fingertips export with a renamed header --------------------------------------------------

RENAMED = FIXTURES / "fingertips_renamed_header" / "suicide_prevention.csv"


def test_renamed_fingertips_header_reads_through_the_registry_map():
    options, _ = _options(SUICIDE)
    indicators = [Indicator("suicide_rate_male", {"fingertips_id": 41001, "sex": "Male", "age": "10+ yrs"}),
                  Indicator("crude_10_34", {"fingertips_id": 91390, "sex": "Male", "age": "10-34 yrs"})]
    df = _parse(fingertips.parse_api, RENAMED, options, indicators)
    # England, London and two boroughs of 41001; one borough of 91390; Blackburn (not London) dropped
    assert df.height == 5
    bd = _row(df, indicator_id="suicide_rate_male", area_code="E09000002")
    assert (bd["value"], bd["lower_ci"], bd["upper_ci"], bd["count"], bd["denominator"]) == (11.2, 7.4, 16.3, 28.0, 240000.0)
    assert (bd["period_label"], bd["period_start"], bd["period_end"]) == ("2015 - 17", date(2015, 1, 1), date(2017, 12, 31))
    assert (bd["sex"], bd["age"], bd["area_name"]) == ("Male", "10+ yrs", "Barking and Dagenham")
    # the renamed comparison columns still reach the publisher's judgements, word for word
    assert (bd["publisher_comparison_england"], bd["publisher_comparison_london"]) == ("Similar", "Higher")
    assert bd["publisher_trend"] == "Cannot be calculated"
    city = _row(df, indicator_id="suicide_rate_male", area_code="E09000001")
    assert city["value"] is None and city["value_note"] == "Value cannot be calculated as number of cases is too small"
    london = _row(df, indicator_id="suicide_rate_male", area_code="E12000007")
    # London's parent is England: no comparison with London on London's own row
    assert (london["value"], london["publisher_comparison_england"], london["publisher_comparison_london"]) == (12.5, "Lower", None)
    assert _row(df, indicator_id="crude_10_34", area_code="E09000002")["period_label"] == "2013 - 17"


def test_renamed_header_without_the_map_is_an_error_naming_the_columns():
    with pytest.raises(ParseError, match=r"not a Fingertips API CSV.*missing 'Indicator ID'.*the file has 'IndicatorID'"):
        _parse(fingertips.parse_api, RENAMED, {"period_type": "pooled_years"},
               [Indicator("suicide_rate_male", {"fingertips_id": 41001})])


def test_header_map_naming_a_column_the_file_lacks_is_an_error_naming_the_header():
    options = {"period_type": "pooled_years", "header_map": {"IndicatorID": "Indicator ID", "Area_Code": "Area Code"}}
    with pytest.raises(ParseError, match=r"header_map' names column\(s\) 'Area_Code' that the file does not have; "
                                         r"the file has 'IndicatorID', 'IndicatorName'"):
        _parse(fingertips.parse_api, RENAMED, options, [Indicator("suicide_rate_male", {"fingertips_id": 41001})])


def test_header_map_that_makes_two_columns_one_name_is_an_error(tmp_path):
    options = {"period_type": "pooled_years", "header_map": {"IndicatorID": "Indicator ID", "IndicatorName": "Indicator ID"}}
    with pytest.raises(ParseError, match=r"more than one column the name\(s\) 'Indicator ID'"):
        _parse(fingertips.parse_api, RENAMED, options, [Indicator("suicide_rate_male", {"fingertips_id": 41001})])
    with pytest.raises(ParseError, match=r"header_map' must map column names"):
        _parse(fingertips.parse_api, RENAMED, {"header_map": ["IndicatorID"]}, [])


def test_header_map_leaves_the_official_api_layout_as_it_is():
    """The registry's url returns the API layout: the same entry (with its map) reads it unchanged."""
    options, _ = _options(SUICIDE)
    api = FIXTURES / "fingertips_api" / "excess_weight_reception.csv"
    ind = [Indicator("excess_weight_reception", {"fingertips_id": 20601, "period_type": "academic_year"})]
    mapped = _parse(fingertips.parse_api, api, options, ind)
    plain = _parse(fingertips.parse_api, api, {}, ind)
    assert mapped.height > 0 and mapped.equals(plain)


# --- category_total: affordable completions by tenure, with no zero rows ------------------------------------

TENURE = FIXTURES / "mhclg_affordable_housing_supply_la" / "by_tenure.csv"


def test_category_total_sums_tenures_and_counts_an_absent_borough_year_as_zero():
    options, indicators = _options(AFFORDABLE)
    assert options["category_total"] == {"absent_is_zero": True}
    df = _parse(spreadsheet.parse, TENURE, options, indicators)
    totals = df.filter(pl.col("category").is_null())
    assert set(totals["category_type"].to_list()) == {None}
    got = {(r["area_code"], r["period_label"]): r["value"] for r in totals.iter_rows(named=True)}
    # hand-worked from the fixture: B&D 120 + 85 and 60; Barnet 30 and 25 + 5; City 2 and no row (0); England as given
    assert got == {("E09000001", "2021/22"): 2.0, ("E09000001", "2022/23"): 0.0,
                   ("E09000002", "2021/22"): 205.0, ("E09000002", "2022/23"): 60.0,
                   ("E09000003", "2021/22"): 30.0, ("E09000003", "2022/23"): 30.0,
                   ("E92000001", "2021/22"): 9000.0, ("E92000001", "2022/23"): 9500.0}
    zero = _row(totals, area_code="E09000001", period_label="2022/23")
    assert zero["value_note"] == spreadsheet.ZERO_NOTE and zero["area_name"] == "City of London"
    assert _row(totals, area_code="E09000002", period_label="2021/22")["value_note"] is None
    # the tenure rows stay as published (the 9 London/England rows; no zero rows invented for tenures)
    tenures = df.filter(pl.col("category").is_not_null())
    assert tenures.height == 9 and set(tenures["category_type"]) == {"Tenure"}
    so = _row(tenures, area_code="E09000002", period_label="2021/22", category="Shared Ownership")
    assert (so["value"], so["period_start"], so["period_end"]) == (85.0, date(2021, 4, 1), date(2022, 3, 31))


def test_category_total_without_absent_is_zero_gives_no_total_where_there_are_no_rows():
    options, indicators = _options(AFFORDABLE)
    df = _parse(spreadsheet.parse, TENURE, {**options, "category_total": True}, indicators)
    totals = df.filter(pl.col("category").is_null())
    assert totals.height == 7
    assert totals.filter((pl.col("area_code") == "E09000001") & (pl.col("period_label") == "2022/23")).height == 0


def _write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "by_tenure.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([["geography_code", "geography_name", "date", "Measure", "value"],
                                                        *rows])
    return path


def test_category_total_is_null_when_a_category_value_is_missing(tmp_path):
    options, indicators = _options(AFFORDABLE)
    path = _write(tmp_path, [["E09000002", "Barking and Dagenham", "2022-23", "Social Rent", "60"],
                             ["E09000002", "Barking and Dagenham", "2022-23", "Affordable Rent", "x"]])
    total = _row(_parse(spreadsheet.parse, path, options, indicators), category=None)
    assert total["value"] is None
    assert total["value_note"] == "total not computed: 1 of its 2 category values are missing or suppressed"


def test_category_total_refuses_rows_without_a_category(tmp_path):
    """A file that already prints a total (an empty tenure) would be counted twice."""
    options, indicators = _options(AFFORDABLE)
    path = _write(tmp_path, [["E09000002", "Barking and Dagenham", "2022-23", "Social Rent", "60"],
                             ["E09000002", "Barking and Dagenham", "2022-23", "", "60"]])
    with pytest.raises(ParseError, match=r"category_total sums the category rows, but 1 row\(s\) have no category "
                                         r"\(e.g. E09000002 2022-23\)"):
        _parse(spreadsheet.parse, path, options, indicators)
    with pytest.raises(ParseError, match=r"'category_total' must be true or \{absent_is_zero"):
        _parse(spreadsheet.parse, TENURE, {**options, "category_total": {"zeros": True}}, indicators)


def test_category_total_is_declared_only_for_count_indicators(project_root):
    """A sum of rates or percentages means nothing: every indicator of a dataset with category_total is a count."""
    with (project_root / "seeds" / "reference" / "indicator_catalogue.csv").open(encoding="utf-8") as fh:
        value_type = {r["indicator_id"]: r["value_type"] for r in csv.DictReader(fh)}
    declared = []
    for src in load_registry().sources:
        for ds in src.datasets:
            files = [f for f in src.files if f.id in ds.file_ids]
            if any({**src.options, **ds.options, **f.options}.get("category_total") for f in files):
                declared += [(i.id, value_type.get(i.id)) for i in ds.indicator_specs]
    assert declared == [("affordable_housing_completions", "count")]


# --- net additional dwellings: hyphenated financial years, codes without names --------------------------------

def test_net_additional_dwellings_fixture():
    options, indicators = _options(NET)
    df = _parse(spreadsheet.parse, FIXTURES / "mhclg_net_additional_dwellings_la" / "by_local_authority.csv",
                options, indicators)
    assert df.height == 8  # E06000055 (not London) dropped
    assert sorted(set(df["period_label"])) == ["2021/22", "2022/23"]
    bd = _row(df, area_code="E09000002", period_label="2021/22")
    assert (bd["value"], bd["area_name"], bd["area_type"]) == (-40.0, "Barking and Dagenham", "borough")
    assert (bd["period_start"], bd["period_end"]) == (date(2021, 4, 1), date(2022, 3, 31))
    assert _row(df, area_code="E12000007", period_label="2022/23")["value"] == 35000.0


# --- the real mirror files, through the registry --------------------------------------------------------------

@pytest.fixture(scope="module")
def lake(tmp_path_factory, mirror_dir) -> dict[str, pl.DataFrame]:
    from ingest.config import settings

    cfg = settings(data_dir=tmp_path_factory.mktemp("new_sources") / "data", mirror=mirror_dir)
    summary = stage.run(cfg, sources=[SUICIDE, AFFORDABLE, NET], offline=True)
    assert summary == "3 sources, 3 datasets written, 0 unchanged, 0 unavailable (none)"
    return {p.parent.name: pl.read_parquet(p) for p in cfg.lake_dir.glob("*/*.parquet")}


def test_real_suicide_export_five_indicators_one_period_each(lake):
    df = lake[SUICIDE]
    assert df.height == 5 * 35
    assert df.group_by("indicator_id").agg(pl.col("period_label").n_unique()).get_column("period_label").to_list() == [1] * 5
    male = _row(df, indicator_id="suicide_rate_male", area_code="E12000007")
    # PROVENANCE.md: London 13.142 (12.418-13.894; 1,409 / 11,217,850), lower than England
    assert (round(male["value"], 3), round(male["lower_ci"], 3), round(male["upper_ci"], 3)) == (13.142, 12.418, 13.894)
    assert (male["count"], male["denominator"], male["publisher_comparison_england"]) == (1409, 11217850, "Lower")
    # PROVENANCE.md: the 33 boroughs + London, 28 Similar, 4 Lower (London one of them), 1 Higher, City not compared
    boroughs = df.filter((pl.col("indicator_id") == "suicide_rate_male") & (pl.col("area_type") == "borough"))
    assert boroughs["publisher_comparison_england"].value_counts().sort("publisher_comparison_england").rows() == [
        ("Higher", 1), ("Lower", 3), ("Not compared", 1), ("Similar", 28)]


def test_real_affordable_completions_london_boroughs_sum_to_the_provenance_totals(lake):
    df = lake[AFFORDABLE]
    totals = df.filter(pl.col("category").is_null() & pl.col("area_code").is_in(LONDON_BOROUGHS))
    # every borough has a total in every one of the 33 years (zero where the file has no row)
    assert totals.height == 33 * 33 and totals["value"].null_count() == 0
    by_year = dict(totals.group_by("period_label").agg(pl.col("value").sum()).iter_rows())
    # PROVENANCE.md, "London boroughs summed, all tenures"
    assert {p: by_year[p] for p in ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24")} == {
        "2018/19": 9225, "2019/20": 10893, "2020/21": 10714, "2021/22": 11816, "2022/23": 15768, "2023/24": 12561}
    th = _row(df, area_code="E09000030", period_label="2022/23", category=None)
    assert th["value"] == 808  # Tower Hamlets 120 + 1 + 182 + 501 + 4
    assert df.filter(pl.col("area_code") == "E12000007").height == 0  # no London row: derived in dbt


def test_real_net_additional_dwellings_keeps_london_as_published(lake):
    df = lake[NET]
    london = dict(df.filter(pl.col("area_code") == "E12000007").select("period_label", "value").iter_rows())
    assert len(london) == 24 and london["2022/23"] == 35263 and london["2023/24"] == 32162
    boroughs = df.filter(pl.col("area_type") == "borough")
    assert boroughs.height == 33 * 23 and boroughs["value"].null_count() == 0 and boroughs["area_name"].null_count() == 0
