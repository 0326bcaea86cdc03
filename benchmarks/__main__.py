"""``python -m benchmarks``: the build and scale benchmarks (see :mod:`benchmarks`)."""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import mirror as mirror_bench
from benchmarks import scale as scale_bench
from benchmarks.harness import load_average, log
from benchmarks.synthetic import parse_size


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Wall time and peak memory of the build stages on the mirror, and of lake -> gate -> dbt on "
                    "SYNTHETIC national data at growing sizes against pandas and polars baselines.")
    ap.add_argument("what", nargs="?", choices=["all", "mirror", "scale"], default="all",
                    help="which benchmark (default: all)")
    ap.add_argument("--mirror", help="mirror of published files (env HIS_MIRROR, default ../shared/data)")
    ap.add_argument("--work-dir", type=Path, help="scratch directory (default: a new temporary directory, removed "
                                                   "afterwards unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory, with each size's data directory (lake, warehouse) and logs")
    ap.add_argument("--skip-reports", action="store_true", help="mirror benchmark without the Evidence reports")
    ap.add_argument("--no-stages", action="store_true", help="mirror benchmark: only the whole builds")
    ap.add_argument("--sizes", default="1M,10M,30M", help="synthetic sizes (default 1M,10M,30M; e.g. 10k,100k)")
    ap.add_argument("--target", choices=["duckdb", "spark", "both"], default="duckdb",
                    help="dbt target for the scale run; both: DuckDB then Spark on the same sizes, and a comparison")
    ap.add_argument("--no-baseline", action="store_true", help="scale benchmark without the pandas and polars baselines")
    ap.add_argument("--echo", action="store_true", help="copy every step's output to stderr")
    return ap


def main(argv: list[str] | None = None) -> int:
    from ingest.config import PROJECT_ROOT, settings

    args = build_parser().parse_args(argv)
    cfg = settings(mirror=args.mirror)
    mirror = cfg.mirror or (PROJECT_ROOT.parent / "shared" / "data").resolve()
    if not mirror.is_dir():
        log(f"benchmarks: no mirror at {mirror}; pass --mirror or set HIS_MIRROR")
        return 2
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="his-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    header = (f"his benchmarks {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
              f"Python {platform.python_version()}, load average at start {load_average()}")
    sections = [header]
    ok = True
    try:
        if args.what in ("all", "mirror"):
            res = mirror_bench.run(work / "mirror", mirror, PROJECT_ROOT, skip_reports=args.skip_reports,
                                   echo=args.echo, stages=not args.no_stages)
            sections.append(mirror_bench.report(res))
            ok &= all(m.ok for m in res.stages) and bool(res.cold and res.cold.ok)
            print("\n\n".join(sections), flush=True)
            sections = []
        if args.what in ("all", "scale"):
            sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
            targets = ["duckdb", "spark"] if args.target == "both" else [args.target]
            runs = []
            for target in targets:
                scratch = work / "scale" / target if len(targets) > 1 else work / "scale"
                res2 = scale_bench.run(scratch, mirror, PROJECT_ROOT, sizes, target=target,
                                       baseline=not args.no_baseline and target == "duckdb", echo=args.echo,
                                       keep=args.keep)
                runs.append(res2)
                sections.append(scale_bench.report(res2))
                ok &= all(m.ok for sr in res2.sizes for m in sr.steps.values())
            if len(runs) == 2:
                sections.append(scale_bench.compare_engines(*runs))
        sections.append(f"load average at end {load_average()}; logs in {work}"
                        + ("" if args.keep or args.work_dir else " (removed)"))
        print("\n\n".join(sections), flush=True)
    finally:
        if not args.keep and not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
