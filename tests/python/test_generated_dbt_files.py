"""The dbt sources and indicator staging models are derived from the source registry (pipeline.codegen):
the committed copies must match what the registry yields, and the generator must notice drift."""

from __future__ import annotations

import shutil

import pytest

from ingest.errors import HisError
from ingest.sources.registry import load_registry
from pipeline import codegen


def test_committed_dbt_files_match_the_registry(project_root):
    codegen.generate(project_root, check=True)  # raises naming the files when they drifted


def test_every_registry_source_has_one_documented_dbt_source(project_root):
    registry = load_registry()
    files = codegen.expected_files(registry)
    for source in registry.sources:
        text = files[codegen.Path("models/staging") / source.id / f"_{source.id}__sources.yml"]
        assert f"- name: {source.id}" in text and source.licence.split(";")[0] in text
        assert all(f"- name: {d.id}" in text for d in source.datasets)
    listed = files[codegen.MACRO_PATH]
    assert all(f"'stg_{s.id}__indicator_values'" in listed for s in codegen.indicator_sources(registry))


def test_drift_is_detected_and_regenerated(tmp_path, project_root):
    for folder in ("models", "macros", "seeds", "ingest/registry"):
        shutil.copytree(project_root / folder, tmp_path / folder)
    sql = next((tmp_path / "models" / "staging" / "fingertips_api").glob("stg_*.sql"))
    sql.write_text(sql.read_text() + "-- edited by hand\n")
    stale = tmp_path / "models" / "staging" / "gone_source" / "_gone_source__sources.yml"
    stale.parent.mkdir()
    stale.write_text(f"# {codegen.HEADER.format(source='gone_source')}\nversion: 2\n")
    with pytest.raises(HisError, match=r"out of date: .*stg_fingertips_api__indicator_values.sql.*gone_source"):
        codegen.generate(tmp_path, check=True)
    changed = codegen.generate(tmp_path)
    assert len(changed) == 2 and not stale.exists()
    codegen.generate(tmp_path, check=True)
