"""Command-line entry point: ``his <stage>`` runs one stage, ``his build`` runs them all in order.

Stages, in build order:

- ``plan``    parse the plan document into ``seeds/plan/plan_*.csv``
- ``ingest``  download (or read from the mirror) every registered source into ``data/raw`` and ``data/lake``
- ``check``   quality gate 1 on the lake (``--gate marts`` for gate 2 on the marts)
- ``dbt``     ``dbt seed`` + ``dbt build`` into the warehouse (or on Spark with ``--target spark``)
- ``collect`` (Spark target only) copy the marts Spark built into the candidate DuckDB file
- ``publish`` (build only) replace the warehouse with the checked candidate
- ``report``  build the Evidence site from the marts
- ``generate`` (not a build stage; ``dbt`` runs it first) write the dbt sources and staging models the
  source registry yields; ``--check`` only compares
- ``returns`` (not a build stage) ``template`` writes the programme returns workbook to fill, ``check FILE``
  judges a filled one with gate 1's row rules (:mod:`pipeline.returns`, docs/returns.md)

The stages are imported here (the call graph is in :data:`STAGES`); each imports dbt, Great Expectations or
Spark only inside its functions, so ``his --help`` and ``his plan`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.config import settings
from ingest.progress import say
from pipeline import quality, report, spark, stages, warehouse
from pipeline.context import BuildContext, Options
from pipeline.runner import Stage, log, run_stages

# Build order. Each stage module imports its heavy libraries (dbt, Great Expectations, Spark) only inside
# its functions, so ``his --help`` and ``his plan`` stay fast.
STAGES: list[Stage] = [
    Stage("plan", "parse the plan document into the plan seeds", stages.run_plan),
    Stage("ingest", "fetch every registered source and write the lake", stages.run_ingest),
    Stage("check-lake", "quality gate 1: Great Expectations on the lake", quality.run_lake),
    Stage("dbt", "dbt seed and build into the warehouse", warehouse.run),
    Stage("collect", "spark target: copy Spark's marts into the candidate DuckDB file for gate 2 and reports",
          spark.run_collect),
    Stage("check-marts", "quality gate 2: Great Expectations on the marts", quality.run_marts),
    Stage("publish", "publish the checked warehouse (replaces the previous one atomically)", warehouse.run_publish),
    Stage("report", "build the Evidence reports from the marts", report.run),
]
BUILD_ORDER = [s.name for s in STAGES]
STAGE_BY_NAME = {s.name: s for s in STAGES}


ACCEPT_HELP = ("build the warehouse although the lake's last gate-1 run failed or has not run (from the last "
               "accepted datasets only; staged and quarantined data are never read)")
EXCLUDE_HELP = ("dbt nodes to leave out (dbt's --exclude syntax, passed through); a build that leaves nodes out is "
                "never recorded as the published warehouse's complete build")


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
    p.add_argument("--accept-unchecked-lake", action="store_true", help=ACCEPT_HELP)
    p.add_argument("--exclude", help=EXCLUDE_HELP)
    sub.add_parser("plan", parents=[common], help=STAGE_BY_NAME["plan"].help)
    p = sub.add_parser("ingest", parents=[common], help=STAGE_BY_NAME["ingest"].help)
    p.add_argument("--source", action="append", default=[], help="only these source ids (repeatable)")
    p.add_argument("--offline", action="store_true", help="never touch the network; use the mirror or the cache")
    p = sub.add_parser("check", parents=[common], help="run the quality gates")
    p.add_argument("--gate", choices=["lake", "marts", "all"], default="all")
    p.add_argument("--dataset", action="append", default=[], help="only these datasets (repeatable)")
    p = sub.add_parser("dbt", parents=[common], help=STAGE_BY_NAME["dbt"].help)
    p.add_argument("--select", help="dbt selection, passed through")
    p.add_argument("--exclude", help=EXCLUDE_HELP)
    p.add_argument("--accept-unchecked-lake", action="store_true", help=ACCEPT_HELP)
    sub.add_parser("collect", parents=[common], help=STAGE_BY_NAME["collect"].help)
    p = sub.add_parser("generate", parents=[common],
                       help="write the dbt sources and staging models derived from the source registry")
    p.add_argument("--check", action="store_true", help="only check they are current (exit 1 naming the files if not)")
    p = sub.add_parser("report", parents=[common], help=STAGE_BY_NAME["report"].help)
    p.add_argument("--serve", action="store_true", help="serve the built site on http://127.0.0.1:PORT/")
    p.add_argument("--port", type=int, default=3000, help="port for --serve (default 3000)")
    p = sub.add_parser("returns", help="programme returns: write the workbook to fill, or check a filled one")
    rsub = p.add_subparsers(dest="returns_command", required=True, metavar="ACTION")
    r = rsub.add_parser("template", help="write the returns workbook (.xlsx): one row per numeric target of the plan")
    r.add_argument("--out", default="programme_returns.xlsx", help="where to write it (default programme_returns.xlsx)")
    r = rsub.add_parser("check", help="check a filled returns workbook or CSV with gate 1's row rules")
    r.add_argument("file", help="the filled workbook (.xlsx) or returns table (.csv)")
    return parser


def returns_command(args: argparse.Namespace) -> int:
    """``his returns template|check`` (pipeline/returns.py): no stages, no data directory."""
    from ingest.errors import HisError
    from pipeline import returns

    if args.returns_command == "template":
        out = Path(args.out)
        n = returns.write_template(out)
        say(f"wrote {out}: {n} numeric targets of the plan to report against (sheet '{returns.SHEET}'; "
            f"how to fill it: sheet '{returns.INSTRUCTIONS_SHEET}')")
        return 0
    # the check's findings are its output: stdout, one line each (pipeable), as the summary
    try:
        rows, problems = returns.check_file(Path(args.file))
    except HisError as exc:
        print(f"{args.file}: cannot be read as a returns table: {exc}")
        return 1
    if not rows:
        print(f"{args.file}: no figures filled in (every target row is empty); nothing to load")
        return 1
    for p in problems:
        print(f"{args.file}: {p.line()}")
    if problems:
        bad = len({p.row for p in problems})
        print(f"{args.file}: {len(problems)} problem(s) in {bad} of {rows} row(s); nothing can be loaded until "
            "they are fixed")
        return 1
    print(f"{args.file}: {rows} row(s), every row passes the {len(returns.R.RULES) + 1} checks of each returns row")
    return 0


def options_from(args: argparse.Namespace) -> Options:
    """The typed options of one command line."""
    return Options(
        command=args.command,
        sources=tuple(getattr(args, "source", None) or ()),
        offline=bool(getattr(args, "offline", False)),
        datasets=tuple(getattr(args, "dataset", None) or ()),
        select=getattr(args, "select", None),
        exclude=getattr(args, "exclude", None),
        accept_unchecked_lake=bool(getattr(args, "accept_unchecked_lake", False)),
        skip=tuple(getattr(args, "skip", None) or ()),
        serve=bool(getattr(args, "serve", False)),
        port=int(getattr(args, "port", None) or 3000),
        registry=Path(args.registry) if getattr(args, "registry", None) else None,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "returns":
        return returns_command(args)
    cfg = settings(mirror=args.mirror, data_dir=args.data_dir, warehouse=args.warehouse, target=args.target)
    ctx = BuildContext(cfg, options_from(args))

    if args.command == "generate":
        from ingest.errors import HisError
        from pipeline.codegen import generate

        try:
            changed = generate(cfg.project_root, check=args.check)
        except HisError as exc:
            log(f"error: {exc}")
            return 1
        log("generated dbt files are current" if args.check or not changed else f"{len(changed)} file(s) written")
        return 0
    if args.command == "build":
        names = [n for n in BUILD_ORDER if n not in args.skip]
    elif args.command == "check":
        names = {"lake": ["check-lake"], "marts": ["check-marts"], "all": ["check-lake", "check-marts"]}[args.gate]
    else:
        names = [args.command]

    result = run_stages([STAGE_BY_NAME[n] for n in names], ctx)
    if len(names) > 1 or not result.ok:
        say("\n" + result.table())
    if not result.ok:
        failed = result.results[-1].name
        say(f"\nbuild stopped at stage '{failed}'; later stages did not run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
