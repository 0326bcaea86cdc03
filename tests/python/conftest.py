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


@pytest.fixture(scope="session")
def mirror_build(tmp_path_factory, mirror_dir: Path) -> Settings:
    """ONE real build of the mirror (plan, ingest, gate 1, dbt build, gate 2, publish; no report) per test
    session, shared READ-ONLY by every test that reads its lake or warehouse. A test that changes the lake or
    the warehouse takes :func:`mirror_build_copy` instead."""
    from pipeline.cli import main

    data = tmp_path_factory.mktemp("mirror_build") / "data"
    assert main(["build", "--skip", "report", "--data-dir", str(data), "--mirror", str(mirror_dir)]) == 0, \
        "the shared mirror build failed (see the output above)"
    return settings(data_dir=data, mirror=mirror_dir)


@pytest.fixture()
def mirror_build_copy(tmp_path: Path, mirror_build: Settings) -> Settings:
    """A private copy of the shared mirror build's data directory, for a test that changes it."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(mirror_build.data_dir, data, ignore=shutil.ignore_patterns("*.candidate", "screenshots"))
    return settings(data_dir=data, mirror=mirror_build.mirror)
