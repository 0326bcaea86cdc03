"""Gate 1 on a returns source, for real: the mirror's returns table (and copies of it broken in one named way
per row) ingested into a private data directory and checked by Great Expectations. A broken row stops the
source naming the row id and the check; the accepted lake keeps the last good table. The broken copies change
real rows of the mirror's file in one stated way each; no figure is invented."""

from __future__ import annotations

import csv
import io
import shutil

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import GateFailed, HisError
from ingest.sources import stage as ingest
from ingest.sources.registry import Registry, load_registry
from pipeline.context import BuildContext
from pipeline.quality import stage as gate

SOURCE = "gla_programme_returns"
DATASET = "programme_returns"
FILE = "gla_programme_returns/returns.csv"

# (return id, column, new text, the check that must name it)
BROKEN = [
    ("R001", "value", "87", "value_in_quote"),  # 86 in the quote
    ("R002", "target_ids", "KC1.1-T1;KC9.9-T9", "target_ids_in_plan"),
    ("R004", "period_start", "2025-01-01", "period_start_le_end"),  # period_end 2024-12-31
    ("R005", "basis", "cumulative", "basis_known"),
    ("R006", "url", "", "url_http"),
]


def _rewrite(path, changes):
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        columns = list(rows[0])
    for rid, column, text, _ in changes:
        row = next(r for r in rows if r["return_id"] == rid)
        row[column] = text
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture()
def returns_env(tmp_path, mirror_dir, monkeypatch):
    """A private mirror with only the returns table, a private data directory, and gate 1 seeing only the
    returns source of the real registry."""
    mirror = tmp_path / "mirror"
    (mirror / "gla_programme_returns").mkdir(parents=True)
    shutil.copy(mirror_dir / FILE, mirror / FILE)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    real = load_registry()
    only = Registry([real.source(SOURCE)], real.path, real.area_names)
    monkeypatch.setattr(gate, "load_registry", lambda: only)
    monkeypatch.setenv("HIS_DATA_DIR", str(cfg.data_dir))
    return cfg, mirror


def _ingest_and_gate(cfg):
    ingest.run(cfg, sources=[SOURCE], staged=True)
    return gate.run_lake(BuildContext.of(cfg))


def test_broken_rows_stop_the_source_naming_row_and_check(returns_env):
    cfg, mirror = returns_env
    ingest.run(cfg, sources=[SOURCE])  # the good table, written straight to the lake (the gate judged it in the build)
    lake = cfg.lake_dir / SOURCE / f"{DATASET}.parquet"
    accepted = lake.read_bytes()
    assert pl.read_parquet(lake).height == 128

    _rewrite(mirror / FILE, BROKEN)
    with pytest.raises(GateFailed) as info:
        _ingest_and_gate(cfg)
    message = str(info.value)
    assert f"{len(BROKEN)} error check(s)" in message
    for rid, column, _, check in BROKEN:
        line = next(x for x in message.splitlines() if x.startswith("- ") and f"check row[{check}]" in x)
        assert f"dataset {DATASET}" in line and f'"return_id": "{rid}"' in line, line
        assert f"on {column}" in line
    assert lake.read_bytes() == accepted  # the accepted lake keeps the last good table
    results = pl.read_parquet(cfg.data_dir / "quality" / "results.parquet").filter(pl.col("dataset") == DATASET)
    last = results.filter(pl.col("run_id") == results["run_id"].max())
    assert sorted(last.filter(~pl.col("success"))["check_name"].to_list()) == sorted(f"row[{b[3]}]" for b in BROKEN)


def test_a_cell_the_lake_cannot_type_stops_the_reading(returns_env):
    cfg, mirror = returns_env
    _rewrite(mirror / FILE, [("R010", "period_end", "31/03/2024", "period_end_iso"),
                             ("R011", "value", "1,500", "value_number")])
    with pytest.raises(HisError) as info:
        ingest.run(cfg, sources=[SOURCE], staged=True)
    message = str(info.value)
    assert "source gla_programme_returns" in message and "2 cell(s) cannot be read" in message
    assert "(R010), column period_end: '31/03/2024' is not an ISO date" in message
    assert "(R011), column value: '1,500' is not a plain number" in message
    assert not (cfg.lake_dir / SOURCE / f"{DATASET}.parquet").exists()
