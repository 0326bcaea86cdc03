"""The stored history of every gate run: ``data/quality/results.parquet`` (append, temp file + rename).

One row per expectation per run. dbt declares the file as source ``quality.gate_results``
(``models/staging/quality/``) and exposes it as the view ``fct_quality_check``, which reads the file at
query time, so the reports always show the latest run including gate 2 (which runs after dbt build).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ingest.config import Settings

# name -> (arrow type name, description). The dbt source yml and the fct_quality_check contract mirror this.
COLUMNS: dict[str, tuple[str, str]] = {
    "run_id": ("string", "id of the gate run (UTC timestamp + random suffix)"),
    "run_at": ("timestamp", "when the run started (UTC, naive)"),
    "gate": ("string", "lake (gate 1) or marts (gate 2)"),
    "dataset": ("string", "lake dataset id or mart name"),
    "snapshot_sha256": ("string", "sha256 of the raw snapshot (lake) or the checked warehouse's dbt inputs fingerprint (marts)"),
    "check_name": ("string", "the check's name in the derived suite, e.g. value_in_range"),
    "expectation": ("string", "Great Expectations expectation type"),
    "column": ("string", "column(s) checked, comma separated; empty for table-level checks"),
    "severity": ("string", "error (stops the build) or warn"),
    "success": ("bool", "whether the expectation held"),
    "observed_value": ("string", "GE's observed value, or 'n of m rows unexpected'"),
    "unexpected_count": ("int64", "number of failing rows (row-level checks)"),
    "failing_rows_sample": ("string", "JSON list of up to 5 failing rows (identifying columns + value)"),
    "kwargs": ("string", "JSON of the expectation's arguments (ranges, sets, row condition)"),
}


def results_path(cfg: Settings) -> Path:
    return cfg.data_dir / "quality" / "results.parquet"


def _schema() -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "timestamp": pa.timestamp("us"), "bool": pa.bool_(), "int64": pa.int64()}
    return pa.schema([(name, types[t]) for name, (t, _) in COLUMNS.items()])


def read_history(cfg: Settings) -> list[dict[str, Any]]:
    """Every stored result row, oldest first (empty if no run has been stored)."""
    path = results_path(cfg)
    if not path.exists():
        return []
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def ensure_results_file(cfg: Settings) -> Path:
    """Create an empty results file (with the schema) so dbt can build before any gate has run; likewise the
    revisions file (source ``quality.value_revisions``, :mod:`pipeline.quality.plausibility`)."""
    from pipeline.quality.plausibility import ensure_revisions_file

    path = results_path(cfg)
    if not path.exists():
        write_parquet(path, _schema().empty_table())
    ensure_revisions_file(cfg)
    return path


def append(cfg: Settings, rows: list[dict[str, Any]]) -> Path:
    """Append result rows: read, concatenate, write a temp file, rename over (never half-written)."""
    path = results_path(cfg)
    append_parquet(path, rows, _schema())
    return path


def append_parquet(path: Path, rows: list[dict[str, Any]], schema: Any) -> None:
    """Append ``rows`` (dicts; the schema's columns, others ignored) to the Parquet file ``path``: read it,
    concatenate, write a temp file, rename over (never half-written). Shared by the gate results and the
    revisions file (:mod:`pipeline.quality.plausibility`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
    if path.exists():
        table = pa.concat_tables([pq.read_table(path).select(schema.names).cast(schema), table])
    write_parquet(path, table)


def write_parquet(path: Path, table: Any) -> None:
    """Write a pyarrow table to ``path`` through a temp file renamed over it."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
