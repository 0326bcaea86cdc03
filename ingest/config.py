"""Project paths and settings, each overridable by an environment variable.

Everything generated lives under ``data/`` (``HIS_DATA_DIR``): the raw download cache, the lake of
Parquet files, the DuckDB warehouse and the quality results. Nothing there is committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one run. Build with :func:`settings` so environment overrides apply."""

    project_root: Path
    data_dir: Path
    warehouse: Path
    mirror: Path | None
    target: str

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def seeds_dir(self) -> Path:
        return self.project_root / "seeds"

    @property
    def reports_dir(self) -> Path:
        return self.project_root / "reports"


def settings(**overrides: object) -> Settings:
    """Settings from the environment, with keyword overrides (used by the CLI options and tests).

    - ``HIS_DATA_DIR``: where generated data goes (default ``<project>/data``)
    - ``HIS_WAREHOUSE``: the DuckDB warehouse file (default ``<data>/warehouse.duckdb``; on the Spark
      target ``<data>/spark/warehouse.duckdb``, the checked copy of Spark's marts the reports read, so a
      Spark build never replaces the DuckDB target's warehouse)
    - ``HIS_MIRROR``: a directory holding a mirror of the published files, read instead of the network
    - ``HIS_TARGET``: the dbt target, ``duckdb`` (default) or ``spark``
    """
    root = Path(overrides.get("project_root") or PROJECT_ROOT)  # type: ignore[arg-type]
    data_dir = Path(overrides.get("data_dir") or os.environ.get("HIS_DATA_DIR") or root / "data")  # type: ignore[arg-type]
    target = str(overrides.get("target") or os.environ.get("HIS_TARGET") or "duckdb")
    default_warehouse = data_dir / "warehouse.duckdb" if target == "duckdb" else data_dir / target / "warehouse.duckdb"
    warehouse = Path(
        overrides.get("warehouse") or os.environ.get("HIS_WAREHOUSE") or default_warehouse  # type: ignore[arg-type]
    )
    mirror_value = overrides.get("mirror") or os.environ.get("HIS_MIRROR")
    mirror = Path(mirror_value).resolve() if mirror_value else None  # type: ignore[arg-type]
    return Settings(
        project_root=root.resolve(),
        data_dir=data_dir.resolve(),
        warehouse=warehouse.resolve(),
        mirror=mirror,
        target=target,
    )
