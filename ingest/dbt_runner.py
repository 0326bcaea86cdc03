"""The ``dbt`` stage: ``dbt build`` (seeds, models, tests, unit tests) run in-process with dbtRunner.

The warehouse is never left half-built: dbt builds into a *candidate* copy of the warehouse
(``<warehouse>.candidate``). ``his dbt`` alone publishes the candidate when dbt succeeds; inside
``his build`` the candidate is published only after quality gate 2 passes (see :func:`publish`),
so a failed build or gate leaves the previous warehouse exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError


def candidate_path(cfg: Settings) -> Path:
    return cfg.warehouse.with_name(cfg.warehouse.name + ".candidate")


def dbt_env(cfg: Settings, warehouse: Path | None = None) -> dict[str, str]:
    """Environment variables dbt's profiles.yml and dbt_project.yml read."""
    return {
        "HIS_WAREHOUSE": str(warehouse or cfg.warehouse),
        "HIS_DATA_DIR": str(cfg.data_dir),
        "HIS_TARGET": cfg.target,
        "DBT_PROFILES_DIR": str(cfg.project_root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def invoke(cfg: Settings, args: list[str], warehouse: Path | None = None) -> Any:
    """Run one dbt command in-process against ``warehouse`` (default: the published warehouse)."""
    from dbt.cli.main import dbtRunner  # imported here: dbt import costs ~1 s

    env = dbt_env(cfg, warehouse)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cmd = [*args, "--project-dir", str(cfg.project_root), "--profiles-dir", str(cfg.project_root)]
    if cfg.target != "duckdb":
        cmd += ["--target", cfg.target]
    old_cwd = os.getcwd()
    os.chdir(cfg.project_root)
    try:
        result = dbtRunner().invoke(cmd)
    finally:
        os.chdir(old_cwd)
        _close_duckdb()
        for k, v in saved.items():  # do not leak the candidate path etc. into later stages or tests
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if result.exception is not None:
        raise HisError(f"dbt {args[0]} could not run: {result.exception}")
    return result


def _close_duckdb() -> None:
    """Release the DuckDB file dbt-duckdb keeps open in this process after a run.

    Without this, opening the same file again in-process (gate 2, the report export) fails with
    "Can't open a connection to same database file with a different configuration", and on
    Windows-like file systems the candidate could not be renamed.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:  # the spark-only install has no dbt-duckdb
        return
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def prepare_candidate(cfg: Settings) -> Path:
    """Copy the published warehouse to the candidate path (incremental models build on it)."""
    cand = candidate_path(cfg)
    cand.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".wal"):
        Path(str(cand) + suffix).unlink(missing_ok=True)
    if cfg.warehouse.exists():
        shutil.copy2(cfg.warehouse, cand)
    return cand


def publish(cfg: Settings) -> None:
    """Atomically replace the published warehouse with the candidate."""
    cand = candidate_path(cfg)
    if not cand.exists():
        raise HisError(f"no candidate warehouse at {cand} to publish; run the dbt stage first")
    os.replace(cand, cfg.warehouse)


def discard_candidate(cfg: Settings) -> None:
    candidate_path(cfg).unlink(missing_ok=True)


def run(cfg: Settings, options: dict[str, Any]) -> str:
    from ingest.quality.results import ensure_results_file

    ensure_results_file(cfg)  # source quality.gate_results must exist even before any gate has run
    if cfg.target == "duckdb":
        cand = prepare_candidate(cfg)
    else:
        cand = None
        discard_candidate(cfg)  # a Spark build's candidate comes from the collect stage, after this build
    args = ["build"]
    if options.get("select"):
        args += ["--select", options["select"]]
    result = invoke(cfg, args, warehouse=cand)
    nodes = list(result.result or [])
    failed = [r for r in nodes if str(r.status) in {"error", "fail", "runtime error"}]
    if not result.success or failed:
        if cand is not None:
            discard_candidate(cfg)
        names = ", ".join(f"{r.node.name} ({r.status})" for r in failed[:10])
        raise HisError(
            f"dbt build failed: {len(failed)} node(s) failed: {names}. "
            "The published warehouse is unchanged; see the dbt output above."
        )
    # Inside `his build`, gate 2 checks the candidate and publishes it; run alone, publish now.
    if cand is not None and options.get("command") != "build":
        publish(cfg)
    warned = sum(1 for r in nodes if str(r.status) == "warn")
    return f"{len(nodes)} nodes ok, {warned} warnings"


def run_publish(cfg: Settings, options: dict[str, Any]) -> str:
    """The ``publish`` build stage: runs after gate 2 so only checked marts reach the reports."""
    # On the Spark target the candidate is the copy of Spark's marts written by the collect stage.
    if not candidate_path(cfg).exists():
        return "no candidate (dbt stage skipped); published warehouse unchanged"
    publish(cfg)
    return f"published {cfg.warehouse}"
