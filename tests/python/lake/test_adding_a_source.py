"""The README walkthrough "Adding an indicator source", done for real in a temporary copy of the project:
a registry entry for a new (hand-written fixture) Fingertips API indicator, its catalogue row and one
staging model; then `his ingest` and a real `dbt build`, and the rows reach fct_indicator_value."""

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

REGISTRY_ENTRY = """
  - id: fingertips_smoking_routine_manual
    title: Smoking prevalence in adults in routine and manual occupations (18-64)
    publisher: OHID Fingertips (Tobacco Control profile; ONS Annual Population Survey)
    licence: Open Government Licence v3.0
    homepage: https://fingertips.phe.org.uk/profile/tobacco-control
    required: false
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
                 "92445,5,5.3,Open Government Licence v3.0\n")


def _copy_project(src: Path, dest: Path) -> None:
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(src / name, dest / name)
    for folder in ("models", "macros", "seeds", "tests/dbt", "ingest/sources"):
        shutil.copytree(src / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))


@pytest.mark.slow
def test_new_fixture_source_reaches_fct_indicator_value(tmp_path, project_root, mirror_dir):
    proj = tmp_path / "project"
    proj.mkdir()
    _copy_project(project_root, proj)

    # 1. registry entry
    registry = proj / "ingest" / "sources" / "registry.yml"
    registry.write_text(registry.read_text(encoding="utf-8") + REGISTRY_ENTRY, encoding="utf-8")
    # 2. catalogue row
    catalogue = proj / "seeds" / "reference" / "indicator_catalogue.csv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + CATALOGUE_ROW, encoding="utf-8")
    # 3. one staging model (three files, copied from an existing indicator source and renamed)
    src_id, template = "fingertips_smoking_routine_manual", "fingertips_api"
    folder = proj / "models" / "staging" / src_id
    folder.mkdir()
    (folder / f"_{src_id}__sources.yml").write_text(f"""version: 2
sources:
  - name: {src_id}
    description: "Smoking prevalence in adults in routine and manual occupations (Fingertips 92445)."
    meta:
      external_location: "{{{{ env_var('HIS_DATA_DIR', 'data') }}}}/lake/{src_id}/{{name}}.parquet"
    tables:
      - name: smoking_routine_manual
        description: "Indicator smoking_routine_manual in the canonical long shape."
""", encoding="utf-8")
    models_yml = (proj / "models" / "staging" / template / f"_{template}__models.yml").read_text(encoding="utf-8")
    (folder / f"_{src_id}__models.yml").write_text(models_yml.replace(template, src_id), encoding="utf-8")
    (folder / f"stg_{src_id}__indicator_values.sql").write_text(
        "{{ config(tags=['indicator']) }}\n"
        f"{{{{ indicator_staging([lake_source('{src_id}', 'smoking_routine_manual')]) }}}}\n", encoding="utf-8")
    # ... and list it for the union
    project_yml = proj / "dbt_project.yml"
    text = project_yml.read_text(encoding="utf-8")
    anchor = "    - stg_ons_ashe_living_wage__indicator_values\n"
    assert anchor in text
    project_yml.write_text(text.replace(anchor, anchor + f"    - stg_{src_id}__indicator_values\n"), encoding="utf-8")

    # the fixture file plays the published file in a private mirror beside the real sources
    mirror = private_mirror(tmp_path, mirror_dir)
    (mirror / src_id).mkdir()
    shutil.copy(FIXTURES / "fingertips_api" / "smoking_routine_manual.csv", mirror / src_id)

    cfg = settings(project_root=proj, data_dir=tmp_path / "data", mirror=mirror)
    summary = stage.run(cfg)
    assert "11 sources, 15 datasets written" in summary
    dbt_runner.run(BuildContext.of(cfg, command="dbt"))

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
