"""Runs build stages in order with progress and a timing summary.

Each stage is a function ``(BuildContext) -> str | None`` returning a one-line summary (the stage table is
in :mod:`pipeline.cli`). ``his build`` runs them all and stops at the first failure, ``his <stage>`` runs
one alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import HisError
from ingest.progress import capture, log, say
from pipeline.context import BuildContext

__all__ = ["BuildReport", "Stage", "StageFn", "StageResult", "log", "run_stages"]

StageFn = Callable[[BuildContext], "str | None"]


@dataclass
class Stage:
    name: str
    help: str
    run: StageFn


@dataclass
class StageResult:
    name: str
    seconds: float
    ok: bool
    summary: str = ""


@dataclass
class BuildReport:
    results: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def table(self) -> str:
        width = max([len(r.name) for r in self.results] + [5])
        lines = [f"{'stage':<{width}}  {'seconds':>8}  status  summary"]
        for r in self.results:
            lines.append(f"{r.name:<{width}}  {r.seconds:>8.1f}  {'ok' if r.ok else 'FAILED':<6}  {r.summary}")
        total = sum(r.seconds for r in self.results)
        lines.append(f"{'total':<{width}}  {total:>8.1f}")
        return "\n".join(lines)


def log_dir(ctx: BuildContext) -> Path:
    """This run's log folder: ``<data>/logs/<run id>/`` (one ``<stage>.log`` per stage run)."""
    return ctx.settings.data_dir / "logs" / ctx.run_id


def run_stages(stages: list[Stage], ctx: BuildContext) -> BuildReport:
    """Run stages in order; stop at the first failure. Raises nothing: the report says what failed.

    The console gets one line per stage (plus warnings and errors); each stage's detail and its tools' full
    output go to ``<data>/logs/<run>/<stage>.log``, whose path is printed when the stage fails."""
    report = BuildReport()
    for i, stage in enumerate(stages, start=1):
        start = time.perf_counter()
        path = log_dir(ctx) / f"{stage.name}.log"
        with capture(path):
            log(f"[{i}/{len(stages)}] {stage.name}: {stage.help}")
            try:
                summary = stage.run(ctx) or ""
            except HisError as exc:
                report.results.append(StageResult(stage.name, time.perf_counter() - start, False,
                                                  str(exc).splitlines()[0]))
                log(f"error in stage '{stage.name}': {exc}")
                say(f"[{i}/{len(stages)}] {stage.name} FAILED; full output: {path}")
                break
            report.results.append(StageResult(stage.name, time.perf_counter() - start, True, summary))
            say(f"[{i}/{len(stages)}] {stage.name} done in {report.results[-1].seconds:.1f}s {summary}")
    return report
