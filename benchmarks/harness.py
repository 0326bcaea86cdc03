"""Timing and memory of one command run in a child process.

Every measured step runs in its own subprocess, reaped with :func:`os.wait4`, so its wall time and its
peak resident memory (``ru_maxrss``: the largest RSS reached by the child or any descendant it waited
for, e.g. Evidence's node processes) are exact and independent of the other steps. A descendant that is
never waited for (the JVM that pyspark starts for the Spark target) escapes ``wait4``; a sampler reads
``/proc`` every 0.2 s and adds up the resident memory and CPU time of the whole process tree, and a step
reports the larger of the two figures. Nothing here needs a dependency beyond the standard library.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measure:
    """One measured step: wall seconds, peak RSS (MiB), exit status and the tail of its stderr."""

    name: str
    seconds: float
    peak_mib: float
    returncode: int
    cpu_seconds: float = 0.0  # user + system CPU of the child and its reaped descendants
    rows: int | None = None
    note: str = ""
    log_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def rows_per_second(self) -> float | None:
        if not self.rows or self.seconds <= 0:
            return None
        return self.rows / self.seconds


def run_measured(name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None, log_path: Path | None = None, rows: int | None = None,
                 echo: bool = False) -> Measure:
    """Run ``argv`` in a child process; wall time from spawn to reap, peak RSS from ``wait4``.

    The child's stdout and stderr go to ``log_path`` (or a pipe that is drained); with ``echo`` they are
    also copied to our stderr as progress.
    """
    full_env = {**os.environ, **(env or {})}
    log_file = open(log_path, "wb") if log_path else None  # noqa: SIM115 (closed below)
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), env=full_env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    tree = _TreeSampler(proc.pid)
    tree.start()
    tail: list[str] = []
    assert proc.stdout is not None
    for raw in proc.stdout:
        if log_file:
            log_file.write(raw)
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if echo:
            print(f"    | {line}", file=sys.stderr, flush=True)
        tail.append(line)
        if len(tail) > 40:
            del tail[:-40]
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    tree.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log_file:
        log_file.close()
    # Linux reports ru_maxrss in KiB.
    return Measure(name=name, seconds=seconds, peak_mib=max(usage.ru_maxrss / 1024, tree.peak_mib),
                   returncode=proc.returncode, cpu_seconds=max(usage.ru_utime + usage.ru_stime, tree.cpu_seconds),
                   rows=rows, log_tail=tail)


class _TreeSampler(threading.Thread):
    """Peak summed RSS and total CPU time of a process and all its descendants, from ``/proc`` (Linux)."""

    INTERVAL_S = 0.2

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_mib = 0.0
        self._cpu: dict[int, float] = {}  # pid -> last seen user + system seconds
        self._done = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=2)

    def run(self) -> None:
        if not Path("/proc").is_dir():
            return
        while not self._done.is_set():
            self._sample()
            self._done.wait(self.INTERVAL_S)

    def _sample(self) -> None:
        stats: dict[int, tuple[int, float, int]] = {}  # pid -> (ppid, cpu seconds, rss pages)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    raw = fh.read().decode("ascii", "replace")
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()  # after "pid (comm) "
            try:
                ppid, utime, stime, rss = int(fields[1]), int(fields[11]), int(fields[12]), int(fields[21])
            except (IndexError, ValueError):
                continue
            stats[int(entry.name)] = (ppid, (utime + stime) / self._tick, rss)
        tree, frontier = set(), [self.root]
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            pid = frontier.pop()
            if pid in tree or pid not in stats:
                continue
            tree.add(pid)
            frontier.extend(children.get(pid, []))
        rss = sum(stats[p][2] for p in tree) * self._page / 2**20
        self.peak_mib = max(self.peak_mib, rss)
        for p in tree:
            self._cpu[p] = max(self._cpu.get(p, 0.0), stats[p][1])


def load_average() -> str:
    """The 1/5/15-minute load average, printed with the figures: other work on the machine inflates wall time."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def his_argv(*args: str, synthetic: bool = False) -> list[str]:
    """The real command line (``pipeline.cli``) in a fresh interpreter, through :mod:`benchmarks.stagerun`
    (which adds the synthetic source's wiring when ``synthetic``)."""
    argv = [sys.executable, "-m", "benchmarks.stagerun"]
    if synthetic:
        argv.append("--synthetic")
    return [*argv, "--", *args]


def fmt_seconds(s: float | None) -> str:
    return "-" if s is None else f"{s:.1f}"


def fmt_mib(m: float | None) -> str:
    return "-" if m is None else f"{m:,.0f}"


def fmt_rate(r: float | None) -> str:
    if r is None:
        return "-"
    if r >= 1e6:
        return f"{r / 1e6:.2f}M"
    if r >= 1e3:
        return f"{r / 1e3:.0f}k"
    return f"{r:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table (first column left-aligned, the rest right-aligned)."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(cells):
            out.append(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
