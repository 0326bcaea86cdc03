"""Command-line entry point: ``his <stage>`` runs one stage, ``his build`` runs them all in order.

Stages, in build order:

- ``plan``    parse the plan document into ``seeds/plan_*.csv``
- ``ingest``  download (or read from the mirror) every registered source into ``data/raw`` and ``data/lake``
- ``check``   quality gate 1 on the lake (``--gate marts`` for gate 2 on the marts)
- ``dbt``     ``dbt seed`` + ``dbt build`` into the warehouse (or on Spark with ``--target spark``)
- ``collect`` (Spark target only) copy the marts Spark built into the candidate DuckDB file
- ``publish`` (build only) replace the warehouse with the checked candidate
- ``report``  build the Evidence site from the marts

Each stage's code is imported only when it runs, so ``his --help`` and ``his plan`` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from ingest.config import settings
from ingest.errors import HisError
from ingest.pipeline import Stage, StageFn, log, run_stages

# name -> (help, "module:function"). Build order is the order of BUILD_ORDER below.
STAGE_TABLE: dict[str, tuple[str, str]] = {
    "plan": ("parse the plan document into the plan seeds", "ingest.plan.stage:run"),
    "ingest": ("fetch every registered source and write the lake", "ingest.sources.stage:run"),
    "check-lake": ("quality gate 1: Great Expectations on the lake", "ingest.quality.stage:run_lake"),
    "dbt": ("dbt seed and build into the warehouse", "ingest.dbt_runner:run"),
    "collect": ("spark target: copy Spark's marts into the candidate DuckDB file for gate 2 and reports",
                "ingest.spark:run_collect"),
    "check-marts": ("quality gate 2: Great Expectations on the marts", "ingest.quality.stage:run_marts"),
    "publish": ("publish the checked warehouse (replaces the previous one atomically)", "ingest.dbt_runner:run_publish"),
    "report": ("build the Evidence reports from the marts", "ingest.report:run"),
}
BUILD_ORDER = ["plan", "ingest", "check-lake", "dbt", "collect", "check-marts", "publish", "report"]


def _load(target: str) -> StageFn:
    module_name, _, func = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise HisError(f"stage module {module_name} is not available: {exc}") from exc
        raise
    return getattr(module, func)


def stage(name: str) -> Stage:
    help_text, target = STAGE_TABLE[name]
    return Stage(name=name, help=help_text, run=lambda cfg, opts: _load(target)(cfg, opts))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="his",
        description="London health inequalities warehouse: plan -> ingest -> gate 1 -> dbt -> gate 2 -> reports.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--mirror", help="read published files from this mirror directory (env HIS_MIRROR)")
    common.add_argument("--data-dir", help="where generated data goes (env HIS_DATA_DIR, default ./data)")
    common.add_argument("--warehouse", help="DuckDB warehouse file (env HIS_WAREHOUSE)")
    common.add_argument("--target", choices=["duckdb", "spark"], help="dbt target (env HIS_TARGET)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", parents=[common], help="run every stage in order")
    p.add_argument("--skip", action="append", default=[], choices=BUILD_ORDER, help="skip a stage (repeatable)")
    p.add_argument("--dataset", action="append", default=[], help="limit the quality gates to these datasets")
    sub.add_parser("plan", parents=[common], help=STAGE_TABLE["plan"][0])
    p = sub.add_parser("ingest", parents=[common], help=STAGE_TABLE["ingest"][0])
    p.add_argument("--source", action="append", default=[], help="only these source ids (repeatable)")
    p.add_argument("--offline", action="store_true", help="never touch the network; use the mirror or the cache")
    p = sub.add_parser("check", parents=[common], help="run the quality gates")
    p.add_argument("--gate", choices=["lake", "marts", "all"], default="all")
    p.add_argument("--dataset", action="append", default=[], help="only these datasets (repeatable)")
    p = sub.add_parser("dbt", parents=[common], help=STAGE_TABLE["dbt"][0])
    p.add_argument("--select", help="dbt selection, passed through")
    sub.add_parser("collect", parents=[common], help=STAGE_TABLE["collect"][0])
    p = sub.add_parser("report", parents=[common], help=STAGE_TABLE["report"][0])
    p.add_argument("--serve", action="store_true", help="serve the built site on http://127.0.0.1:PORT/")
    p.add_argument("--port", type=int, default=3000, help="port for --serve (default 3000)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = settings(mirror=args.mirror, data_dir=args.data_dir, warehouse=args.warehouse, target=args.target)
    options: dict[str, Any] = {k: v for k, v in vars(args).items() if k not in {"mirror", "data_dir", "warehouse"}}

    if args.command == "build":
        names = [n for n in BUILD_ORDER if n not in args.skip]
    elif args.command == "check":
        names = {"lake": ["check-lake"], "marts": ["check-marts"], "all": ["check-lake", "check-marts"]}[args.gate]
    else:
        names = [args.command]

    report = run_stages([stage(n) for n in names], cfg, options)
    if len(names) > 1 or not report.ok:
        log("\n" + report.table())
    if not report.ok:
        failed = report.results[-1].name
        log(f"\nbuild stopped at stage '{failed}'; later stages did not run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
