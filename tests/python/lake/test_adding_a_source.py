"""The README walkthrough "Adding an indicator source", done for real in a temporary copy of the project:
a registry file for a new (hand-written fixture) Fingertips API indicator and its catalogue row, nothing
else; then `his ingest` and the `dbt` stage (which generates the dbt source and staging model from the
registry), and the rows reach fct_indicator_value."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.config import settings
from ingest.sources import stage
from pipeline import warehouse as dbt_runner
from pipeline.context import BuildContext

from .helpers import FIXTURES, private_mirror

REGISTRY_ENTRY = """\
id: fingertips_smoking_routine_manual
title: Smoking prevalence in adults in routine and manual occupations (18-64)
publisher: OHID Fingertips (Tobacco Control profile; ONS Annual Population Survey)
licence: Open Government Licence v3.0
homepage: https://fingertips.phe.org.uk/profile/tobacco-control
required: false
cadence: annual
format: fingertips_api_csv
files:
  - id: api
    url: https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=92445&area_type_id=101
    mirror_path: fingertips_smoking_routine_manual/smoking_routine_manual.csv
    ext: csv
datasets:
  - id: smoking_routine_manual
    kind: indicator
    options: {period_type: calendar_year}
    indicators:
      - id: smoking_routine_manual
        fingertips_id: 92445
"""

CATALOGUE_ROW = ("smoking_routine_manual,Smoking prevalence in adults in routine and manual occupations (18-64),"
                 "Percentage of adults aged 18-64 in routine and manual occupations who currently smoke (APS),"
                 "percent,proportion,lower_is_better,0,100,fingertips_smoking_routine_manual,smoking_routine_manual,"
                 "92445,5,5.3,Open Government Licence v3.0,9\n")


def _copy_project(src: Path, dest: Path) -> None:
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(src / name, dest / name)
    for folder in ("models", "macros", "seeds", "tests/dbt", "ingest/sources", "ingest/registry"):
        shutil.copytree(src / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))


@pytest.mark.slow
def test_new_fixture_source_reaches_fct_indicator_value(tmp_path, project_root, mirror_dir):
    proj = tmp_path / "project"
    proj.mkdir()
    _copy_project(project_root, proj)

    src_id = "fingertips_smoking_routine_manual"
    # 1. registry entry: one new file
    (proj / "ingest" / "registry" / f"{src_id}.yml").write_text(REGISTRY_ENTRY, encoding="utf-8")
    # 2. catalogue row
    catalogue = proj / "seeds" / "reference" / "indicator_catalogue.csv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + CATALOGUE_ROW, encoding="utf-8")

    # the fixture file plays the published file in a private mirror beside the real sources
    mirror = private_mirror(tmp_path, mirror_dir)
    (mirror / src_id).mkdir()
    shutil.copy(FIXTURES / "fingertips_api" / "smoking_routine_manual.csv", mirror / src_id)

    cfg = settings(project_root=proj, data_dir=tmp_path / "data", mirror=mirror)
    summary = stage.run(cfg)
    assert "fingertips_smoking_routine_manual" not in summary.split("unavailable")[-1]  # it was read
    dbt_runner.run(BuildContext.of(cfg, command="dbt"))
    # the dbt stage generated the source's dbt files from the registry entry
    folder = proj / "models" / "staging" / "fingertips_smoking_routine_manual"
    assert sorted(f.name for f in folder.iterdir()) == [
        "_fingertips_smoking_routine_manual__models.yml", "_fingertips_smoking_routine_manual__sources.yml",
        "stg_fingertips_smoking_routine_manual__indicator_values.sql"]

    con = duckdb.connect(str(cfg.warehouse))
    try:
        rows = con.execute(
            "select area_code, value, lower_ci, upper_ci, value_note from fct_indicator_value "
            "where indicator_id = 'smoking_routine_manual' order by area_code").fetchall()
        dim = con.execute("select unit, polarity from dim_indicator where indicator_id = 'smoking_routine_manual'"
                          ).fetchall()
    finally:
        con.close()
    assert dim == [("percent", "lower_is_better")]
    assert [r[0] for r in rows] == ["E09000001", "E09000005", "E09000006", "E12000007", "E92000001"]
    brent = rows[1]
    assert brent[1:4] == (21.4, 13.9, 28.9)
    assert rows[0][1] is None and rows[0][4] == "Value cannot be calculated as number of cases is too small"
