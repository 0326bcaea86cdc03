"""The Spark target: the same dbt project built by Apache Spark (dbt-spark), and its marts read back.

- :func:`session` is the SparkSession dbt-spark's ``method: session`` uses, with the same settings
  (rendered from ``profiles.yml``'s ``spark`` output), so after an in-process ``dbt build`` it *is* that
  session: no second Spark start-up.
- :func:`mart_names` lists every model under ``models/marts`` from dbt's manifest (never a fixed list).
- :func:`collect_marts` copies each mart Spark built into a DuckDB file (Arrow, no pandas), written to a
  temporary file and renamed into place. The ``collect`` build stage (:func:`run_collect`) writes it to
  the *candidate* warehouse, so quality gate 2 checks exactly the rows Spark produced and ``publish``
  serves them to the reports. On the Spark target the published warehouse is
  ``<data>/spark/warehouse.duckdb`` (see :func:`ingest.config.settings`), never the DuckDB target's file.
- :func:`build` runs ``dbt build`` on Spark and returns its wall time (for the scale benchmark).

Needs the ``spark`` extra (``uv sync --extra spark``) and Java 17.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError
from ingest.progress import log
from pipeline.context import BuildContext


def profile_output(cfg: Settings, name: str = "spark") -> dict[str, Any]:
    """The ``name`` output of ``profiles.yml``, rendered with the environment dbt would see."""
    import jinja2
    import yaml

    from pipeline.warehouse import dbt_env

    env = {**os.environ, **dbt_env(cfg)}

    def env_var(var: str, default: str | None = None) -> str:
        if var in env:
            return env[var]
        if default is None:
            raise HisError(f"profiles.yml needs the environment variable {var}")
        return default

    text = (cfg.project_root / "profiles.yml").read_text(encoding="utf-8")
    rendered = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(env_var=env_var)
    outputs = (yaml.safe_load(rendered) or {}).get("his", {}).get("outputs", {})
    if name not in outputs:
        raise HisError(f"profiles.yml has no '{name}' output")
    return outputs[name]


def spark_conf_dir() -> str:
    """Spark's configuration folder for the JVM this process starts: the user's ``SPARK_CONF_DIR`` if set, else
    ``pipeline/spark_conf`` (its ``log4j2.properties`` keeps Spark's console log to errors)."""
    return os.environ.get("SPARK_CONF_DIR") or str(Path(__file__).with_name("spark_conf"))


def session(cfg: Settings) -> Any:
    """The Spark session of the profile's ``spark`` output (``method: session`` only).

    Built exactly as dbt-spark's session cursor builds it (Hive support + the profile's
    ``server_side_parameters``), so ``getOrCreate`` returns dbt's own session when dbt ran in this process.
    """
    out = profile_output(cfg)
    if out.get("method") != "session":
        raise HisError(
            f"the spark output uses method '{out.get('method')}': reading marts back from Python needs "
            "method session (HIS_SPARK_METHOD=session; HIS_SPARK_MASTER may point at a cluster)")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise HisError("pyspark is not installed: uv sync --extra spark") from exc
    os.environ["SPARK_CONF_DIR"] = spark_conf_dir()  # read when the JVM starts (if dbt has not started it)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in (out.get("server_side_parameters") or {}).items():
        builder = builder.config(key, str(value))
    return builder.getOrCreate()


def schema(cfg: Settings) -> str:
    return str(profile_output(cfg).get("schema") or "his")


def mart_names(cfg: Settings) -> list[str]:
    """Every enabled model under ``models/marts`` (from dbt's manifest; ``dbt parse`` runs if it is missing)."""
    from pipeline.warehouse import invoke, target_dir

    manifest = target_dir(cfg.project_root) / "manifest.json"
    if not manifest.exists():
        invoke(cfg, ["parse"])
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    names = [n["name"] for n in nodes
             if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
             and n["config"].get("enabled", True) and n["config"].get("materialized") != "ephemeral"]
    return sorted(names)


@dataclass
class Collected:
    path: Path
    rows: dict[str, int]
    seconds: float


def collect_marts(cfg: Settings, dest: Path, names: list[str] | None = None) -> Collected:
    """Copy the marts Spark built (schema of the ``spark`` output) into the DuckDB file ``dest``.

    Column types follow Spark's (int -> INTEGER, string -> VARCHAR, double, date, boolean; Spark
    timestamps carry the session time zone, UTC, and arrive as TIMESTAMP WITH TIME ZONE).
    """
    import duckdb

    start = time.perf_counter()
    spark = session(cfg)
    db = schema(cfg)
    names = names if names is not None else mart_names(cfg)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    for suffix in ("", ".wal"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        for name in names:
            try:
                table = spark.table(f"{db}.{name}").toArrow()
            except Exception as exc:  # Spark's AnalysisException, named for the user
                raise HisError(f"mart {db}.{name} could not be read from Spark (was it built?): {exc}") from exc
            con.register("spark_mart", table)
            con.execute(f'create table "{name}" as select * from spark_mart')
            con.unregister("spark_mart")
            rows[name] = table.num_rows
            log(f"  collect: {name}: {table.num_rows:,} rows")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, dest)
    return Collected(dest, rows, time.perf_counter() - start)


def run_collect(ctx: BuildContext) -> str:
    """The ``collect`` build stage: on the Spark target, Spark's marts -> the candidate DuckDB file."""
    cfg = ctx.settings
    if cfg.target != "spark":
        return f"nothing to collect on the {cfg.target} target"
    from pipeline.warehouse import candidate_path, discard_candidate, seal_candidate

    discard_candidate(cfg)  # no record outlives the file it was written for
    got = collect_marts(cfg, candidate_path(cfg))
    seal_candidate(cfg, {})  # its completion record: gate 2 and publish accept no candidate without one
    return (f"{len(got.rows)} marts, {sum(got.rows.values()):,} rows copied from Spark into "
            f"{got.path.name} in {got.seconds:.1f}s")


def build(cfg: Settings, *, select: str | None = None, extra_args: list[str] | None = None) -> float:
    """``dbt build`` on the Spark target (in this process); returns the wall time in seconds.

    For the scale benchmark: ``build(settings(target="spark", data_dir=...))``. Spark start-up is
    included (it happens on the first statement). Raises :class:`HisError` when a node fails.
    """
    from dataclasses import replace

    from pipeline.warehouse import invoke

    cfg = replace(cfg, target="spark")
    args = ["build", *(["--select", select] if select else []), *(extra_args or [])]
    start = time.perf_counter()
    result = invoke(cfg, args)
    seconds = time.perf_counter() - start
    failed = [r for r in (result.result or []) if str(r.status) in {"error", "fail", "runtime error"}]
    if not result.success or failed:
        names = ", ".join(f"{r.node.name} ({r.status})" for r in failed[:10])
        raise HisError(f"dbt build on Spark failed: {len(failed)} node(s): {names}")
    return seconds


def _plain(value: Any) -> Any:
    """A value comparable across engines: aware timestamps as naive UTC."""
    import datetime as dt

    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sort_key(row: tuple) -> tuple:
    # floats rounded for ordering only (they are compared with a tolerance afterwards)
    return tuple((0, "") if v is None else (1, f"{v:.9g}") if isinstance(v, float) else (1, str(v)) for v in row)


def _same(a: Any, b: Any, rel_tol: float) -> bool:
    import math

    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0)
    return a == b


def compare_marts(left: Path, right: Path, names: list[str], *, rel_tol: float = 1e-9) -> list[str]:
    """Differences between the marts ``names`` in two DuckDB files (empty list: the same rows).

    Rows are compared as multisets (sorted, order-free); floating-point values within ``rel_tol``
    relative, everything else exactly. Column names must match in order.
    """
    import duckdb

    problems: list[str] = []
    a = duckdb.connect(str(left), read_only=True)
    b = duckdb.connect(str(right), read_only=True)
    try:
        for name in names:
            cols = []
            for con, path in ((a, left), (b, right)):
                found = con.execute("select column_name from information_schema.columns where table_name = ? "
                                    "order by ordinal_position", [name]).fetchall()
                if not found:
                    problems.append(f"{name}: missing from {path}")
                cols.append([c[0] for c in found])
            if not cols[0] or not cols[1]:
                continue
            if cols[0] != cols[1]:
                problems.append(f"{name}: columns differ: {cols[0]} vs {cols[1]}")
                continue
            rows = [sorted((tuple(_plain(v) for v in r) for r in con.execute(f'select * from "{name}"').fetchall()),
                           key=_sort_key) for con in (a, b)]
            if len(rows[0]) != len(rows[1]):
                problems.append(f"{name}: {len(rows[0])} rows vs {len(rows[1])} rows")
                continue
            for ra, rb in zip(*rows, strict=True):
                bad = [c for c, x, y in zip(cols[0], ra, rb, strict=True) if not _same(x, y, rel_tol)]
                if bad:
                    problems.append(f"{name}: first differing row (columns {', '.join(bad)}):\n  {ra}\n  {rb}")
                    break
    finally:
        a.close()
        b.close()
    return problems
