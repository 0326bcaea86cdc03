"""The scale benchmark: SYNTHETIC national data at growing sizes through lake -> gate -> dbt, pandas and polars.

For each size: a data directory holding the real lake from the mirror (ingested once) plus the synthetic
dataset (:mod:`benchmarks.synthetic`); then, each in its own process and measured, through the real CLI
with the synthetic wiring of :mod:`benchmarks.stagerun`:

- ``generate``: write the synthetic lake file (the ingest equivalent for this data);
- ``gate 1``: ``his check --gate lake --dataset synthetic_indicator_values`` (the real datasets' gate is
  measured by the mirror benchmark);
- ``dbt build``: ``his dbt`` (every model and test, synthetic rows included);
- ``gate 2``: ``his check --gate marts`` (duckdb target only: it reads the DuckDB warehouse);
- ``pandas baseline``: :mod:`benchmarks.baseline` over the same lake files (skipped where its memory, which grows
  linearly with the rows, would not fit);
- ``polars baseline``: :mod:`benchmarks.baseline_polars`, the same outputs in lazy, streaming polars (the best
  script an analyst would write instead of the warehouse).

The path is ``gate 1 + dbt build + gate 2`` (lake to tested marts; ``gate 2`` only on DuckDB).

The equal-work line (DuckDB target, :mod:`benchmarks.equal_work`): per size, the execution time of the four dbt
models that compute the polars baseline's outputs (from that size's ``run_results.json``: the dbt build step writes
its artifacts to a folder of its own, ``DBT_TARGET_PATH``) against polars' own time, printed only after checking
that the warehouse and polars produced the same rows; exactly one line per size,
``equal-work ratio at <size>: dbt models <s> s, polars <s> s, <r>x``.

``target`` selects the dbt target (``duckdb`` or ``spark``) through ``HIS_TARGET``.
"""

from __future__ import annotations

import math
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import equal_work, synthetic
from benchmarks.harness import Measure, fmt_mib, fmt_rate, fmt_seconds, his_argv, log, run_measured, table

TARGET_ROWS = 100_000_000  # all-England LSOA x 100 indicators x 10 years x 3 sexes is about 100M long rows
TARGET_PATH_S = 300.0  # lake -> gate 1 -> dbt build -> gate 2 at TARGET_ROWS, DuckDB
TARGET_PEAK_MIB = 8192.0
TARGET_GROWTH_K = 1.0  # time ~ rows^k for every stage from 10M to 100M
PATH_STAGES = ("gate 1", "dbt build", "gate 2")
BASELINES = ("pandas baseline", "polars baseline")
#: a baseline's peak memory per million lake rows, for a run whose first size is already large (measured
#: 2026-11-30: pandas 7,336 MiB at 30M, polars 7,834 MiB at 100M, both from their smaller sizes; rounded up).
#: A 100M-only run started the pandas baseline before this and it reached 14.5 GiB before being stopped.
MIB_PER_MILLION_ROWS = {"pandas baseline": 260.0, "polars baseline": 90.0}


@dataclass
class SizeResult:
    label: str
    rows: int
    steps: dict[str, Measure] = field(default_factory=dict)
    baseline_detail: str = ""
    polars_detail: str = ""
    equal_work: str = ""  # the one machine-readable equal-work line (benchmarks.equal_work.line)
    equal_work_detail: str = ""  # what was checked, for people

    def path_stages(self) -> list[str]:
        """The stages of the path this size ran (gate 2 only exists on the DuckDB target)."""
        return [s for s in PATH_STAGES if s in self.steps or s != "gate 2"]

    def path_seconds(self) -> float | None:
        ms = [self.steps.get(s) for s in self.path_stages()]
        return None if any(m is None for m in ms) else sum(m.seconds for m in ms)  # type: ignore[union-attr]

    def path_peak(self) -> float | None:
        ms = [self.steps[s] for s in PATH_STAGES if s in self.steps]
        return max((m.peak_mib for m in ms), default=None)

    def path_ok(self) -> bool:
        return all(s in self.steps and self.steps[s].ok for s in self.path_stages())


@dataclass
class ScaleResult:
    target: str
    sizes: list[SizeResult] = field(default_factory=list)
    base_ingest: Measure | None = None


def _env(data_dir: Path, mirror: Path, target: str) -> dict[str, str]:
    return {"HIS_DATA_DIR": str(data_dir), "HIS_WAREHOUSE": str(data_dir / "warehouse.duckdb"),
            "HIS_MIRROR": str(mirror), "HIS_TARGET": target}


def _note(m: Measure) -> None:
    if not m.ok:
        for line in reversed(m.log_tail):
            low = line.lower()
            if "error" in low or "failed" in low:
                m.note = "FAILED: " + line.strip()[:160]
                return
        m.note = "FAILED (see log)"


def _memory_mib() -> float | None:
    """Physical memory of this machine (MiB), from /proc/meminfo; None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _baseline_fits(res: ScaleResult, rows: int, name: str = "pandas baseline") -> tuple[bool, str]:
    """Whether a baseline can run at ``rows`` without exhausting memory: its peak grows about linearly with the
    rows (pandas 1.7 GB at 1M, 14.7 GB at 10M; polars 3.4 GB at 10M, 8.1 GB at 30M), so extrapolate from the
    largest size measured so far."""
    total = _memory_mib()
    done = [sr for sr in res.sizes if name in sr.steps and sr.steps[name].ok]
    if total is None:
        return True, ""
    if not done:  # nothing measured in this run yet: the per-row peak measured before (docs/performance.md)
        need = MIB_PER_MILLION_ROWS[name] * rows / 1e6
        basis = f"{name.split()[0]} needs ~{fmt_mib(MIB_PER_MILLION_ROWS[name])} MiB per million rows"
    else:
        last = max(done, key=lambda sr: sr.rows)
        need = last.steps[name].peak_mib * rows / last.rows
        basis = f"{name.split()[0]} peaked at {fmt_mib(last.steps[name].peak_mib)} MiB at {last.label}"
    if need < 0.9 * total:
        return True, ""
    return False, f"not run: {basis}, so ~{fmt_mib(need)} MiB here, more than this machine's {fmt_mib(total)} MiB"


def run(work: Path, mirror: Path, project_root: Path, sizes: list[int], *, target: str = "duckdb",
        baseline: bool = True, echo: bool = False, keep: bool = False) -> ScaleResult:
    """Run every size; ``keep`` leaves each size's data directory (lake, warehouse) under ``work`` for profiling."""
    res = ScaleResult(target=target)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    base = work / "scale" / "base" / "data"
    if base.exists():
        shutil.rmtree(base)
    log("[scale] ingest the mirror once (the real lake every size starts from)")
    res.base_ingest = run_measured("ingest (mirror, once)", his_argv("ingest"), env=_env(base, mirror, "duckdb"),
                                   cwd=project_root, log_path=logs / "scale-base-ingest.log", echo=echo)
    _note(res.base_ingest)
    if not res.base_ingest.ok:
        log(f"[scale] base ingest failed: {res.base_ingest.note}")
        return res
    # `his ingest` stages what it parsed; gate 1 on the real lake accepts it (the transactional lake), so each size
    # starts from an accepted lake and its measured gate 1 and dbt build see only the synthetic data as new.
    accepted = run_measured("gate 1 (mirror, once)", his_argv("check", "--gate", "lake"),
                            env=_env(base, mirror, "duckdb"), cwd=project_root,
                            log_path=logs / "scale-base-gate.log", echo=echo)
    if not accepted.ok:
        log(f"[scale] gate 1 on the base lake failed: {accepted.note}")
        res.base_ingest = accepted
        return res
    areas = synthetic.national_areas(mirror)
    for n in sizes:
        rows = synthetic.whole_rows(n, len(areas))
        sr = SizeResult(synthetic.size_label(n), rows)
        res.sizes.append(sr)
        data = work / "scale" / sr.label / "data"
        if data.parent.exists():
            shutil.rmtree(data.parent)
        shutil.copytree(base, data)
        env = _env(data, mirror, target)
        dbt_target = data.parent / "dbt-target"  # this size's run_results.json (read for the equal-work line)
        steps: list[tuple[str, list[str]]] = [
            ("generate", [sys.executable, "-m", "benchmarks.synthetic", "--rows", str(n),
                          "--lake-dir", str(data / "lake"), "--mirror", str(mirror)]),
            ("gate 1", his_argv("check", "--gate", "lake", "--dataset", synthetic.DATASET_ID, synthetic=True)),
            ("dbt build", his_argv("dbt", synthetic=True)),
        ]
        if target == "duckdb":
            steps.append(("gate 2", his_argv("check", "--gate", "marts", synthetic=True)))
        fits, why = _baseline_fits(res, rows) if baseline else (False, "")
        if baseline and not fits:
            log(f"[scale {sr.label}] pandas baseline {why}")
            sr.baseline_detail = f"pandas baseline {why}"
        if baseline and fits:
            steps.append(("pandas baseline", [sys.executable, "-m", "benchmarks.baseline",
                                              "--lake-dir", str(data / "lake")]))
        polars_fits, polars_why = _baseline_fits(res, rows, "polars baseline") if baseline else (False, "")
        if baseline and not polars_fits:
            log(f"[scale {sr.label}] polars baseline {polars_why}")
            sr.polars_detail = f"polars baseline {polars_why}"
        if baseline and polars_fits:
            steps.append(("polars baseline", [sys.executable, "-m", "benchmarks.baseline_polars",
                                              "--lake-dir", str(data / "lake"), "--out-dir", str(data / "polars")]))
        for name, argv in steps:
            log(f"[scale {sr.label}] {name}")
            step_env = {**env, "DBT_TARGET_PATH": str(dbt_target)} if name == "dbt build" else env
            m = run_measured(name, argv, env=step_env, cwd=project_root, rows=rows, echo=echo,
                             log_path=logs / f"scale-{sr.label}-{name.replace(' ', '-')}.log")
            _note(m)
            sr.steps[name] = m
            log(f"[scale {sr.label}]   {fmt_seconds(m.seconds)} s, peak {fmt_mib(m.peak_mib)} MiB, exit {m.returncode}"
                f" {m.note}")
            if name == "pandas baseline" and m.ok:
                sr.baseline_detail = next((ln for ln in reversed(m.log_tail) if ln.startswith("conform_s=")), "")
            if name == "polars baseline" and m.ok:
                sr.polars_detail = next((ln for ln in reversed(m.log_tail) if ln.startswith("conform_enrich_s=")),
                                        "")
            if name == "generate" and not m.ok:
                break
        if target == "duckdb":
            _equal_work(sr, data, dbt_target / "run_results.json")
            log(f"[scale {sr.label}] {sr.equal_work}")
        # keep the tools' full output (data/logs/<run>/<stage>.log: dbt's node lines...) beside the harness logs,
        # then keep the disk tidy unless asked to keep: the next size writes its own copy
        if (data / "logs").is_dir():
            shutil.copytree(data / "logs", logs / f"scale-{sr.label}-stage-logs", dirs_exist_ok=True)
        if not keep:
            shutil.rmtree(data.parent, ignore_errors=True)
    return res


def _equal_work(sr: SizeResult, data: Path, run_results: Path) -> None:
    """Fill ``sr.equal_work``: the four models' node seconds against polars, once both produced the same rows."""
    dbt_m, pl_m = sr.steps.get("dbt build"), sr.steps.get("polars baseline")
    if dbt_m is None or not dbt_m.ok:
        sr.equal_work = equal_work.line(sr.label, None, None, "the dbt build did not succeed")
        return
    if pl_m is None or not pl_m.ok:
        sr.equal_work = equal_work.line(sr.label, None, None, "no polars baseline run")
        return
    try:
        secs = equal_work.model_seconds(run_results)
        polars_s = equal_work.polars_seconds(pl_m.log_tail)
        diffs, left_out = equal_work.row_differences(data / "warehouse.duckdb", data / "polars")
    except equal_work.EqualWorkError as exc:
        sr.equal_work = equal_work.line(sr.label, None, None, str(exc))
        return
    why_not = equal_work.differences_note(diffs)
    sr.equal_work = equal_work.line(sr.label, sum(secs.values()), polars_s, why_not)
    sr.equal_work_detail = "equal work: " + ", ".join(f"{m} {s:.1f} s" for m, s in secs.items()) + (
        "" if why_not else "; same rows (except all both ways): "
        + ", ".join(f"{k} {n:,}" for k, (n, _, _) in diffs.items())
        + f"; {left_out} enriched row(s) from programme returns left out (the baselines do not read returns)")


def _exponent(a: SizeResult, b: SizeResult, name: str) -> str:
    ma, mb = a.steps.get(name), b.steps.get(name)
    if not ma or not mb or ma.seconds <= 0 or mb.seconds <= 0 or a.rows == b.rows:
        return "-"
    return f"{math.log(mb.seconds / ma.seconds) / math.log(b.rows / a.rows):.2f}"


PATH_LABEL = "lake -> marts (path)"


def report(res: ScaleResult) -> str:
    out = [f"== Scale: SYNTHETIC national data, lake -> gate 1 -> dbt build -> gate 2 (target {res.target}) =="]
    if res.base_ingest:
        m = res.base_ingest
        out.append(f"(base: real lake ingested from the mirror once in {fmt_seconds(m.seconds)} s"
                   f"{'' if m.ok else ' - ' + m.note})")
    for sr in res.sizes:
        out += ["", f"-- {sr.label}: {sr.rows:,} synthetic rows (+ the real lake)"]
        rows = []
        for name, m in sr.steps.items():
            rows.append([name, fmt_seconds(m.seconds), fmt_seconds(m.cpu_seconds), fmt_mib(m.peak_mib),
                         fmt_rate(m.rows_per_second), "ok" if m.ok else "FAILED", m.note])
        ps = sr.path_seconds()
        if ps is not None:
            rows.append([PATH_LABEL, fmt_seconds(ps), "", fmt_mib(sr.path_peak()),
                         fmt_rate(sr.rows / ps if ps else None), "ok" if sr.path_ok() else "FAILED",
                         " + ".join(sr.path_stages())])
        out.append(table(["step", "wall s", "CPU s", "peak MiB", "rows/s", "status", "note"], rows))
        if sr.baseline_detail:
            out.append(f"   {'' if sr.baseline_detail.startswith('pandas baseline') else 'pandas steps: '}"
                       f"{sr.baseline_detail}")
        if sr.polars_detail:
            out.append(f"   {'' if sr.polars_detail.startswith('polars baseline') else 'polars steps: '}"
                       f"{sr.polars_detail}")
        for name in BASELINES:
            b_m = sr.steps.get(name)
            if b_m and b_m.ok and ps:
                out.append(f"   {name.split()[0]} / path = {b_m.seconds / ps:.2f}x "
                           f"({'path faster' if ps < b_m.seconds else 'baseline faster'})")
        if sr.equal_work_detail:
            out.append(f"   {sr.equal_work_detail}")
        if sr.equal_work:
            out.append(sr.equal_work)
    if len(res.sizes) >= 2:
        out += ["", "-- growth with size (wall seconds; exponent k in time ~ rows^k between consecutive sizes)"]
        names = list(dict.fromkeys(n for sr in res.sizes for n in sr.steps))
        headers = ["step"] + [sr.label for sr in res.sizes] + [
            f"k {a.label}->{b.label}" for a, b in zip(res.sizes, res.sizes[1:])]
        rows = []
        for name in names:
            row = [name] + [fmt_seconds(sr.steps[name].seconds) if name in sr.steps else "-" for sr in res.sizes]
            row += [_exponent(a, b, name) for a, b in zip(res.sizes, res.sizes[1:])]
            rows.append(row)
        out.append(table(headers, rows))
        rows = []
        for name in names:
            rows.append([name] + [fmt_mib(sr.steps[name].peak_mib) if name in sr.steps else "-" for sr in res.sizes])
        out += ["", "-- peak memory (MiB) by size", table(["step"] + [sr.label for sr in res.sizes], rows)]
    rows = []
    big = next((sr for sr in res.sizes if sr.rows >= TARGET_ROWS * 0.99), None)
    if big is not None and res.target == "duckdb":
        ps, peak = big.path_seconds(), big.path_peak()
        rows += [[f"{PATH_LABEL} wall at {big.label}", f"< {TARGET_PATH_S:.0f} s", fmt_seconds(ps),
                  "MET" if ps is not None and big.path_ok() and ps < TARGET_PATH_S else "MISSED"],
                 [f"peak memory (any stage of the path) at {big.label}", f"< {TARGET_PEAK_MIB:.0f} MiB",
                  fmt_mib(peak), "MET" if peak is not None and peak < TARGET_PEAK_MIB else "MISSED"]]
    for sr in res.sizes:
        ps = sr.path_seconds()
        for name in BASELINES:
            b_m = sr.steps.get(name)
            if b_m and b_m.ok and ps is not None and sr.path_ok():
                rows.append([f"path faster than {name.split()[0]} at {sr.label}", "path < baseline",
                             f"{fmt_seconds(ps)} vs {fmt_seconds(b_m.seconds)} s",
                             "MET" if ps < b_m.seconds else "MISSED"])
    ten = next((sr for sr in res.sizes if sr.label == "10M"), None)
    if ten is not None and big is not None and big is not ten:
        for name in dict.fromkeys(n for n in ten.steps if n in big.steps and n in (*PATH_STAGES,)):
            k = _exponent(ten, big, name)
            rows.append([f"growth of {name} {ten.label}->{big.label}", f"k <= {TARGET_GROWTH_K:.0f}", k,
                         "MET" if k != "-" and float(k) <= TARGET_GROWTH_K else "MISSED"])
    if rows:
        out += ["", "-- targets", table(["target", "goal", "measured", "verdict"], rows)]
    return "\n".join(out)


def compare_engines(duck: ScaleResult, spark: ScaleResult) -> str:
    """Both engines' dbt build on the same sizes (gate 1 is the same DuckDB/GE step for both targets)."""
    out = ["== DuckDB vs Spark (local[2], same machine): dbt build of the same project on the same data =="]
    rows = []
    for d in duck.sizes:
        s = next((x for x in spark.sizes if x.label == d.label), None)
        md, ms = d.steps.get("dbt build"), s.steps.get("dbt build") if s else None
        if not md or not ms:
            continue
        rows.append([d.label, fmt_seconds(md.seconds), fmt_seconds(md.cpu_seconds), fmt_mib(md.peak_mib),
                     fmt_seconds(ms.seconds), fmt_seconds(ms.cpu_seconds), fmt_mib(ms.peak_mib),
                     f"{ms.seconds / md.seconds:.1f}x" if md.seconds > 0 else "-",
                     "both ok" if md.ok and ms.ok else "FAILED"])
    out.append(table(["size", "DuckDB wall s", "CPU s", "peak MiB", "Spark wall s", "CPU s", "peak MiB",
                      "Spark / DuckDB", "status"], rows))
    return "\n".join(out)

