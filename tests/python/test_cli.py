"""The command line: stage ordering, timing summary, clear failure and non-zero exit."""

from __future__ import annotations

from ingest.config import settings
from ingest.errors import HisError
from pipeline import cli
from pipeline.context import BuildContext
from pipeline.runner import Stage, run_stages


def test_build_order_puts_gates_before_reports():
    order = cli.BUILD_ORDER
    assert order.index("check-lake") < order.index("dbt") < order.index("check-marts")
    assert order.index("check-marts") < order.index("publish") < order.index("report")


def test_run_stages_stops_at_first_failure_and_reports_it():
    ran: list[str] = []

    def ok(ctx):
        ran.append("a")
        return "fine"

    def bad(ctx):
        ran.append("b")
        raise HisError("plan document not found: x.md")

    def never(ctx):
        ran.append("c")

    report = run_stages([Stage("a", "", ok), Stage("b", "", bad), Stage("c", "", never)], BuildContext.of(settings()))
    assert ran == ["a", "b"]
    assert not report.ok
    assert [r.ok for r in report.results] == [True, False]
    assert "plan document not found" in report.results[-1].summary
    assert "FAILED" in report.table() and "total" in report.table()
