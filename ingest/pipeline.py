"""The build pipeline: named stages run in order with progress and a timing summary.

Each stage is a function ``(Settings, options) -> str | None`` returning a one-line summary. Stages
register themselves in :data:`STAGES` in pipeline order; ``his build`` runs them all and stops at the
first failure, ``his <stage>`` runs one alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError

StageFn = Callable[[Settings, dict[str, Any]], "str | None"]


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


def log(message: str) -> None:
    """Progress output goes to stderr so stdout stays clean for data."""
    print(message, file=sys.stderr, flush=True)


def run_stages(stages: list[Stage], cfg: Settings, options: dict[str, Any]) -> BuildReport:
    """Run stages in order; stop at the first failure. Raises nothing: the report says what failed."""
    report = BuildReport()
    for i, stage in enumerate(stages, start=1):
        log(f"[{i}/{len(stages)}] {stage.name}: {stage.help}")
        start = time.perf_counter()
        try:
            summary = stage.run(cfg, options) or ""
        except HisError as exc:
            report.results.append(StageResult(stage.name, time.perf_counter() - start, False, str(exc).splitlines()[0]))
            log(f"error in stage '{stage.name}': {exc}")
            break
        report.results.append(StageResult(stage.name, time.perf_counter() - start, True, summary))
        log(f"[{i}/{len(stages)}] {stage.name} done in {report.results[-1].seconds:.1f}s {summary}")
    return report
