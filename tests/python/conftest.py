"""Shared pytest fixtures: the project root, the shared mirror of published files, isolated settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, Settings, settings


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The mirror of real published files (``HIS_MIRROR``, default ``../shared/data``)."""
    path = Path(os.environ.get("HIS_MIRROR") or PROJECT_ROOT.parent / "shared" / "data").resolve()
    if not (path / "README.md").exists():
        pytest.fail(f"the shared mirror is missing at {path}; set HIS_MIRROR")
    return path


@pytest.fixture()
def tmp_settings(tmp_path: Path, mirror_dir: Path) -> Settings:
    """Settings whose data directory and warehouse are private to one test."""
    return settings(data_dir=tmp_path / "data", mirror=mirror_dir)
