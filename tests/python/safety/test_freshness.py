"""Freshness is declared, not guessed (issue 15): every registry source states its publisher's cadence, a
validated field; the generated dbt sources carry matching freshness thresholds and a ``loaded_at_query`` on
``edition_at`` of ``data/lake/source_status.csv``; ``dbt source freshness`` on DuckDB passes, warns and errors
by the edition's age (slow test: real dbt on a real ingest of the mirror)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.registry import CADENCES, load_registry, registry_document
from pipeline import codegen

SOURCE = "fingertips_ncmp_obesity"


def test_every_source_declares_a_known_cadence():
    registry = load_registry()
    assert {s.id: s.cadence for s in registry.sources}[SOURCE] == "annual"
    assert all(s.cadence in CADENCES for s in registry.sources)
    assert {s.cadence for s in registry.sources if s.id.startswith("mhclg_imd")} == {"one-off"}


@pytest.mark.parametrize(("cadence", "message"), [
    (None, "missing required field 'cadence'"),
    ("yearly", "cadence must be one of monthly, quarterly, annual, biennial, one-off"),
])
def test_a_missing_or_unknown_cadence_is_rejected(tmp_path, cadence, message):
    doc = registry_document()
    entry = next(s for s in doc["sources"] if s["id"] == SOURCE)
    entry.pop("cadence")
    if cadence:
        entry["cadence"] = cadence
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(HisError, match=rf"source '{SOURCE}': {message}"):
        load_registry(path)


def test_generated_sources_carry_freshness_from_the_cadence():
    files = codegen.expected_files(load_registry())
    annual = yaml.safe_load(files[Path(f"models/staging/{SOURCE}/_{SOURCE}__sources.yml")])["sources"][0]
    assert annual["config"]["freshness"] == {"warn_after": {"count": 400, "period": "day"},
                                             "error_after": {"count": 760, "period": "day"}}
    assert "lake/source_status.csv" in annual["config"]["loaded_at_query"]
    assert f"where source_id = '{SOURCE}'" in annual["config"]["loaded_at_query"]
    one_off = yaml.safe_load(files[Path("models/staging/mhclg_imd2019/_mhclg_imd2019__sources.yml")])["sources"][0]
    assert "config" not in one_off  # a fixed edition is never overdue


def _freshness(project_root: Path, cfg, tmp_path: Path) -> tuple[int, str]:
    env = {**os.environ, "HIS_DATA_DIR": str(cfg.data_dir), "HIS_WAREHOUSE": str(tmp_path / "w.duckdb")}
    out = tmp_path / "target"
    proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), "source", "freshness", "--profiles-dir", ".",
                           "--target-path", str(out), "--select", f"source:{SOURCE}"],
                          check=False, cwd=project_root, env=env, capture_output=True, text=True, timeout=300)
    results = json.loads((out / "sources.json").read_text())["results"]
    return proc.returncode, sorted({r["status"] for r in results})


def _age_edition(cfg, days: int) -> None:
    path = stage.status_path(cfg)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    for r in rows:
        if r["source_id"] == SOURCE:
            r["edition_at"] = when
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=stage.STATUS_COLUMNS)
        w.writeheader()
        w.writerows(rows)


@pytest.mark.slow
def test_dbt_source_freshness_passes_warns_and_errors_by_the_editions_age(tmp_path, mirror_dir, project_root):
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    stage.run(cfg, sources=[SOURCE])
    status = stage.read_source_status(cfg)[SOURCE]
    assert (status["cadence"], status["overdue_after_days"]) == ("annual", "400")
    # the mirror copy's time (no Last-Modified from a mirror): when the file was taken from the publisher
    mtime = datetime.fromtimestamp((mirror_dir / SOURCE / "obese_year6.csv").stat().st_mtime, UTC)
    assert abs(datetime.fromisoformat(status["edition_at"]) - mtime) < timedelta(seconds=2)
    if datetime.now(UTC) - mtime < timedelta(days=400):
        assert _freshness(project_root, cfg, tmp_path) == (0, ["pass"])
    _age_edition(cfg, 500)
    assert _freshness(project_root, cfg, tmp_path) == (0, ["warn"])
    _age_edition(cfg, 800)
    assert _freshness(project_root, cfg, tmp_path) == (1, ["error"])
