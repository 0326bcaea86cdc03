"""The mirror benchmark: every build stage, a full cold build and an unchanged rebuild, on the real mirror.

Each step is the real CLI (``his ...``) in its own process in a fresh data directory, measured by
:func:`benchmarks.harness.run_measured` (wall time, peak RSS). "Cold" also means dbt has no partial-parse
cache (``target/partial_parse.msgpack`` is removed first); the rebuild runs in the same directory right
after, with nothing changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import Measure, fmt_mib, fmt_seconds, his_argv, log, run_measured, table

STAGES: list[tuple[str, list[str]]] = [
    ("plan", ["plan"]),
    ("ingest", ["ingest"]),
    ("gate 1 (lake)", ["check", "--gate", "lake"]),
    ("dbt build", ["dbt"]),
    ("gate 2 (marts)", ["check", "--gate", "marts"]),
    ("reports", ["report"]),
]
TARGET_COLD_S = 60.0
TARGET_REBUILD_S = 10.0


@dataclass
class MirrorResult:
    stages: list[Measure] = field(default_factory=list)
    cold: Measure | None = None
    rebuild: Measure | None = None
    cold_stage_table: str = ""
    rebuild_stage_table: str = ""
    skip_reports: bool = False


def _env(data_dir: Path, mirror: Path, target: str) -> dict[str, str]:
    return {"HIS_DATA_DIR": str(data_dir), "HIS_WAREHOUSE": str(data_dir / "warehouse.duckdb"),
            "HIS_MIRROR": str(mirror), "HIS_TARGET": target}


def clear_dbt_cache(project_root: Path) -> None:
    """Forget dbt's partial-parse cache so the next dbt run parses the whole project (a cold start)."""
    from pipeline.warehouse import target_dir

    (target_dir(project_root) / "partial_parse.msgpack").unlink(missing_ok=True)


def _stage_table(lines: list[str]) -> str:
    """The CLI's own per-stage timing table from the end of its output (``his build`` prints it)."""
    for i, line in enumerate(lines):
        if re.match(r"^stage\s+seconds\s+status", line):
            out = []
            for t in lines[i:]:
                out.append(t)
                if t.startswith("total"):
                    break
            return "\n".join(out)
    return ""


def run(work: Path, mirror: Path, project_root: Path, *, skip_reports: bool = False, target: str = "duckdb",
        echo: bool = False, stages: bool = True) -> MirrorResult:
    res = MirrorResult(skip_reports=skip_reports)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if stages:
        data = work / "stages" / "data"
        clear_dbt_cache(project_root)
        for label, args in STAGES:
            if skip_reports and args[0] == "report":
                continue
            log(f"[mirror] stage {label}: his {' '.join(args)}")
            m = run_measured(label, his_argv(*args), env=_env(data, mirror, target), cwd=project_root,
                             log_path=logs / f"stage-{args[0]}-{args[-1]}.log", echo=echo)
            if not m.ok:
                m.note = _failure_note(m)
            log(f"[mirror]   {fmt_seconds(m.seconds)} s, peak {fmt_mib(m.peak_mib)} MiB, exit {m.returncode} {m.note}")
            res.stages.append(m)

    data = work / "build" / "data"
    build_args = ["build"] + (["--skip", "report"] if skip_reports else [])
    clear_dbt_cache(project_root)
    log(f"[mirror] cold build: his {' '.join(build_args)} (fresh data dir, no dbt partial-parse cache)")
    res.cold = run_measured("cold build", his_argv(*build_args), env=_env(data, mirror, target), cwd=project_root,
                            log_path=logs / "build-cold.log", echo=echo)
    res.cold_stage_table = _stage_table(res.cold.log_tail)
    if not res.cold.ok:
        res.cold.note = _failure_note(res.cold)
    log(f"[mirror]   {fmt_seconds(res.cold.seconds)} s, exit {res.cold.returncode}")
    log(f"[mirror] unchanged rebuild: his {' '.join(build_args)} (same data dir)")
    res.rebuild = run_measured("unchanged rebuild", his_argv(*build_args), env=_env(data, mirror, target),
                               cwd=project_root, log_path=logs / "build-rebuild.log", echo=echo)
    res.rebuild_stage_table = _stage_table(res.rebuild.log_tail)
    if not res.rebuild.ok:
        res.rebuild.note = _failure_note(res.rebuild)
    log(f"[mirror]   {fmt_seconds(res.rebuild.seconds)} s, exit {res.rebuild.returncode}")
    return res


def _failure_note(m: Measure) -> str:
    for line in reversed(m.log_tail):
        if "error" in line.lower() or "not available" in line.lower() or "failed" in line.lower():
            return "FAILED: " + line.strip()[:140]
    return "FAILED (see log)"


def report(res: MirrorResult) -> str:
    out = ["== Mirror data: build stages (real CLI, one process each, fresh data dir) =="]
    rows = [[m.name, fmt_seconds(m.seconds), fmt_seconds(m.cpu_seconds), fmt_mib(m.peak_mib),
             "ok" if m.ok else "FAILED", m.note] for m in res.stages]
    if rows:
        total = sum(m.seconds for m in res.stages)
        cpu = sum(m.cpu_seconds for m in res.stages)
        peak = max(m.peak_mib for m in res.stages)
        rows.append(["sum of stages", fmt_seconds(total), fmt_seconds(cpu), fmt_mib(peak), "", ""])
        out.append(table(["step", "wall s", "CPU s", "peak MiB", "status", "note"], rows))
    label = "without reports" if res.skip_reports else "with reports"
    rows = []
    for m, target in ((res.cold, TARGET_COLD_S), (res.rebuild, TARGET_REBUILD_S)):
        if m is None:
            continue
        verdict = "" if not res.skip_reports and m is res.cold else ("MET" if m.ok and m.seconds < target else "MISSED")
        rows.append([f"{m.name} ({label})", fmt_seconds(m.seconds), fmt_seconds(m.cpu_seconds), fmt_mib(m.peak_mib),
                     "ok" if m.ok else "FAILED", f"< {target:.0f} s", verdict])
    out.append("")
    out.append("== Mirror data: whole builds (his build) ==")
    out.append(table(["build", "wall s", "CPU s", "peak MiB", "status", "target", "verdict"], rows))
    for title, t in (("cold build, per stage (from the CLI)", res.cold_stage_table),
                     ("unchanged rebuild, per stage (from the CLI)", res.rebuild_stage_table)):
        if t:
            out += ["", f"-- {title}", t]
    return "\n".join(out)
