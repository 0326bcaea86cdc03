"""The source registry: the real file loads, matches the catalogue, and bad entries fail clearly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from ingest.errors import HisError
from ingest.sources.registry import load_registry, registry_document


def test_registry_loads_every_mirrored_source():
    reg = load_registry()
    ids = {s.id for s in reg.sources}
    assert {"fingertips_ncmp_obesity", "fingertips_lifestyle", "fingertips_life_expectancy",
            "ons_sdg_air_pollution_mortality", "gla_london_air_quality", "mhclg_imd2019", "mhclg_imd2025",
            "ons_mid_year_population", "ons_london_boroughs_boundaries", "ons_ashe_living_wage", "fingertips_api"} <= ids
    for s in reg.sources:
        assert s.licence and s.publisher and s.homepage.startswith("https://")
        for f in s.files:
            assert f.url.startswith("https://"), f
    assert reg.source("ons_sdg_air_pollution_mortality").datasets[0].indicators == [
        "pm25_mortality_fraction_old", "pm25_mortality_fraction_new"]
    assert reg.dataset("ncmp_obesity_reception").lake_path(type("C", (), {"lake_dir": Path("/x/lake")})) == \
        Path("/x/lake/fingertips_ncmp_obesity/ncmp_obesity_reception.parquet")


def test_every_registry_indicator_has_a_catalogue_row_and_back(project_root):
    reg = load_registry()
    with (project_root / "seeds" / "reference" / "indicator_catalogue.csv").open(encoding="utf-8") as fh:
        catalogue = {r["indicator_id"]: r for r in csv.DictReader(fh)}
    registry = {i: d for d in reg.datasets() for i in d.indicators}
    assert set(registry) == set(catalogue)
    for ind, d in registry.items():
        assert catalogue[ind]["dataset_id"] == d.id and catalogue[ind]["source_id"] == d.source_id


def _write(tmp_path: Path, mutate) -> Path:
    doc = registry_document()
    doc["sources"].sort(key=lambda s: ["fingertips_ncmp_obesity", "fingertips_lifestyle"].index(s["id"])
                        if s["id"] in ("fingertips_ncmp_obesity", "fingertips_lifestyle") else 2)
    mutate(doc)
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_unknown_format_is_rejected(tmp_path):
    path = _write(tmp_path, lambda d: d["sources"][0].update(format="pdf_tables"))
    with pytest.raises(HisError, match=r"source 'fingertips_ncmp_obesity': unknown format 'pdf_tables'"):
        load_registry(path)


def test_missing_field_is_rejected(tmp_path):
    path = _write(tmp_path, lambda d: d["sources"][1].pop("licence"))
    with pytest.raises(HisError, match=r"source 'fingertips_lifestyle': missing required field 'licence'"):
        load_registry(path)


def test_duplicate_ids_are_rejected(tmp_path):
    def dup_source(d):
        d["sources"].append(dict(d["sources"][0]))
    with pytest.raises(HisError, match="duplicate source id"):
        load_registry(_write(tmp_path, dup_source))

    def dup_dataset(d):
        d["sources"][1]["datasets"][0]["id"] = "ncmp_obesity_reception"
    with pytest.raises(HisError, match=r"dataset 'ncmp_obesity_reception'.*duplicate dataset id"):
        load_registry(_write(tmp_path, dup_dataset))

    def dup_indicator(d):
        d["sources"][1]["datasets"][0]["indicators"][0]["id"] = "obesity_reception"
    with pytest.raises(HisError, match="duplicate indicator id"):
        load_registry(_write(tmp_path, dup_indicator))


def test_unknown_file_reference_is_rejected(tmp_path):
    path = _write(tmp_path, lambda d: d["sources"][0]["datasets"][0].update(file="nope"))
    with pytest.raises(HisError, match="refers to unknown file 'nope'"):
        load_registry(path)
