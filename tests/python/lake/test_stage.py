"""The ingest stage: a second run with nothing changed parses nothing; required sources; source filter."""

from __future__ import annotations

import csv

import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage

from .helpers import lake_fingerprint


def test_second_run_parses_nothing(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    first = stage.run(cfg)
    assert "28 datasets written, 0 unchanged" in first
    before = lake_fingerprint(cfg.lake_dir)
    manifest_rows = (cfg.lake_dir / "manifest.csv").read_text(encoding="utf-8").count("\n")
    second = stage.run(cfg)
    assert second == ("19 sources, 0 datasets written, 28 unchanged, "
                      "2 unavailable (dft_cw0301_walking_cycling_by_la, fingertips_api)")
    assert lake_fingerprint(cfg.lake_dir) == before
    assert (cfg.lake_dir / "manifest.csv").read_text(encoding="utf-8").count("\n") == manifest_rows


def test_deleted_output_is_rebuilt(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    stage.run(cfg, sources=["fingertips_life_expectancy"])
    (cfg.lake_dir / "fingertips_life_expectancy" / "life_expectancy.parquet").unlink()
    assert stage.run(cfg, sources=["fingertips_life_expectancy"]).startswith("1 sources, 1 datasets written, 2 unchanged")


def test_required_source_unavailable_fails_the_stage(tmp_path):
    cfg = settings(data_dir=tmp_path / "data", mirror=tmp_path / "empty-mirror")
    (tmp_path / "empty-mirror").mkdir()
    with pytest.raises(HisError, match="required source mhclg_imd2019 is unavailable"):
        stage.run(cfg, sources=["mhclg_imd2019", "fingertips_lifestyle"])
    with (cfg.lake_dir / "source_status.csv").open(encoding="utf-8") as fh:
        status = {r["source_id"]: r["status"] for r in csv.DictReader(fh)}
    assert status == {"mhclg_imd2019": "unavailable", "fingertips_lifestyle": "unavailable"}


def test_unknown_source_filter(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    with pytest.raises(HisError, match="unknown source 'nope'.*known sources: .*fingertips_ncmp_obesity"):
        stage.run(cfg, sources=["nope"])


def test_lake_in_an_older_canonical_shape_is_parsed_again(tmp_path, mirror_dir):
    """A lake written before the contract grew (no 99.8% limits, no publisher judgements) is not "unchanged"."""
    import polars as pl

    from ingest.sources.conform import CANONICAL

    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    stage.run(cfg, sources=["fingertips_ncmp_obesity"])
    path = cfg.lake_dir / "fingertips_ncmp_obesity" / "ncmp_obesity_year6.parquet"
    pl.read_parquet(path).drop("publisher_trend").write_parquet(path)
    again = stage.run(cfg, sources=["fingertips_ncmp_obesity"])
    assert again.startswith("1 sources, 1 datasets written, 1 unchanged")
    assert list(pl.read_parquet_schema(path)) == [n for n, _ in CANONICAL]


def test_status_and_lake_files_are_ordinary_files_not_0600(tmp_path, mirror_dir):
    """Issue 26 (minor): the status files were written through mkstemp and kept its mode 0600, so a reader
    sharing the data directory (an analyst's account, a service) could not read them."""
    import os
    import stat

    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    old = os.umask(0o022)
    try:
        stage.run(cfg, sources=["fingertips_life_expectancy"])
    finally:
        os.umask(old)
    files = [cfg.lake_dir / "source_status.csv", cfg.lake_dir / "dataset_status.csv",
             *sorted((cfg.lake_dir / "fingertips_life_expectancy").glob("*.parquet"))]
    assert len(files) > 2
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o644" for f in files}
