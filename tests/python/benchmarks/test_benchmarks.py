"""The benchmark harness and the SYNTHETIC data generator, at a tiny size (no timing is asserted)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks import equal_work, synthetic
from benchmarks.harness import run_measured
from ingest.config import PROJECT_ROOT


def test_run_measured_reports_the_childs_peak_memory_and_exit_status(tmp_path: Path) -> None:
    code = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('done')"
    m = run_measured("alloc", [sys.executable, "-c", code], log_path=tmp_path / "alloc.log")
    print(f"alloc: {m.seconds:.2f}s wall, {m.cpu_seconds:.2f}s CPU, peak {m.peak_mib:.0f} MiB")
    assert m.ok and m.returncode == 0
    assert m.peak_mib >= 200  # the 200 MiB buffer was touched, so it is resident
    assert (tmp_path / "alloc.log").read_text().strip() == "done"

    failed = run_measured("fail", [sys.executable, "-c", "import sys; sys.exit(3)"])
    assert not failed.ok and failed.returncode == 3


def test_run_measured_counts_a_descendant_that_is_never_waited_for(tmp_path: Path) -> None:
    """Like pyspark's JVM: a grandchild the child starts and never reaps is invisible to wait4; the /proc
    sampler still sees its memory and CPU."""
    # The grandchild burns 1.5 s of CPU (not of wall time, so a busy machine cannot shorten it); the child
    # watches /proc until the grandchild has exited (a zombie) without ever reaping it, then exits itself.
    grandchild = ("b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])\n"
                  "import time\nwhile time.process_time() < 1.5: pass")
    child = (f"import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
             "t = time.time()\n"
             "while time.time() - t < 60 and open(f'/proc/{p.pid}/stat').read().split(')')[-1].split()[0] != 'Z':\n"
             "    time.sleep(0.1)\n"
             "time.sleep(0.3)")
    m = run_measured("tree", [sys.executable, "-c", child])
    print(f"tree: {m.seconds:.2f}s wall, {m.cpu_seconds:.2f}s CPU, peak {m.peak_mib:.0f} MiB")
    assert m.ok
    assert m.peak_mib >= 300
    assert m.cpu_seconds >= 1.0  # the grandchild's busy loop


def test_generator_writes_canonical_synthetic_rows(tmp_path: Path, mirror_dir: Path) -> None:
    lake = tmp_path / "lake"
    path, plan = synthetic.generate(lake, 10_000, mirror=mirror_dir, project_root=PROJECT_ROOT)
    print(plan.describe())
    assert path == lake / "synthetic_benchmark" / "synthetic_indicator_values.parquet"
    con = duckdb.connect()
    rel = f"read_parquet('{path}')"
    cols = con.execute(f"describe select * from {rel}").fetchall()
    assert [(c[0], c[1].lower()) for c in cols] == synthetic.CANONICAL
    n, n_areas, n_boroughs, bad_ci, out_of_range = con.execute(f"""
        select count(*), count(distinct area_code),
               count(distinct case when area_type = 'borough' then area_code end),
               count(*) filter (where lower_ci > value or upper_ci < value),
               count(*) filter (where value < 0)
        from {rel}""").fetchone()
    areas = synthetic.national_areas(mirror_dir)
    assert n == plan.rows == synthetic.whole_rows(10_000, len(areas)) >= 10_000
    assert n_areas == len(areas) > 300  # every English local authority, the regions but London, England
    assert n_boroughs == 33
    assert "E12000007" not in {a.code for a in areas}
    assert bad_ci == 0 and out_of_range == 0
    # named synthetic wherever it can be
    names = con.execute(f"select distinct source_id, category_type, value_note like 'SYNTHETIC%' from {rel}").fetchall()
    assert names == [("synthetic_benchmark", "synthetic breakdown", True)]
    dup = con.execute(f"""select count(*) from (select indicator_id, area_code, period_label, sex, age, category
                          from {rel} group by all having count(*) > 1)""").fetchone()[0]
    assert dup == 0
    with (lake / "manifest.csv").open() as fh:
        manifest = list(csv.DictReader(fh))
    assert manifest[-1]["dataset_id"] == "synthetic_indicator_values" and manifest[-1]["rows"] == str(n)

    # deterministic: the same size gives the same rows
    first = con.execute(f"select sum(hash(value)), sum(hash(area_code)) from {rel}").fetchone()
    synthetic.generate(lake, 10_000, mirror=mirror_dir, project_root=PROJECT_ROOT)
    assert con.execute(f"select sum(hash(value)), sum(hash(area_code)) from {rel}").fetchone() == first


def test_size_parsing() -> None:
    assert synthetic.parse_size("10k") == 10_000
    assert synthetic.parse_size("1.5M") == 1_500_000
    assert synthetic.parse_size("30000000") == 30_000_000
    assert synthetic.size_label(10_000_000) == "10M"


@pytest.mark.slow
def test_scale_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path: Path, mirror_dir: Path) -> None:
    """`python -m benchmarks scale --sizes 10k`: real CLI stages with the synthetic source, and pandas."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "scale", "--sizes", "10k", "--work-dir", str(tmp_path / "w"),
         "--mirror", str(mirror_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1200, check=False)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    for step in ("generate", "gate 1", "dbt build", "gate 2", "pandas baseline", "polars baseline",
                 "lake -> marts (path)"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(step))
        assert " ok" in line, line
    assert "pandas / path" in proc.stdout and "polars / path" in proc.stdout
    # the equal-work line: exactly one for the size, a ratio (so the warehouse and polars produced the same rows)
    work_lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("equal-work ratio at ")]
    assert len(work_lines) == 1, work_lines
    m = equal_work.LINE_RE.match(work_lines[0])
    assert m and m["size"] == "10k" and float(m["dbt"]) > 0 and float(m["polars"]) > 0, work_lines[0]
    # the synthetic rows reached the marts, and only the benchmark's own warehouse
    # (the stage prints one line; dbt's node lines are in the run's log folder, kept by the harness)
    stage_logs = sorted((tmp_path / "w" / "scale" / "logs" / "scale-10k-stage-logs").rglob("*.log"))
    assert any("stg_synthetic_benchmark__indicator_values" in f.read_text(errors="replace") for f in stage_logs), \
        [str(f) for f in stage_logs]


def test_a_baseline_is_not_started_where_it_would_not_fit_even_as_the_first_size(monkeypatch):
    """A run whose first size is 100M has no smaller size to extrapolate from: the per-row peak measured before
    keeps pandas (~26 GB at 100M) from starting on a 24 GB machine, while polars and small sizes still run."""
    from benchmarks import scale

    monkeypatch.setattr(scale, "_memory_mib", lambda: 24_000.0)
    empty = scale.ScaleResult(target="duckdb")
    fits, why = scale._baseline_fits(empty, 100_000_000, "pandas baseline")
    assert not fits and "per million rows" in why and "26,000" in why
    assert scale._baseline_fits(empty, 100_000_000, "polars baseline") == (True, "")
    assert scale._baseline_fits(empty, 10_000_000, "pandas baseline") == (True, "")


def test_rows_rounded_either_side_of_a_boundary_are_paired_and_real_differences_still_count():
    """The equal-work check rounds doubles to 6 decimals; at 100M one SII of 7.7896725 rounded to 7.789672 in the
    warehouse and 7.789673 in polars. Such a pair (same key, every double within one unit) is the same row; a
    value two units away, or a row with no partner, is a difference."""
    con = duckdb.connect()
    wh = ("select * from (values ('a', 1.0, 7.789672), ('b', 2.0, 1.0), ('c', 3.0, 5.000000), ('d', 4.0, null),"
          " ('e', 5.0, 1.0)) t(k, n, sii)")
    pl = ("select * from (values ('a', 1.0, 7.789673), ('b', 2.0, 1.0), ('c', 3.0, 5.000002), ('d', 4.0, null),"
          " ('f', 5.0, 1.0)) t(k, n, sii)")
    # a: boundary pair; b, d: equal; c: two units apart; e / f: no partner
    assert equal_work._unpaired(con, wh, pl, ("n", "sii")) == (2, 2)
    assert equal_work._unpaired(con, wh, wh, ("n", "sii")) == (0, 0)


def test_floor_reads_each_models_own_compiled_statement_and_sums_the_minima(tmp_path):
    """benchmarks.floor takes each equal-work model's compiled file, not the copies dbt compiles for its unit tests,
    names a missing one, and sums the four models' minimum wall seconds per way."""
    from benchmarks import floor

    compiled = tmp_path / "dbt-target" / "compiled" / "his" / "models"
    for i, model in enumerate(equal_work.EQUAL_WORK_MODELS):
        (compiled / "m").mkdir(parents=True, exist_ok=True)
        (compiled / "m" / f"{model}.sql").write_text(f"select {i}")
        (compiled / "m" / "_tests.yml").mkdir(exist_ok=True)
        (compiled / "m" / "_tests.yml" / f"{model}.sql").write_text("select 'unit test'")
    assert floor.compiled_statements(tmp_path) == {m: f"select {i}" for i, m in enumerate(equal_work.EQUAL_WORK_MODELS)}
    (compiled / "m" / "fct_inequality_gap.sql").unlink()
    with pytest.raises(SystemExit, match="one compiled fct_inequality_gap.sql"):
        floor.compiled_statements(tmp_path)

    results = {(m, w): [(2.0, 1.0), (1.0, 1.5)] for m in equal_work.EQUAL_WORK_MODELS for w in floor.WAYS}
    assert floor.report(results).splitlines()[-1] == \
        "four models, sum of minimum wall s: compute 4.00, table 4.00, parquet 4.00"
