"""Fixtures for the quality gate: a lake built from REAL mirror rows, and a stand-in registry/catalogue.

Until the source registry and lake (issue 3) are merged, the NCMP Reception file from the mirror
(``fingertips_ncmp_obesity/obese_reception.csv``) is conformed here to the canonical lake shape of
INTERFACES.md (London boroughs + England, academic-year periods, ``NA`` -> null with a note). No value is
invented: broken copies in the tests change real rows in one named way each.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

from ingest.config import Settings
from pipeline.quality import stage, suites

SOURCE_ID = "fingertips_ncmp_obesity"
DATASET_ID = "ncmp_obesity_reception"
INDICATOR = "obesity_reception"


@dataclass(frozen=True)
class StandInDataset:
    """The registry's Dataset interface (INTERFACES.md), for tests until ingest.sources is merged."""

    id: str
    source_id: str
    kind: str
    key_columns: list[str]
    indicators: list[str] = field(default_factory=list)
    area_level: str = "borough"

    def lake_path(self, cfg: Settings) -> Path:
        return cfg.lake_dir / self.source_id / f"{self.id}.parquet"


@dataclass(frozen=True)
class StandInRegistry:
    items: list[StandInDataset]

    def datasets(self) -> list[StandInDataset]:
        return list(self.items)


NCMP = StandInDataset(DATASET_ID, SOURCE_ID, "indicator", suites.INDICATOR_KEY, [INDICATOR], "borough")


def conform_ncmp(csv_path: Path, indicator: str = INDICATOR, age: str = "4-5 yrs") -> pl.DataFrame:
    """Real NCMP rows in the canonical lake shape (stand-in for the lake's Fingertips-slim parser)."""
    sha = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    raw = pl.read_csv(csv_path, infer_schema_length=0)
    raw = raw.filter(pl.col("area_code").is_in(suites.LONDON_BOROUGHS + [suites.ENGLAND]))
    year = pl.col("period").str.slice(0, 4).cast(pl.Int32)
    single = pl.col("period").str.contains(r"^\d{4}/\d{2}$")
    raw = raw.filter(single)  # the pooled deprivation rows are not this dataset's headline periods
    inequality = pl.when(pl.col("inequality") == "NA").then(None).otherwise(pl.col("inequality"))
    frame = raw.select(
        pl.lit(indicator).alias("indicator_id"),
        pl.col("area_code"),
        pl.col("area_name"),
        pl.when(pl.col("area_code").str.starts_with("E09")).then(pl.lit("borough")).otherwise(pl.lit("country"))
        .alias("area_type"),
        pl.col("period").alias("period_label"),
        pl.date(year, 9, 1).alias("period_start"),
        pl.date(year + 1, 8, 31).alias("period_end"),
        pl.col("unit").alias("sex"),
        pl.lit(age).alias("age"),
        pl.when(inequality.is_null()).then(None).otherwise(pl.lit("Deprivation quintile")).alias("category_type"),
        inequality.alias("category"),
        pl.when(pl.col("value") == "NA").then(None).otherwise(pl.col("value")).cast(pl.Float64).alias("value"),
        pl.lit(None, pl.Float64).alias("lower_ci"),
        pl.lit(None, pl.Float64).alias("upper_ci"),
        pl.lit(None, pl.Float64).alias("count"),
        pl.lit(None, pl.Float64).alias("denominator"),
        pl.when(pl.col("value") == "NA").then(pl.lit("value suppressed or missing in source (NA)"))
        .otherwise(None).alias("value_note"),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.lit(sha).alias("snapshot_sha256"),
    )
    # the canonical columns this stand-in does not fill (99.8% limits, the publisher's judgements) are null
    from ingest.sources.conform import CANONICAL
    return frame.with_columns([pl.lit(None, dtype=t).alias(n) for n, t in CANONICAL if n not in frame.columns]
                              ).select([pl.col(n).cast(t) for n, t in CANONICAL])


def write_lake(cfg: Settings, df: pl.DataFrame, dataset: StandInDataset = NCMP, *, manifest_rows: list[int] | None = None
               ) -> Path:
    """Write the dataset's lake file and a manifest (earlier snapshots' row counts first, then this one)."""
    path = dataset.lake_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path)
    sha = df["snapshot_sha256"][0]
    manifest = cfg.lake_dir / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["dataset_id", "source_id", "path", "rows", "snapshot_sha256", "parsed_at"])
        for i, n in enumerate(manifest_rows or []):
            w.writerow([dataset.id, dataset.source_id, str(path), n, f"previous{i:058d}", "2026-01-01T00:00:00Z"])
        w.writerow([dataset.id, dataset.source_id, str(path), df.height, sha, dt.datetime.now(dt.UTC).isoformat()])
    return path


@pytest.fixture(scope="session")
def ncmp_frame(mirror_dir: Path) -> pl.DataFrame:
    return conform_ncmp(mirror_dir / "fingertips_ncmp_obesity" / "obese_reception.csv")


@pytest.fixture()
def gate_env(tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Stand-in registry + catalogue (obesity_reception: percent, 0-100) wired into the gate."""
    monkeypatch.setattr(stage, "load_registry", lambda: StandInRegistry([NCMP]))
    cat = tmp_path / "indicator_catalogue.csv"
    cat.write_text(
        "indicator_id,indicator_name,unit,value_type,polarity,value_min,value_max,source_id,dataset_id\n"
        f"{INDICATOR},Reception prevalence of obesity (including severe obesity),percent,proportion,"
        f"lower_is_better,0,100,{SOURCE_ID},{DATASET_ID}\n"
    )
    monkeypatch.setattr(suites, "catalogue_path", lambda cfg: cat)
    monkeypatch.setenv("HIS_DATA_DIR", str(tmp_settings.data_dir))
    monkeypatch.setenv("HIS_WAREHOUSE", str(tmp_settings.warehouse))
    return tmp_settings
