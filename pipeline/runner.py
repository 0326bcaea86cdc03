"""Runs build stages in order with progress and a timing summary.

Each stage is a function ``(BuildContext) -> str | None`` returning a one-line summary (the stage table is
in :mod:`pipeline.cli`). ``his build`` runs them all and stops at the first failure, ``his <stage>`` runs
one alone.
"""

from __future__ import annotations

import time
import traceback
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
            except Exception as exc:
                message = _failure(exc)
                if message is None:
                    raise
                report.results.append(StageResult(stage.name, time.perf_counter() - start, False,
                                                  message.splitlines()[0]))
                log(f"error in stage '{stage.name}': {message}")
                say(f"[{i}/{len(stages)}] {stage.name} FAILED; full output: {path}")
                break
            report.results.append(StageResult(stage.name, time.perf_counter() - start, True, summary))
            say(f"[{i}/{len(stages)}] {stage.name} done in {report.results[-1].seconds:.1f}s {summary}")
    return report


def _failure(exc: BaseException) -> str | None:
    """The message a failed stage reports, or None for an exception that is a bug (it propagates).

    Besides :class:`HisError` (the stages' own, clear messages), faults of the machine a stage could not
    foresee end in the FAILED summary too rather than a traceback: an operating-system error (a full disk, a
    read-only or immutable file, a folder that vanished) and a DuckDB error (a file another program locked or
    damaged). Their traceback goes to the stage log for whoever investigates."""
    if isinstance(exc, HisError):
        return str(exc)
    if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        log("".join(traceback.format_exception(exc)))
        return f"{type(exc).__name__}: {exc}"
    return None
