"""The two ingestion stages of the build, as adapters from the typed context to :mod:`ingest`.

Ingestion itself (plan parser, registry, fetch, formats, conform) lives in :mod:`ingest` and knows nothing of
the build's context; these functions pass it what it needs.
"""

from __future__ import annotations

from ingest.plan import stage as plan_stage
from ingest.sources import stage as sources_stage
from pipeline.context import BuildContext


def run_plan(ctx: BuildContext) -> str:
    """``plan``: parse the plan document into the plan seeds (``seeds/plan/plan_*.csv``)."""
    return plan_stage.run(ctx.settings, accept_changed_document=ctx.options.accept_changed_document)


def run_ingest(ctx: BuildContext) -> str:
    """``ingest``: fetch every registered source (or ``--source``) and write the lake."""
    o = ctx.options
    return sources_stage.run(ctx.settings, sources=o.sources, offline=o.offline, registry=o.registry,
                             staged=True)
