"""Registry validation of dataset kind ``returns``: read by a returns format only, keyed by return_id, no
indicators; and the generated dbt files of a returns source (staging model, models yml, union list)."""

from __future__ import annotations

import copy

import pytest
import yaml

from ingest.errors import HisError
from ingest.sources.registry import load_registry, registry_document
from pipeline import codegen


def _entry():
    doc = registry_document()
    return copy.deepcopy(next(s for s in doc["sources"] if s["id"] == "gla_programme_returns"))


def _load(tmp_path, entry):
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return load_registry(path)


def test_the_returns_entry_loads_as_kind_returns(tmp_path):
    d = _load(tmp_path, _entry()).dataset("programme_returns")
    assert (d.kind, d.key_columns, d.indicators) == ("returns", ["return_id"], [])


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(format="spreadsheet"), "a returns dataset is read by a returns format (programme_returns), not 'spreadsheet'"),
    (lambda e: e["datasets"][0].update(kind="reference", key_columns=["return_id"]),
     "format 'programme_returns' reads returns datasets only (kind: returns), got kind 'reference'"),
    (lambda e: e["datasets"][0].update(key_columns=["measure"]), "a returns dataset is keyed by ['return_id']"),
    (lambda e: e["datasets"][0].update(indicators=[{"id": "x"}]), "a returns dataset carries no indicators"),
    (lambda e: e["datasets"][0].update(kind="returnz"), "kind must be one of ['indicator', 'reference', 'returns']"),
])
def test_a_wrong_returns_entry_is_rejected_naming_the_field(tmp_path, change, message):
    entry = _entry()
    change(entry)
    with pytest.raises(HisError) as info:
        _load(tmp_path, entry)
    assert message in str(info.value) and "gla_programme_returns" in str(info.value)


def test_generated_files_of_a_returns_source(tmp_path):
    entry = _entry()
    second = copy.deepcopy(entry)
    second["id"] = "team_returns"
    second["datasets"][0]["id"] = "team_returns_2025q1"
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": [entry, second]}), encoding="utf-8")
    files = codegen.expected_files(load_registry(path))
    macro = files[codegen.RETURNS_MACRO_PATH]
    assert "'stg_gla_programme_returns__programme_returns',\n    'stg_team_returns__team_returns_2025q1'" in macro
    sql = files[codegen.Path("models/staging/team_returns/stg_team_returns__team_returns_2025q1.sql")]
    assert "{{ config(tags=['returns']) }}" in sql
    assert "returns_staging(lake_source('team_returns', 'team_returns_2025q1'))" in sql
    models = yaml.safe_load(files[codegen.Path("models/staging/team_returns/_team_returns__models.yml")])
    model = models["models"][0]
    assert model["name"] == "stg_team_returns__team_returns_2025q1"
    assert [c["name"] for c in model["columns"]][:3] == ["return_id", "target_ids", "measure"]
    assert not any("indicator_values" in str(p) for p in files if "team_returns" in str(p))
