"""The floor of the equal-work models: how much of their time is the SQL, and how much is writing the rows.

Runs each of :data:`benchmarks.equal_work.EQUAL_WORK_MODELS`' statements, exactly as dbt compiled them in a kept
scale-benchmark size (``python -m benchmarks scale --sizes 10M --keep --work-dir W`` keeps
``W/scale/scale/10M/data/warehouse.duckdb`` and ``.../10M/dbt-target/compiled``), on a copy of that warehouse with
the DuckDB profile's settings, three ways:

- ``compute``: ``EXPLAIN ANALYZE`` of the statement (DuckDB runs it and discards the rows: the SQL alone);
- ``table``: ``CREATE TABLE ... AS`` the statement, committed (what the warehouse does);
- ``parquet``: ``COPY (statement) TO ... (FORMAT parquet)`` (what a script writing Parquet does).

Prints, per model and way, the minimum and median wall seconds and the minimum CPU seconds over ``--rounds``
rounds (interleaved), then the four models' sum of minima per way. Used for docs/performance.md ("Issue 25: where
it stands"). Usage::

    python -m benchmarks.floor W/scale/scale/10M [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.equal_work import EQUAL_WORK_MODELS

WAYS = ("compute", "table", "parquet")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def compiled_statements(size_dir: Path) -> dict[str, str]:
    """Each equal-work model's compiled SELECT from ``<size_dir>/dbt-target/compiled`` (named when missing)."""
    root = size_dir / "dbt-target" / "compiled"
    out = {}
    for model in EQUAL_WORK_MODELS:
        # a model's own file, not the copies dbt compiles for its tests (in a folder named after their .yml)
        found = [p for p in root.rglob(f"{model}.sql") if not p.parent.name.endswith(".yml")]
        if len(found) != 1:
            raise SystemExit(f"benchmarks.floor: expected one compiled {model}.sql under {root}, found {len(found)}")
        out[model] = found[0].read_text(encoding="utf-8")
    return out


def run(size_dir: Path, rounds: int = 3, memory_limit: str = "5GB") -> dict[tuple[str, str], list[tuple[float, float]]]:
    import duckdb

    statements = compiled_statements(size_dir)
    warehouse = size_dir / "data" / "warehouse.duckdb"
    if not warehouse.is_file():
        raise SystemExit(f"benchmarks.floor: no warehouse at {warehouse} (run the scale benchmark with --keep)")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="his-floor-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"  # the compiled SQL names the catalogue "warehouse"
        shutil.copy(warehouse, copy)
        out_file = Path(tmp) / "out.parquet"
        here = os.getcwd()
        os.chdir(size_dir)  # the lake views' paths are as dbt wrote them
        try:
            con = duckdb.connect()
            con.execute(f"attach '{copy}' as warehouse; use warehouse")
            con.execute(f"set memory_limit = '{memory_limit}'; set preserve_insertion_order = false; "
                        "set enable_progress_bar = false")
            for _ in range(rounds):
                for model, sql in statements.items():
                    for way in WAYS:
                        t0, c0 = time.perf_counter(), _cpu()
                        if way == "compute":
                            con.execute("explain analyze " + sql).fetchall()
                        elif way == "table":
                            con.execute("begin")
                            con.execute(f"create or replace table floor_out as {sql}")
                            con.execute("commit")
                        else:
                            con.execute(f"copy ({sql}) to '{out_file}' (format parquet)")
                        results.setdefault((model, way), []).append((time.perf_counter() - t0, _cpu() - c0))
                    con.execute("drop table if exists floor_out")
                    con.execute("checkpoint")
            con.close()
        finally:
            os.chdir(here)
    return results


def report(results: dict[tuple[str, str], list[tuple[float, float]]]) -> str:
    lines = [f"{'model':32} {'way':8} {'wall min':>8} {'median':>7} {'CPU min':>8}"]
    total = {w: 0.0 for w in WAYS}
    for (model, way), runs in results.items():
        walls = sorted(r[0] for r in runs)
        total[way] += walls[0]
        lines.append(f"{model:32} {way:8} {walls[0]:8.2f} {walls[len(walls) // 2]:7.2f} {min(r[1] for r in runs):8.2f}")
    lines.append("four models, sum of minimum wall s: " + ", ".join(f"{w} {total[w]:.2f}" for w in WAYS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.splitlines()[0])
    ap.add_argument("size_dir", type=Path, help="a kept scale size, e.g. W/scale/scale/10M")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-limit", default=os.environ.get("HIS_DUCKDB_MEMORY_LIMIT", "5GB"))
    args = ap.parse_args(argv)
    print(report(run(args.size_dir.resolve(), args.rounds, args.memory_limit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
