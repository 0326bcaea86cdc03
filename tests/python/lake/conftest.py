"""Fixtures for the lake tests: one cold ingest of the real mirror shared by the read-only tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import settings
from ingest.sources import stage


@pytest.fixture(scope="session")
def ingested(tmp_path_factory, mirror_dir):
    """(settings, summary) after `his ingest` from the real mirror into a private data dir (read only!)."""
    data = tmp_path_factory.mktemp("ingested") / "data"
    cfg = settings(data_dir=data, mirror=mirror_dir)
    summary = stage.run(cfg)
    return cfg, summary


def lake_frame(cfg, source_id: str, dataset_id: str):
    import polars as pl

    return pl.read_parquet(Path(cfg.lake_dir) / source_id / f"{dataset_id}.parquet")
