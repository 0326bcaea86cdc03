"""ONS ASHE Living Wage table on the real mirror zip (2022 provisional): ONS's own zip, its old BIFF .xls member,
sheet All plus the sex and working-pattern sheets, x suppression; and clear errors for wrong inputs.

Expected figures are the file's own (PROVENANCE.md of the mirror folder lists London 13.6%, Haringey 34.2%,
Tower Hamlets 5.7%, and the suppressed borough cells per sheet)."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.areas import INNER_OUTER_LONDON, LONDON_BOROUGHS
from ingest.sources.conform import FileContext, ParseError
from ingest.sources.formats import spreadsheet
from ingest.sources.registry import load_registry

from .helpers import ashe_zip, lake_fingerprint

SOURCE = "ons_ashe_living_wage"
ZIP = "livingwagebyworkgeography2022provisional.zip"
MEMBER = "PROV - Work Geography LWF Table 7 LWF.1a   lwfmgx 2022.xls"
AREAS = sorted(LONDON_BOROUGHS + INNER_OUTER_LONDON + ["E12000007", "E92000001"])
# London boroughs whose Per cent cell is "x", per sheet (PROVENANCE.md)
SUPPRESSED_BOROUGHS = {("Persons", None): 0, ("Male", None): 3, ("Female", None): 0,
                       ("Persons", "Full-time"): 6, ("Persons", "Part-time"): 0,
                       ("Male", "Full-time"): 26, ("Female", "Full-time"): 20,
                       ("Male", "Part-time"): 10, ("Female", "Part-time"): 5}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, mirror_dir):
    """The source ingested from the real mirror (offline) into a private data dir: (settings, summary, lake)."""
    cfg = settings(data_dir=tmp_path_factory.mktemp("ashe") / "data", mirror=mirror_dir)
    summary = stage.run(cfg, sources=[SOURCE], offline=True)
    return cfg, summary, pl.read_parquet(cfg.lake_dir / SOURCE / "living_wage_jobs_below.parquet")


def _row(df: pl.DataFrame, code: str, sex: str = "Persons", category: str | None = None) -> dict:
    cat = pl.col("category").is_null() if category is None else pl.col("category") == category
    rows = df.filter((pl.col("area_code") == code) & (pl.col("sex") == sex) & cat)
    assert rows.height == 1, (code, sex, category)
    return rows.row(0, named=True)


def test_all_areas_for_2022_from_sheet_all(ingested):
    _, summary, df = ingested
    assert summary == "1 sources, 1 datasets written, 0 unchanged, 0 unavailable (none)"
    assert df.height == 37 * 9
    headline = df.filter((pl.col("sex") == "Persons") & pl.col("category").is_null())
    assert sorted(headline["area_code"]) == AREAS
    assert set(df["period_label"]) == {"2022"}
    assert set(df["period_start"]) == {date(2022, 4, 1)} and set(df["period_end"]) == {date(2022, 4, 30)}
    assert set(df["indicator_id"]) == {"living_wage_jobs_below"} and set(df["source_id"]) == {SOURCE}
    assert set(df["age"]) == {"Adult rates of pay"}
    # the publisher's figures
    london = _row(df, "E12000007")
    assert (london["value"], london["count"], london["area_name"], london["area_type"]) == \
        (13.6, 575_000.0, "London", "region")         # "London " in the sheet: trailing space stripped
    assert _row(df, "E09000014")["value"] == 34.2     # Haringey
    assert _row(df, "E09000030")["value"] == 5.7      # Tower Hamlets
    assert _row(df, "E92000001")["value"] == 12.5
    inner, outer = _row(df, "E13000001"), _row(df, "E13000002")
    assert (inner["value"], inner["area_name"], inner["area_type"]) == (9.4, "Inner London", "sub_region")
    assert (outer["value"], outer["area_name"], outer["area_type"]) == (21.2, "Outer London", "sub_region")
    assert headline["value"].null_count() == 0
    # indented names ("  Haringey") are stripped; no non-London area, no "Not Classified" row, no footnote
    assert _row(df, "E09000014")["area_name"] == "Haringey"
    assert not df.filter(pl.col("area_name").str.contains("Classified|Source|Employees")).height


def test_breakdown_sheets_become_sex_and_working_pattern(ingested):
    _, _, df = ingested
    groups = df.group_by("sex", "category_type", "category").len()
    assert groups.height == 9 and set(groups["len"]) == {37}
    assert set(df["category_type"].drop_nulls()) == {"Working pattern"}
    assert set(df["category"].drop_nulls()) == {"Full-time", "Part-time"}
    assert df.filter(pl.col("category").is_null())["category_type"].null_count() == 3 * 37
    for (sex, category), n in SUPPRESSED_BOROUGHS.items():
        cat = pl.col("category").is_null() if category is None else pl.col("category") == category
        boroughs = df.filter((pl.col("area_type") == "borough") & (pl.col("sex") == sex) & cat)
        assert boroughs.height == 33
        assert boroughs["value"].null_count() == n, (sex, category)
    # suppressed: null (never zero) with the publisher's token in the note
    suppressed = df.filter(pl.col("value").is_null())
    assert suppressed.height == sum(SUPPRESSED_BOROUGHS.values())   # no London/Inner/Outer/England cell is x
    assert set(suppressed["value_note"]) == {"value suppressed or missing in source ('x')"}
    assert df.filter(pl.col("value").is_not_null())["value_note"].null_count() == df["value"].is_not_null().sum()
    assert (df["value"] == 0).sum() == 0
    assert _row(df, "E12000007", "Female")["value"] == 15.7
    assert _row(df, "E12000007", "Persons", "Part-time")["value"] == 38.1
    haringey_mft = _row(df, "E09000014", "Male", "Full-time")
    assert haringey_mft["value"] is None and haringey_mft["count"] is None
    # a suppressed job count does not hide a published percentage (Haringey, full-time: count x, 16.8%)
    haringey_ft = _row(df, "E09000014", "Persons", "Full-time")
    assert haringey_ft["value"] == 16.8 and haringey_ft["count"] is None


def test_editions_not_in_the_mirror_are_named_missing_files(ingested):
    cfg, _, _ = ingested
    registry = load_registry()
    files = {f.id: f for f in registry.source(SOURCE).files}
    assert files["ashe_2022_provisional"].mirror_path == f"{SOURCE}/{ZIP}"
    for f in files.values():
        edition = f.url.rsplit("/", 2)[-2]
        assert f.url.endswith(f"/{edition}/livingwagebyworkgeography{edition}.zip")
    status = stage.read_source_status(cfg)[SOURCE]
    assert status["status"] == "available"
    for fid in set(files) - {"ashe_2022_provisional"}:
        assert f"missing file {fid}:" in status["reason"]


def test_revised_edition_supersedes_the_provisional_one(tmp_path, mirror_dir):
    """With both 2022 editions in the mirror only the revised one is read (no duplicate 2022 rows). The
    revised zip here is the provisional member under the revised name, written in the test's temp dir."""
    mirror = tmp_path / "mirror"
    (mirror / SOURCE).mkdir(parents=True)
    shutil.copy(mirror_dir / SOURCE / ZIP, mirror / SOURCE / ZIP)
    with zipfile.ZipFile(mirror_dir / SOURCE / ZIP) as zf:
        xls = zf.read(MEMBER)
    with zipfile.ZipFile(mirror / SOURCE / "livingwagebyworkgeography2022revised.zip", "w") as zf:
        zf.writestr("Work Geography LWF Table 7 LWF.1a   lwfmgx 2022.xls", xls)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    df = pl.read_parquet(cfg.lake_dir / SOURCE / "living_wage_jobs_below.parquet")
    assert df.height == 333
    revised = (mirror / SOURCE / "livingwagebyworkgeography2022revised.zip").read_bytes()
    assert set(df["snapshot_sha256"]) == {hashlib.sha256(revised).hexdigest()}
    reason = stage.read_source_status(cfg)[SOURCE]["reason"]
    assert "file ashe_2022_provisional superseded by ashe_2022_revised" in reason


# --- errors: clear messages naming the source, the file and what is wrong ------------------------------------

def _ctx(path: Path, **options) -> FileContext:
    registry = load_registry()
    source = registry.source(SOURCE)
    dataset = source.datasets[0]
    f = source.file("ashe_2022_provisional")
    opts = {**source.options, **dataset.options, **f.options, **options}
    return FileContext(SOURCE, dataset.id, f.id, path, f.url, f.mirror_path, "0" * 64, opts)


def _parse(path: Path, **options):
    registry = load_registry()
    source = registry.source(SOURCE)
    return spreadsheet.parse(_ctx(path, **options), source.datasets[0], source, registry)


def test_zip_without_the_expected_member(tmp_path, mirror_dir):
    bad = tmp_path / "ashe.zip"
    with zipfile.ZipFile(mirror_dir / SOURCE / ZIP) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            if name != MEMBER:
                dst.writestr(name, src.read(name))
    with pytest.raises(ParseError) as exc:
        _parse(bad)
    msg = str(exc.value)
    assert f"source {SOURCE}" in msg and f"file {SOURCE}/{ZIP}" in msg
    assert "expected exactly one zip member matching 'PROV - Work Geography LWF Table 7 LWF.1a*2022.xls'" in msg
    assert "LWF.1b" in msg   # the members it does have are listed


def test_xlsx_where_an_xls_was_expected(tmp_path):
    fixture = ashe_zip(tmp_path / "fixture.zip")   # hand-written cells saved as .xlsx
    with zipfile.ZipFile(fixture) as zf:
        xlsx = zf.read(next(n for n in zf.namelist() if n.endswith(".xlsx")))
    bad = tmp_path / "ashe.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(MEMBER, xlsx)   # the expected name, the newer format's bytes
    with pytest.raises(ParseError) as exc:
        _parse(bad)
    msg = str(exc.value)
    assert f"source {SOURCE}" in msg and f"file {SOURCE}/{ZIP}" in msg
    assert f"{MEMBER!r} should be an old Excel .xls workbook (BIFF, OLE2 container) but its bytes are a zip " \
           "package (.xlsx/.ods)" in msg


def test_xls_where_an_xlsx_was_expected(tmp_path, mirror_dir):
    with zipfile.ZipFile(mirror_dir / SOURCE / ZIP) as zf:
        xls = zf.read(MEMBER)
    bad = tmp_path / "ashe.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("Work Geography LWF Table 7 LWF.1a   lwfmgx 2024.xlsx", xls)
    with pytest.raises(ParseError, match=r"should be an Excel \.xlsx workbook \(zip package\) but its bytes are an "
                                         r"old Excel \.xls workbook"):
        _parse(bad, zip_member="*Table 7 LWF.1a*.xlsx")


def test_sheet_missing_from_the_workbook(mirror_dir):
    sheets = [{"sheet": "All"}, {"sheet": "Disabled", "category_type": "Disability", "category": "Disabled"}]
    with pytest.raises(ParseError) as exc:
        _parse(mirror_dir / SOURCE / ZIP, sheets=sheets)
    msg = str(exc.value)
    assert f"source {SOURCE}" in msg and f"file {SOURCE}/{ZIP}" in msg
    assert f"{MEMBER!r} has no sheet 'Disabled'; the workbook has sheets ['Notes', 'All', 'Male'," in msg


def test_bad_sheets_option_is_named(mirror_dir):
    with pytest.raises(ParseError, match="must give both category_type and category"):
        _parse(mirror_dir / SOURCE / ZIP, sheets=[{"sheet": "Full-Time", "category": "Full-time"}])


def test_bad_zip_in_the_mirror_fails_the_source_and_keeps_the_lake(tmp_path, mirror_dir):
    mirror = tmp_path / "mirror"
    (mirror / SOURCE).mkdir(parents=True)
    shutil.copy(mirror_dir / SOURCE / ZIP, mirror / SOURCE / ZIP)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    before = lake_fingerprint(cfg.lake_dir)
    (mirror / SOURCE / ZIP).chmod(0o644)
    with zipfile.ZipFile(mirror / SOURCE / ZIP, "w") as zf:   # a new "edition" without the LA table
        zf.writestr("PROV - Work PC LWF Table 9 LWF.1a   lwfmgx 2022.xls", b"x")
    with pytest.raises(HisError, match=f"(?s)ingest failed .*source {SOURCE}, dataset living_wage_jobs_below, file "
                                       f"{SOURCE}/{ZIP}.*expected exactly one zip member"):
        stage.run(cfg, sources=[SOURCE])
    assert lake_fingerprint(cfg.lake_dir) == before
    assert stage.read_source_status(cfg)[SOURCE]["status"] == "error"
