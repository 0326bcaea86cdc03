"""GLA/OHID London Health Inequalities Strategy indicators workbook (source gla_his_indicators).

Fast tests on the real (partial) workbook in the mirror, and error tests on hand-written fixture workbooks
(tests/python/fixtures/gla_his_indicators/: invented numbers in the workbook's layout, not GLA data).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.areas import LONDON, LONDON_BOROUGHS
from ingest.sources.conform import CANONICAL

from .helpers import FIXTURES, lake_fingerprint

SOURCE = "gla_his_indicators"
WORKBOOK = "his_indicators_update_nov2024_partial.xlsx"
PRESENT = {"his_healthy_life_expectancy", "his_excess_weight_year6", "his_pm25_mortality_fraction",
           "his_hiv_late_diagnosis"}
MISSING_SHEETS = {  # dataset -> how the registry names its sheet (9 of the workbook's 14 sheets)
    "his_low_birth_weight": "'3. Low Birth Weight'",
    "his_school_readiness_fsm": "'4. School readiness FSM'",
    "his_excess_weight_reception": "'6. Excess weight age 04-05'",
    "his_suicide_rate": "'7. Suicide rate'",
    "his_employment_gap_ltc": "'9. Employment gap LongtermCond.'",
    "his_belonging": "'10. '",
    "his_tb_incidence": "'12. TB Incidence'",
    "his_active_travel": "'13. '",
    "his_smoking_prevalence": "'14. Smoking prevalence'",
}


def _frame(cfg, dataset: str) -> pl.DataFrame:
    return pl.read_parquet(cfg.lake_dir / SOURCE / f"{dataset}.parquet")


@pytest.fixture(scope="module")
def his(tmp_path_factory, mirror_dir):
    """(settings, summary, stderr) after ingesting the source from the real mirror."""
    import contextlib
    import io

    cfg = settings(data_dir=tmp_path_factory.mktemp("glahis") / "data", mirror=mirror_dir)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        summary = stage.run(cfg, sources=[SOURCE], offline=True)
    return cfg, summary, err.getvalue()


def test_summary_and_statuses(his):
    cfg, summary, _ = his
    assert summary == "1 sources, 4 datasets written, 0 unchanged, 0 unavailable (none)"
    status = stage.read_source_status(cfg)[SOURCE]
    assert status["status"] == "available"
    assert status["reason"].startswith("9 of 13 datasets unavailable: ")
    dstatus = stage.read_dataset_status(cfg)
    assert {d for d, r in dstatus.items() if r["status"] == "available"} == PRESENT
    assert {d for d, r in dstatus.items() if r["status"] == "unavailable"} == set(MISSING_SHEETS)


def test_missing_sheets_reported_one_line_each(his):
    cfg, _, err = his
    lines = [line for line in err.splitlines() if "UNAVAILABLE" in line]
    assert len(lines) == 9
    for dataset, sheet in MISSING_SHEETS.items():
        (line,) = [x for x in lines if f"{SOURCE}/{dataset}:" in x]
        assert sheet in line and WORKBOOK in line, line
        assert sheet in stage.read_dataset_status(cfg)[dataset]["reason"]
        empty = _frame(cfg, dataset)  # an empty canonical file, so dbt's sources resolve
        assert empty.height == 0 and list(empty.schema.items()) == list(CANONICAL)


def test_hle_both_sexes_named_boroughs_mapped(his):
    cfg, _, _ = his
    df = _frame(cfg, "his_healthy_life_expectancy")
    assert list(df.schema.items()) == list(CANONICAL)
    assert df.height == 640
    assert dict(df.group_by("sex").len().iter_rows()) == {"Male": 320, "Female": 320}
    assert set(df["area_code"]) == set(LONDON_BOROUGHS) - {"E09000001"}  # no City of London
    assert sorted(set(df["period_label"])) == [f"{y} - {str(y + 2)[2:]}" for y in range(2009, 2019)]
    bd = df.filter((pl.col("area_code") == "E09000002") & (pl.col("sex") == "Male")
                   & (pl.col("period_label") == "2015 - 17")).row(0, named=True)
    assert round(bd["value"], 2) == 62.78 and bd["area_name"] == "Barking and Dagenham"
    assert (bd["period_start"], bd["period_end"]) == (date(2015, 1, 1), date(2017, 12, 31))
    assert df["value"].null_count() == 0


@pytest.mark.parametrize("dataset", sorted(PRESENT))
def test_cis_bracket_values(his, dataset):
    cfg, _, _ = his
    df = _frame(cfg, dataset)
    assert df.filter((pl.col("lower_ci") > pl.col("value")) | (pl.col("upper_ci") < pl.col("value"))).height == 0
    # a missing value has no CI (the workbook writes 0 for both limits)
    assert df.filter(pl.col("value").is_null() & pl.col("lower_ci").is_not_null()).height == 0
    assert df["source_id"].unique().to_list() == [SOURCE]


def test_year6_excess_weight_missing_values_are_null_with_note(his):
    cfg, _, _ = his
    df = _frame(cfg, "his_excess_weight_year6")
    assert df.height == 576 and df["area_code"].n_unique() == 32
    assert (df["period_label"].min(), df["period_label"].max()) == ("2006/07", "2023/24")
    covid = df.filter(pl.col("period_label") == "2020/21")
    # NCMP was not collected in full during COVID: 29 of 32 boroughs have no 2020/21 value in the workbook
    # (PROVENANCE says "every borough"; three have one)
    assert covid.height == 32 and covid["value"].null_count() == 29
    assert set(covid.filter(pl.col("value").is_null())["value_note"]) == {"value suppressed or missing in source (empty)"}
    assert df.filter(pl.col("value").is_not_null())["lower_ci"].null_count() == 0


def test_pm25_mortality_to_2022_agrees_with_ons_sdg_new_method(his, tmp_path, mirror_dir):
    cfg, _, _ = his
    df = _frame(cfg, "his_pm25_mortality_fraction")
    assert df.height == 165 and set(df["area_code"]) == set(LONDON_BOROUGHS)
    assert sorted(set(df["period_label"])) == ["2018", "2019", "2020", "2021", "2022"]
    assert df["lower_ci"].null_count() == df.height and df["age"].unique().to_list() == ["30+ yrs"]
    sdg_cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    stage.run(sdg_cfg, sources=["ons_sdg_air_pollution_mortality"], offline=True)
    sdg = (pl.read_parquet(sdg_cfg.lake_dir / "ons_sdg_air_pollution_mortality" / "pm25_mortality_fraction.parquet")
           .filter(pl.col("indicator_id") == "pm25_mortality_fraction_new"))
    both = df.join(sdg, on=["area_code", "period_label"], suffix="_sdg")
    assert both.height == 33 * 4  # 2018-2021 in both
    assert both.filter((pl.col("value") - pl.col("value_sdg")).abs() > 0.006).height == 0


def test_hiv_late_diagnosis_is_london_by_ethnic_group(his):
    cfg, _, _ = his
    df = _frame(cfg, "his_hiv_late_diagnosis")
    assert df.height == 33
    assert df["area_code"].unique().to_list() == [LONDON] and df["area_type"].unique().to_list() == ["region"]
    assert df["category_type"].unique().to_list() == ["Ethnic group"]
    assert set(df["category"]) == {"White", "Black Caribbean", "Black African"}
    assert (df["period_label"].min(), df["period_label"].max()) == ("2011 - 13", "2021 - 23")
    # the limits are the first Lower CI / Upper CI pair, not the error-bar widths of the second
    assert df.filter(pl.col("upper_ci") - pl.col("lower_ci") < 1).height == 0


# --- error cases on hand-written fixture workbooks ------------------------------------------------------------

def _cells(name: str) -> list[list[object]]:
    with (FIXTURES / SOURCE / name).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = []
    for row in rows:
        cells: list[object] = []
        for c in row:
            try:
                cells.append(float(c))
            except ValueError:
                cells.append(c or None)
        out.append(cells)
    return out


def _workbook(dest: Path, skip: tuple[str, ...] = (), rename: dict[str, str] | None = None) -> Path:
    """A fixture workbook with the five sheets of the mirror's copy, cells from the hand-written fixtures."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    borough = _cells("borough_sheet.csv")
    for r in rename or {}:
        borough = [[(rename[r] if c == r else c) for c in row] for row in borough]
    sheets = {"1. HLE male": borough, "2. HLE female": borough, "5. Excess weight age 10-11": _cells("borough_sheet.csv"),
              "8. Mortality caused by PM2.5": _cells("borough_sheet.csv"), "11. HIV late diagnosis": _cells("hiv_sheet.csv")}
    for title, rows in sheets.items():
        if title in skip:
            continue
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


@pytest.fixture()
def fixture_lake(tmp_path):
    mirror = tmp_path / "mirror"
    path = _workbook(mirror / SOURCE / WORKBOOK)
    return settings(data_dir=tmp_path / "data", mirror=mirror), path


def _ok_workbook(path: Path, **kw) -> None:
    """Sheets whose periods fit their registered period types (academic/calendar years for sheets 5 and 8)."""
    from openpyxl import load_workbook

    _workbook(path, **kw)
    wb = load_workbook(path)
    for title, labels in (("5. Excess weight age 10-11", ("2017/18", "2018/19")), ("8. Mortality caused by PM2.5", ("2019", "2020"))):
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        for row in ws.iter_rows(min_row=2):
            row[0].value = labels[0] if row[0].value == "2017 - 19" else labels[1]
    wb.save(path)


def test_fixture_workbook_parses(fixture_lake):
    cfg, path = fixture_lake
    _ok_workbook(path)
    stage.run(cfg, sources=[SOURCE], offline=True)
    hle = _frame(cfg, "his_healthy_life_expectancy")
    assert set(hle["area_code"]) == {"E09000002", "E09000003"}  # "Barking & Dagenham" maps through its alias
    barnet = hle.filter((pl.col("area_code") == "E09000003") & (pl.col("period_label") == "2018 - 20"))
    assert barnet.height == 2 and barnet["value"].null_count() == 2 and barnet["lower_ci"].null_count() == 2
    hiv = _frame(cfg, "his_hiv_late_diagnosis")
    assert hiv.height == 4 and set(hiv["category"]) == {"White", "Black African"}
    assert hiv.filter(pl.col("category") == "White").sort("period_label")["upper_ci"].to_list() == [22.75, 23.0]


def test_unmapped_borough_name_names_sheet_and_name(fixture_lake):
    cfg, path = fixture_lake
    _ok_workbook(path)
    stage.run(cfg, sources=[SOURCE], offline=True)
    before = lake_fingerprint(cfg.lake_dir)
    _ok_workbook(path, rename={"Barnet": "Barnett Borough"})
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[SOURCE], offline=True)
    message = str(info.value)
    for part in (f"source {SOURCE}", f"{SOURCE}/{WORKBOOK}", "sheet '1. HLE male'", "'Barnett Borough'",
                 "seeds/reference/london_areas.csv"):
        assert part in message, message
    assert stage.read_source_status(cfg)[SOURCE]["status"] == "error"
    assert lake_fingerprint(cfg.lake_dir) == before


def test_required_sheet_missing_is_an_error_naming_the_sheet(fixture_lake):
    cfg, path = fixture_lake
    _ok_workbook(path, skip=("8. Mortality caused by PM2.5",))
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[SOURCE], offline=True)
    message = str(info.value)
    assert "has no sheet '8. Mortality caused by PM2.5'" in message, message
    assert f"{SOURCE}/{WORKBOOK}" in message and "dataset his_pm25_mortality_fraction" in message
    assert stage.read_source_status(cfg)[SOURCE]["status"] == "error"
    assert not (cfg.lake_dir / SOURCE / "his_healthy_life_expectancy.parquet").exists()


def test_xls_where_xlsx_expected(fixture_lake, mirror_dir):
    cfg, path = fixture_lake
    shutil.copy(mirror_dir / "ons_mid_year_population" / next(
        p.name for p in (mirror_dir / "ons_mid_year_population").iterdir() if p.suffix == ".xls"), path)
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[SOURCE], offline=True)
    message = str(info.value)
    assert "should be an Excel .xlsx workbook (zip package) but its bytes are an old Excel .xls workbook" in message, message
    assert f"{SOURCE}/{WORKBOOK}" in message
