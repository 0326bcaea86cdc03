"""Bad published files: a clear error naming source, file and problem; the lake is left exactly as it was."""

from __future__ import annotations

import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage

from .helpers import lake_fingerprint, private_mirror


@pytest.fixture()
def good_lake(tmp_path, mirror_dir):
    """A lake ingested from a private copy of the mirror whose files the test may break."""
    mirror = private_mirror(tmp_path, mirror_dir)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg)
    return cfg, mirror, lake_fingerprint(cfg.lake_dir)


def _fails(cfg, source, *patterns):
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[source])
    message = str(info.value)
    for p in patterns:
        assert p in message, message
    assert stage.read_source_status(cfg)[source]["status"] == "error"
    return message


def _rewrite(path, fn):
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_renamed_column(good_lake):
    cfg, mirror, before = good_lake
    _rewrite(mirror / "fingertips_lifestyle" / "adults_smoking.csv", lambda t: t.replace("area_code,", "areacode,", 1))
    _fails(cfg, "fingertips_lifestyle", "source fingertips_lifestyle", "fingertips_lifestyle/adults_smoking.csv",
           "missing column(s) 'area_code'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_missing_value_column(good_lake):
    cfg, mirror, before = good_lake
    path = mirror / "fingertips_lifestyle" / "active_adults.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:7]) for line in lines) + "\n", encoding="utf-8")
    _fails(cfg, "fingertips_lifestyle", "fingertips_lifestyle/active_adults.csv", "missing column(s) 'value'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_non_utf8_text(good_lake):
    cfg, mirror, before = good_lake
    path = mirror / "fingertips_lifestyle" / "inactive_adults.csv"
    data = path.read_bytes().replace(b",England,", ",Engl\u00e4nd,".encode("latin-1"), 1)
    path.write_bytes(data)
    _fails(cfg, "fingertips_lifestyle", "fingertips_lifestyle/inactive_adults.csv", "not UTF-8 text",
           "line 2")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_empty_file(good_lake):
    cfg, mirror, before = good_lake
    (mirror / "fingertips_lifestyle" / "active_children.csv").write_bytes(b"")
    _fails(cfg, "fingertips_lifestyle", "fingertips_lifestyle/active_children.csv", "the file is empty")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_header_only_file(good_lake):
    cfg, mirror, before = good_lake
    path = mirror / "fingertips_lifestyle" / "active_children.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    _fails(cfg, "fingertips_lifestyle", "active_children.csv", "no data rows")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_duplicate_keys(good_lake):
    cfg, mirror, before = good_lake
    path = mirror / "fingertips_lifestyle" / "adults_smoking.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    dup = next(line for line in lines if line.startswith("E09000002,"))
    path.write_text("\n".join(lines + [dup]) + "\n", encoding="utf-8")
    _fails(cfg, "fingertips_lifestyle", "adults_smoking.csv", "1 duplicate key(s)", "area_code=E09000002")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_non_numeric_value(good_lake):
    cfg, mirror, before = good_lake
    path = mirror / "fingertips_lifestyle" / "adults_smoking.csv"
    _rewrite(path, lambda t: t.replace(",Percentage,Persons,19.8,", ",Percentage,Persons,nineteen,", 1))
    _fails(cfg, "fingertips_lifestyle", "column 'value'", "'nineteen'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_wrong_sheet(good_lake, tmp_path):
    """The IMD workbook with its IMD sheet renamed (openpyxl rewrite): the error lists the sheets it has."""
    from openpyxl import load_workbook

    cfg, mirror, before = good_lake
    path = mirror / "mhclg_imd2019" / "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
    wb = load_workbook(path)
    wb["IMD"].title = "IMD 2019"
    wb.save(path)
    _fails(cfg, "mhclg_imd2019", "source mhclg_imd2019", "File_10_-_IoD2019", "no sheet 'IMD'", "'IMD 2019'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_renamed_spreadsheet_column(good_lake):
    from openpyxl import load_workbook

    cfg, mirror, before = good_lake
    path = mirror / "mhclg_imd2019" / "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
    wb = load_workbook(path)
    wb["IMD"]["E1"] = "IMD score"
    wb.save(path)
    _fails(cfg, "mhclg_imd2019", "missing column 'IMD - Average score'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_duplicated_month_in_the_datastore_csv(good_lake, mirror_dir):
    """The London Datastore CSV repeats "Dec-12" (it is Dec-13 in the workbook): an error by default,
    dropped with `duplicate_periods: keep_first`."""
    import polars as pl
    import yaml

    from ingest.sources.registry import registry_document

    cfg, _mirror, before = good_lake
    doc = registry_document()
    src = next(s for s in doc["sources"] if s["id"] == "gla_london_air_quality")
    src["files"][0].update(mirror_path="gla_london_air_quality/air-quality-london-monthly-averages.csv", ext="csv",
                           url="https://files.datapress.com/london/dataset/london-average-air-quality-levels/"
                               "2018-03-23T11:58:28.61/air-quality-london-monthly-averages.csv")
    opts = src["datasets"][0]["options"]
    opts.update(header_row=0, header_rows=1)
    registry = cfg.data_dir / "registry.yml"
    registry.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(HisError, match=r"air-quality-london-monthly-averages.csv.*duplicate key.*period_label=2012-12"):
        stage.run(cfg, sources=["gla_london_air_quality"], registry=registry)
    assert lake_fingerprint(cfg.lake_dir) == before
    opts["duplicate_periods"] = "keep_first"
    registry.write_text(yaml.safe_dump(doc), encoding="utf-8")
    stage.run(cfg, sources=["gla_london_air_quality"], registry=registry)
    df = pl.read_parquet(cfg.lake_dir / "gla_london_air_quality" / "london_air_quality_monthly.parquet")
    pm25 = df.filter(pl.col("indicator_id") == "pm25_concentration_background")
    assert pm25.height == 138 and pm25["period_label"].n_unique() == 138
    assert pm25.filter(pl.col("period_label") == "2008-01")["value_note"].item() == \
        "value suppressed or missing in source ('.')"
