"""DfT walking and cycling tables (CW0302 cycling, CW0301 walking or cycling): the published ODS workbook read
by the generic ``spreadsheet`` format (sheet per purpose, one column per survey year unpivoted, one indicator
per frequency), on the real mirror bytes and on hand-written fixtures for what the real London rows lack."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.areas import ENGLAND, LONDON, LONDON_BOROUGHS

from .helpers import fixture_cells, lake_fingerprint, ods_workbook

SOURCE = "dft_cw0302_cycling_by_la"
DATASETS = {"cycling_travel": "Travel", "cycling_leisure": "Leisure", "cycling_any_purpose": "Any"}
FREQUENCIES = ["1x_month", "1x_week", "3x_week", "5x_week"]
SURVEY_YEARS = ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]


@pytest.fixture(scope="module")
def cycling_lake(tmp_path_factory, mirror_dir):
    cfg = settings(data_dir=tmp_path_factory.mktemp("cycling") / "data", mirror=mirror_dir)
    summary = stage.run(cfg, sources=[SOURCE], offline=True)
    return cfg, summary


def _frame(cfg, dataset):
    return pl.read_parquet(cfg.lake_dir / SOURCE / f"{dataset}.parquet")


def test_real_ods_three_purposes_four_frequencies_every_borough_to_2021(cycling_lake):
    cfg, summary = cycling_lake
    assert summary == "1 sources, 3 datasets written, 0 unchanged, 0 unavailable (none)"
    for dataset in DATASETS:
        df = _frame(cfg, dataset)
        assert sorted(df["indicator_id"].unique()) == [f"{dataset}_{f}" for f in FREQUENCIES]
        assert sorted(df["area_code"].unique()) == sorted(LONDON_BOROUGHS + [LONDON, ENGLAND])
        assert sorted(df["period_label"].unique()) == SURVEY_YEARS
        assert df.height == 4 * 35 * 6
        # London has an estimate for every borough, frequency and year (the [note 6] gaps are elsewhere)
        assert df["value"].null_count() == 0 and df["value_note"].null_count() == df.height
        assert df["value"].min() >= 0 and df["value"].max() <= 100
        assert set(df["sex"]) == {"Persons"} and set(df["age"]) == {"16+ yrs"}
        assert df["category_type"].null_count() == df.height


def test_real_ods_values_are_the_stored_doubles(cycling_lake):
    """Hackney, cycling for travel at least 5 times a week, survey year to mid-Nov 2021: the workbook stores
    3.84513665450502 (its cell text shows 3.8); 2016 (year to mid-Nov 2016) stores 9.2198."""
    cfg, _ = cycling_lake
    df = _frame(cfg, "cycling_travel").filter((pl.col("indicator_id") == "cycling_travel_5x_week")
                                              & (pl.col("area_code") == "E09000012"))
    latest = df.filter(pl.col("period_label") == "2020/21").row(0, named=True)
    assert latest["value"] == 3.84513665450502
    assert (latest["period_start"], latest["period_end"]) == (date(2020, 11, 15), date(2021, 11, 14))
    assert latest["area_name"] == "Hackney" and latest["area_type"] == "borough"
    assert df.filter(pl.col("period_label") == "2015/16")["value"].item() == 9.2198
    london = _frame(cfg, "cycling_travel").filter((pl.col("indicator_id") == "cycling_travel_5x_week")
                                                  & (pl.col("area_code") == LONDON) & (pl.col("period_label") == "2020/21"))
    assert london["value"].item() == 1.7988196992186001 and london["area_type"].item() == "region"


def test_note_6_cells_outside_london_need_the_null_tokens_option(tmp_path, mirror_dir):
    """The workbook's 116 "[note 6]" cells per sheet (reorganised areas, no early estimate) are read as
    markers, not numbers: without the registry's null_tokens the file is rejected, naming the marker."""
    import yaml

    from ingest.sources.registry import registry_document

    doc = registry_document()
    entry = next(s for s in doc["sources"] if s["id"] == SOURCE)
    del entry["options"]["null_tokens"]
    doc["sources"] = [entry]
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    with pytest.raises(HisError, match=r"neither numbers nor a known suppression marker: '\[note 6\]'"):
        stage.run(cfg, sources=[SOURCE], registry=path)


# --- CW0301 (not in the mirror): the same layout, on a hand-written fixture workbook --------------------------

CW0301 = "dft_cw0301_walking_cycling_by_la"


def _cw0301_mirror(tmp_path, sheets=None, name="cw0301.ods"):
    mirror = tmp_path / "mirror"
    cells = fixture_cells(f"{CW0301}/cw0301_sheet.csv")
    sheets = sheets if sheets is not None else {"Notes": [["Hand-written test fixture; not DfT data."]], "CW0301": cells}
    ods_workbook(mirror / CW0301 / name, sheets)
    return mirror


def test_cw0301_fixture_suppressed_cells_are_null_with_the_token(tmp_path):
    cfg = settings(data_dir=tmp_path / "data", mirror=_cw0301_mirror(tmp_path))
    assert stage.run(cfg, sources=[CW0301], offline=True).startswith("1 sources, 1 datasets written")
    df = pl.read_parquet(cfg.lake_dir / CW0301 / "walking_or_cycling_any_purpose.parquet")
    assert "E06000001" not in df["area_code"].to_list()               # Hartlepool: not London
    bd = df.filter(pl.col("area_code") == "E09000002")
    month = bd.filter(pl.col("indicator_id") == "walking_or_cycling_any_purpose_1x_month").sort("period_label")
    assert month["value"].to_list() == [None, None, 75.5]
    assert month["value_note"].to_list() == ["value suppressed or missing in source ('[note 6]')"] * 2 + [None]
    five = bd.filter((pl.col("indicator_id") == "walking_or_cycling_any_purpose_5x_week")
                     & (pl.col("period_label") == "2019/20")).row(0, named=True)
    assert five["value"] is None and five["value_note"] == "value suppressed or missing in source ('[x]')"
    # the Travel row of the fixture is not taken for the any-purpose indicator
    eng = df.filter((pl.col("area_code") == ENGLAND) & (pl.col("indicator_id") == "walking_or_cycling_any_purpose_5x_week"))
    assert sorted(eng["value"].to_list()) == [39.75, 40.5, 41.0]
    assert sorted(df["period_label"].unique()) == ["2018/19", "2019/20", "2020/21"]


def test_cw0301_unavailable_offline_without_the_file(tmp_path):
    (tmp_path / "empty").mkdir()
    cfg = settings(data_dir=tmp_path / "data", mirror=tmp_path / "empty")
    summary = stage.run(cfg, sources=[CW0301], offline=True)
    assert summary.endswith(f"1 unavailable ({CW0301})")
    assert pl.read_parquet(cfg.lake_dir / CW0301 / "walking_or_cycling_any_purpose.parquet").height == 0


def _good_then_broken(tmp_path, break_with):
    mirror = _cw0301_mirror(tmp_path)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg, sources=[CW0301], offline=True)
    before = lake_fingerprint(cfg.lake_dir)
    break_with(mirror / CW0301 / "cw0301.ods")
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[CW0301], offline=True)
    assert lake_fingerprint(cfg.lake_dir) == before                   # the accepted lake is untouched
    assert stage.read_source_status(cfg)[CW0301]["status"] == "error"
    return str(info.value)


def test_missing_sheet_names_the_sheets_the_workbook_has(tmp_path):
    def rename_sheet(path):
        ods_workbook(path, {"Notes": [["x"]], "CW0301 (2022)": fixture_cells(f"{CW0301}/cw0301_sheet.csv")})

    message = _good_then_broken(tmp_path, rename_sheet)
    assert f"source {CW0301}" in message and "cw0301.ods" in message
    assert "no sheet 'CW0301'" in message and "'CW0301 (2022)'" in message


def test_xlsx_given_where_ods_is_expected(tmp_path):
    from openpyxl import Workbook

    def save_as_xlsx(path):
        wb = Workbook()
        ws = wb.active
        ws.title = "CW0301"
        for row in fixture_cells(f"{CW0301}/cw0301_sheet.csv"):
            ws.append(row)
        wb.save(path)                                                 # xlsx bytes under the .ods name

    message = _good_then_broken(tmp_path, save_as_xlsx)
    assert f"file {CW0301}/cw0301.ods" in message
    assert "should be an OpenDocument .ods spreadsheet (zip package) but its bytes are a zip " \
           "package (.xlsx/.ods) holding an Excel .xlsx workbook" in message, message


def test_renamed_frequency_is_an_error_naming_what_the_column_holds(tmp_path):
    def rename_frequency(path):
        cells = [[c.replace("At least 5 times per week", "5+ times a week") for c in row]
                 for row in fixture_cells(f"{CW0301}/cw0301_sheet.csv")]
        ods_workbook(path, {"CW0301": cells})

    message = _good_then_broken(tmp_path, rename_frequency)
    assert "walking_or_cycling_any_purpose_5x_week" in message and "'5+ times a week'" in message


def test_workbook_kind_comes_from_the_bytes(tmp_path, mirror_dir):
    """ods / xlsx / xls are told apart by their bytes (zip members, OLE2 signature), not by the file name."""
    from openpyxl import Workbook

    from ingest.sources.formats.spreadsheet import workbook_kind

    assert workbook_kind((mirror_dir / SOURCE / "cw0302.ods").read_bytes()) == "ods"
    path = ods_workbook(tmp_path / "t.ods", {"S": [["a"]]})
    assert workbook_kind(path.read_bytes()) == "ods"

    wb = Workbook()
    wb.save(tmp_path / "real.xlsx")
    assert workbook_kind((tmp_path / "real.xlsx").read_bytes()) == "xlsx"
    assert workbook_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "xls"
    assert workbook_kind(b"ONS Code,Area name\n") is None
