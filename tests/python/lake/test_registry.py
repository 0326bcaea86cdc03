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
    registry: dict[str, list] = {}
    for d in reg.datasets():
        for i in d.indicators:
            registry.setdefault(i, []).append(d)
    # indicators whose values are reported figures (programme returns) come from a `returns` dataset through the
    # curated seed reported_measure_indicator, not from a registry indicator list
    with (project_root / "seeds" / "reference" / "reported_measure_indicator.csv").open(encoding="utf-8") as fh:
        from_returns = {r["indicator_id"] for r in csv.DictReader(fh)}
    returns_datasets = {(d.source_id, d.id) for d in reg.datasets() if d.kind == "returns"}
    assert from_returns and not from_returns & set(registry)
    for ind in from_returns:
        assert (catalogue[ind]["source_id"], catalogue[ind]["dataset_id"]) in returns_datasets, ind
    assert set(registry) | from_returns == set(catalogue)
    for ind, datasets in registry.items():
        # an indicator from two datasets (disjoint periods) is catalogued under one of them
        assert (catalogue[ind]["source_id"], catalogue[ind]["dataset_id"]) in {(d.source_id, d.id) for d in datasets}


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


def test_one_indicator_from_two_datasets_needs_disjoint_periods(tmp_path):
    """adult_smoking: 2019 from the tobacco profiles export, every other year from fingertips_lifestyle."""
    reg = load_registry()
    carrying = sorted(d.id for d in reg.datasets() if "adult_smoking" in d.indicators)
    assert carrying == ["adult_smoking", "tobacco_profiles_london_2019"]

    def smoking(doc, source_id):
        src = next(s for s in doc["sources"] if s["id"] == source_id)
        return next(i for d in src["datasets"] for i in d["indicators"] if i["id"] == "adult_smoking")

    def overlap(doc):  # the lifestyle series no longer leaves 2019 out
        smoking(doc, "fingertips_lifestyle").pop("exclude_periods")
    with pytest.raises(HisError, match=r"adult_smoking.*duplicate indicator id.*periods can overlap"):
        load_registry(_write(tmp_path, overlap))

    def normalised(doc):  # labels are compared as normalised: " 2019" is 2019
        smoking(doc, "fingertips_lifestyle")["exclude_periods"] = [" 2019 "]
        smoking(doc, "fingertips_tobacco_profiles_london_2019")["periods"] = [2019]
    load_registry(_write(tmp_path, normalised))

    def widened(doc):  # the export may not claim a year the lifestyle series keeps
        smoking(doc, "fingertips_tobacco_profiles_london_2019")["periods"] = ["2019", "2020"]
    with pytest.raises(HisError, match="periods can overlap"):
        load_registry(_write(tmp_path, widened))
