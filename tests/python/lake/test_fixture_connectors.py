"""Connectors on hand-written fixtures in the official formats: for sources the mirror lacks, and for the
layouts the mirror does not show (an ASHE edition published as .xlsx)."""

from __future__ import annotations

import shutil
from datetime import date

import polars as pl
import yaml

from ingest.config import settings
from ingest.sources import stage
from ingest.sources.registry import registry_document

from .helpers import FIXTURES, ashe_zip

ASHE_FIXTURE_ZIP = "ons_ashe_living_wage/fixture_lwf2024.zip"


def _mirror_with(tmp_path, mirror_dir):
    mirror = tmp_path / "mirror"
    (mirror / "fingertips_api").mkdir(parents=True)
    shutil.copy(FIXTURES / "fingertips_api" / "excess_weight_reception.csv", mirror / "fingertips_api")
    ashe_zip(mirror / ASHE_FIXTURE_ZIP)
    return mirror


def _ashe_xlsx_registry(tmp_path):
    """The registry with the ASHE entry reading one fixture edition as .xlsx (sheet All only): how a future
    edition in the newer format would be registered (per-file zip_member with the .xlsx extension)."""
    doc = registry_document()
    entry = next(s for s in doc["sources"] if s["id"] == "ons_ashe_living_wage")
    url = entry["files"][-1]["url"]
    entry["files"] = [{"id": "fixture_2024", "url": url, "mirror_path": ASHE_FIXTURE_ZIP, "ext": "zip",
                       "options": {"period": {"value": "2024"}, "zip_member": "*Table 7 LWF.1a*.xlsx"}}]
    entry["datasets"][0]["options"]["sheets"] = [{"sheet": "All"}]
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_fingertips_api_csv_keeps_ci_count_denominator_and_notes(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=_mirror_with(tmp_path, mirror_dir))
    summary = stage.run(cfg, sources=["fingertips_api"])
    assert summary.startswith("1 sources, 1 datasets written")
    df = pl.read_parquet(cfg.lake_dir / "fingertips_api" / "excess_weight_reception.parquet")
    # Amber Valley (not London) dropped; England, London, 3 boroughs 2022/23, decile row, 2 rows 2023/24
    assert df.height == 8
    bd = df.filter((pl.col("area_code") == "E09000002") & (pl.col("period_label") == "2022/23")).row(0, named=True)
    assert (bd["value"], bd["lower_ci"], bd["upper_ci"], bd["count"], bd["denominator"]) == (24.6, 23.3, 25.9, 1010.0, 4100.0)
    assert bd["sex"] == "Persons" and bd["age"] == "4-5 yrs" and bd["area_type"] == "borough"
    assert (bd["period_start"], bd["period_end"]) == (date(2022, 9, 1), date(2023, 8, 31))
    city = df.filter(pl.col("area_code") == "E09000001").row(0, named=True)
    assert city["value"] is None and city["count"] is None
    assert city["value_note"] == "Value suppressed for disclosure control due to small count"
    london = df.filter(pl.col("area_code") == "E12000007").row(0, named=True)
    assert london["area_type"] == "region" and london["value"] == 20.1
    decile = df.filter(pl.col("category_type").is_not_null()).row(0, named=True)
    assert decile["category"] == "Most deprived decile (IMD2019)" and decile["area_code"] == "E92000001"
    # the two other files of the source are not in this mirror: still "available" with the reason
    status = stage.read_source_status(cfg)["fingertips_api"]
    assert status["status"] == "available" and "20602" in status["reason"]


def test_ashe_zip_xlsx_sheet_all(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=_mirror_with(tmp_path, mirror_dir))
    stage.run(cfg, sources=["ons_ashe_living_wage"], registry=_ashe_xlsx_registry(tmp_path))
    df = pl.read_parquet(cfg.lake_dir / "ons_ashe_living_wage" / "living_wage_jobs_below.parquet")
    assert sorted(df["area_code"]) == ["E09000001", "E09000002", "E09000003", "E12000007", "E92000001"]
    bd = df.filter(pl.col("area_code") == "E09000002").row(0, named=True)
    assert bd["value"] == 13.1 and bd["count"] == 9000.0 and bd["indicator_id"] == "living_wage_jobs_below"
    assert bd["period_label"] == "2024" and bd["period_start"] == date(2024, 4, 1)
    assert bd["area_name"] == "Barking and Dagenham"
    city = df.filter(pl.col("area_code") == "E09000001").row(0, named=True)
    assert city["value"] is None and city["count"] is None and city["value_note"] == \
        "value suppressed or missing in source ('x')"


def test_offline_without_copies_reports_unavailable_and_goes_on(tmp_path, mirror_dir):
    mirror = tmp_path / "mirror"   # a mirror without any ASHE edition
    shutil.copytree(mirror_dir / "fingertips_lifestyle", mirror / "fingertips_lifestyle")
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    summary = stage.run(cfg, sources=["ons_ashe_living_wage", "fingertips_lifestyle"], offline=True)
    assert summary == "2 sources, 4 datasets written, 0 unchanged, 1 unavailable (ons_ashe_living_wage)"
    placeholder = pl.read_parquet(cfg.lake_dir / "ons_ashe_living_wage" / "living_wage_jobs_below.parquet")
    assert placeholder.height == 0 and "indicator_id" in placeholder.columns
    status = stage.read_source_status(cfg)
    assert status["ons_ashe_living_wage"]["status"] == "unavailable"
    assert "ons_ashe_living_wage" in status["ons_ashe_living_wage"]["reason"]
