"""The typed context every build stage receives: where things are, what was asked, what earlier stages decided.

- :class:`~ingest.config.Settings`: paths (project, data directory, lake, warehouse, mirror) and the dbt target.
- :class:`Options`: what the user asked for on the command line (frozen: no stage changes it).
- :class:`Decisions`: facts a stage establishes for the stages after it (e.g. the dbt stage found nothing
  changed, so gate 2 can reuse the published results). Each field has one writer, named in its comment.

Stages are plain functions ``run(ctx: BuildContext) -> str`` returning a one-line summary
(:mod:`pipeline.runner`); tests build a context with :meth:`BuildContext.of`.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ingest.config import Settings


@dataclass(frozen=True)
class Options:
    """Command-line options, one field per flag; defaults are those of a stage called directly."""

    command: str = ""  # the CLI command (build, ingest, check, dbt, report...); "" when a stage is called directly
    sources: tuple[str, ...] = ()  # ingest: only these registry source ids (--source)
    offline: bool = False  # ingest: never touch the network (--offline)
    registry: Path | None = None  # ingest: another registry folder or file (tests)
    datasets: tuple[str, ...] = ()  # quality gates: only these lake datasets or marts (--dataset)
    select: str | None = None  # dbt: a selection passed through (--select)
    exclude: str | None = None  # dbt: nodes left out, passed through (--exclude)
    accept_unchecked_lake: bool = False  # dbt: build although the lake's last gate-1 run failed or never ran
    skip: tuple[str, ...] = ()  # build: stages skipped (--skip)
    accept_changed_document: bool = False  # plan: accept a plan document that differs from its record
    serve: bool = False  # report: serve the built site (--serve)
    port: int = 3000  # report: port for --serve
    today: dt.date | None = None  # quality gates: the date "periods are not in the future" is checked against


@dataclass
class Decisions:
    """What earlier stages decided, for the stages after them."""

    dbt_unchanged: bool = False  # written by the dbt stage: inputs unchanged, build skipped (gate 2 reuses results)


@dataclass
class BuildContext:
    settings: Settings
    options: Options = field(default_factory=Options)
    decisions: Decisions = field(default_factory=Decisions)
    #: Names this run's log folder, ``<data>/logs/<run_id>/`` (UTC time and process id: unique and sortable).
    run_id: str = field(default_factory=lambda: f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}")
    #: The data directory's writer lock this command holds (pipeline/lock.py), when run from the CLI.
    writer_lock: ExitStack | None = None

    def release_writer_lock(self) -> None:
        """Let other commands write the data directory again (``his report --serve`` only reads from here on)."""
        if self.writer_lock is not None:
            self.writer_lock.close()
            self.writer_lock = None

    @classmethod
    def of(cls, settings: Settings, **options: object) -> BuildContext:
        """A context with these options (lists become tuples), for tests and scripts."""
        fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        return cls(settings, Options(**fixed))  # type: ignore[arg-type]
