"""The gate stages: ``check-lake`` (gate 1, after ingest) and ``check-marts`` (gate 2, after dbt build).

``run_lake`` checks every lake dataset of the source registry; ``run_marts`` checks the marts declared
in ``pipeline/quality/suites/marts.yml`` in the *candidate* warehouse (``<warehouse>.candidate`` when it
exists, else the warehouse), opened read-only, so a failed gate leaves the published warehouse as it
was. ``--dataset`` (repeatable, ``Options.datasets``) limits either gate. Results of every run are
appended to ``data/quality/results.parquet`` before an ``error`` failure raises
:class:`~ingest.errors.GateFailed`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import GateFailed, HisError
from ingest.progress import log
from pipeline.context import BuildContext, Options
from pipeline.quality import results, suites
from pipeline.quality.suites import Check, Target, sql_str

# Columns that identify a failing row of an indicator table in the stored sample.
INDEX_ROWS = ["indicator_id", "area_code", "period_label", "sex", "category"]


def load_registry() -> Any:
    """The source registry (owned by ingest.sources; tests replace this function with a stand-in)."""
    try:
        from ingest.sources.registry import load_registry as _load
    except ImportError as exc:
        raise HisError(f"the source registry (ingest.sources.registry) is not available: {exc}") from exc
    return _load()


def read_source_status(cfg: Settings) -> dict[str, dict[str, str]]:
    """Per-source availability written by the ingest stage (empty when ingest has not run)."""
    from ingest.sources.stage import read_source_status as _read

    return _read(cfg)


def read_dataset_status(cfg: Settings) -> dict[str, dict[str, str]]:
    """Per-dataset availability written by the ingest stage (e.g. a sheet missing from a partial workbook)."""
    from ingest.sources.stage import read_dataset_status as _read

    return _read(cfg)


def _today(options: Options) -> dt.date:
    return options.today or dt.date.today()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def warehouse_snapshot(db: Path) -> str:
    """The id gate 2 records as the checked warehouse's snapshot, without reading the (multi-GB) file: the dbt
    inputs fingerprint the build wrote beside it (``<warehouse>.inputs.json``, see
    :func:`pipeline.warehouse.inputs_fingerprint`: the same inputs build the same marts), else a sha256 of
    the file's name, size and modification time."""
    from pipeline.warehouse import warehouse_state

    fingerprint = warehouse_state(db).get("fingerprint")
    if isinstance(fingerprint, str) and fingerprint:
        return fingerprint
    st = db.stat()
    return hashlib.sha256(f"{db.name}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()


def _selected(names: list[str], options: Options, known_elsewhere: set[str]) -> list[str]:
    wanted = list(options.datasets)
    if not wanted:
        return names
    unknown = [w for w in wanted if w not in names and w not in known_elsewhere]
    if unknown:
        raise HisError(f"unknown dataset(s) for --dataset: {', '.join(unknown)}; known lake datasets and marts: "
                       f"{', '.join(sorted(set(names) | known_elsewhere))}")
    return [n for n in names if n in wanted]


def _mart_names() -> set[str]:
    return set((suites.load_yaml("marts.yml").get("marts") or {}).keys())


def _lake_names() -> set[str]:
    try:
        return {d.id for d in load_registry().datasets()}
    except (HisError, ImportError):
        return set()


def lake_file(cfg: Settings, d: Any, staged: dict[str, dict[str, Any]]) -> Path:
    """What gate 1 checks for dataset ``d``: its staged copy when ingest staged one, else the accepted file."""
    return Path(staged[d.id]["path"]) if d.id in staged else d.lake_path(cfg)


def _known_areas(cfg: Settings, registry: Any) -> list[str]:
    """The warehouse geography (boroughs, Inner/Outer London, London, England) plus every area code in the
    reference lake datasets (IMD, population, boundaries)."""
    import duckdb

    from ingest.sources.lake import read_staged

    codes = set(suites.WAREHOUSE_AREAS)
    staged = read_staged(cfg)
    con = duckdb.connect()
    try:
        for d in registry.datasets():
            path = lake_file(cfg, d, staged)
            if d.kind != "reference" or not path.exists():
                continue
            rel = f"read_parquet({sql_str(str(path))})"
            cols = [r[0] for r in con.execute(f"describe select * from {rel}").fetchall()]
            if "area_code" in cols:
                codes |= {r[0] for r in con.execute(f"select distinct area_code from {rel} "
                                                     "where area_code is not null").fetchall()}
    finally:
        con.close()
    return sorted(codes)


def _lake_snapshot(manifest: list[dict[str, str]], dataset: str, path: Path) -> str:
    rows = [r for r in manifest if r.get("dataset_id") == dataset and r.get("snapshot_sha256")]
    return rows[-1]["snapshot_sha256"] if rows else _sha256_file(path)


def passed_before(history: list[dict[str, Any]], gate: str, dataset: str, snapshot: str,
                  checks: list[Check]) -> str | None:
    """The run id of the latest run of ``gate`` on this very snapshot of ``dataset`` when it ran exactly these
    checks (names, severities, arguments) and no ``error`` check failed; else None. Such a dataset needs no
    re-check: same bytes, same suite (docs/performance.md: an unchanged rebuild checks nothing again)."""
    runs = [r for r in history if r["gate"] == gate and r["dataset"] == dataset]
    if not runs:
        return None
    last = runs[-1]["run_id"]
    rows = [r for r in runs if r["run_id"] == last]
    if any(r["snapshot_sha256"] != snapshot for r in rows):
        return None
    if any(not r["success"] and r["severity"] == "error" for r in rows):
        return None
    stored = {r["check_name"]: r for r in rows}
    if set(stored) != {c.name for c in checks}:
        return None
    for c in checks:
        r = stored[c.name]
        try:
            kwargs = json.loads(r["kwargs"] or "{}")
        except ValueError:
            return None
        if r["severity"] != c.severity or any(kwargs.get(k) != json.loads(json.dumps(v, default=str))
                                              for k, v in c.kwargs.items()):
            return None
    return last


def lake_targets(cfg: Settings, options: Options,
                 reused: list[str] | None = None) -> tuple[list[Target], list[dict[str, Any]]]:
    """Targets for gate 1, and result rows for datasets that could not be checked (no lake file).

    Datasets whose snapshot already passed these very checks are left out and named in ``reused``."""
    registry = load_registry()
    datasets = registry.datasets()
    chosen = set(_selected([d.id for d in datasets], options, _mart_names()))
    catalogue = suites.load_catalogue(cfg)
    manifest = suites.read_manifest(cfg)
    history = results.read_history(cfg)
    overrides = suites.load_yaml("lake.yml").get("datasets") or {}
    known = _known_areas(cfg, registry)
    statuses = read_source_status(cfg)
    dstatuses = read_dataset_status(cfg)
    today = _today(options)
    from ingest.sources.lake import read_staged

    staged = read_staged(cfg)
    targets: list[Target] = []
    skipped: list[dict[str, Any]] = []
    for d in datasets:
        if d.id not in chosen:
            continue
        path = lake_file(cfg, d, staged)
        status = statuses.get(d.source_id, {})
        dstatus = dstatuses.get(d.id, {})
        if not path.exists() or "unavailable" in (status.get("status"), dstatus.get("status")):
            # A source unavailable offline (its lake file is an empty placeholder, or absent) is reported,
            # not failed: the ingest stage itself fails sources marked required. Likewise one dataset of an
            # available source whose sheet is missing from the workbook (dataset_status.csv).
            if status.get("status") == "unavailable":
                observed = f"source {d.source_id} unavailable: {status.get('reason')}"
            elif dstatus.get("status") == "unavailable":
                observed = f"dataset {d.id} of source {d.source_id} unavailable: {dstatus.get('reason')}"
            else:
                observed = f"source {d.source_id} unavailable: no lake file at {path}"
            skipped.append({"dataset": d.id, "snapshot_sha256": None, "check_name": "source_available",
                            "expectation": "source_available", "column": None, "severity": "warn",
                            "success": False, "observed_value": observed,
                            "unexpected_count": None, "failing_rows_sample": "[]", "kwargs": "{}"})
            continue
        snapshot = staged[d.id]["row"]["snapshot_sha256"] if d.id in staged else _lake_snapshot(manifest, d.id, path)
        for warning in (staged.get(d.id) or {}).get("warnings") or []:
            # an unknown borough code ingest could not keep (ingest.sources.conform.unknown_borough_codes):
            # named here as an error, so the gate does not only say that a borough is missing
            skipped.append({"dataset": d.id, "snapshot_sha256": snapshot, "check_name": "unknown_area_code",
                            "expectation": "unknown_area_code", "column": "area_code", "severity": "error",
                            "success": False, "observed_value": warning, "unexpected_count": None,
                            "failing_rows_sample": "[]", "kwargs": "{}"})
        rows_sql = f"select * from read_parquet({sql_str(str(path))})"
        key = list(d.key_columns or (suites.INDICATOR_KEY if d.kind == "indicator" else []))
        extra = overrides.get(d.id) or {}
        import polars as pl

        unknown = [k for k in key if k not in pl.read_parquet_schema(path)]
        if unknown:  # a registry key_columns entry that is not a column: an error result, not a SQL traceback
            skipped.append({"dataset": d.id, "snapshot_sha256": snapshot, "check_name": "key_columns_exist",
                            "expectation": "key_columns_exist", "column": ",".join(unknown), "severity": "error",
                            "success": False, "observed_value": f"key_columns {unknown} (registry, source "
                            f"{d.source_id}) are not columns of {path}", "unexpected_count": None,
                            "failing_rows_sample": "[]", "kwargs": "{}"})
            continue
        params = {"london_boroughs": suites.LONDON_BOROUGHS, "london_areas": suites.LONDON_AREAS,
                  "known_areas": known, "today": today.isoformat()}
        if d.kind == "indicator":
            checks = suites.indicator_checks(
                indicators=list(d.indicators), catalogue=catalogue, known_areas=known, key_columns=key,
                source_ids=[d.source_id], today=today, borough_coverage=d.area_level == "borough")
            assets = {"rows": rows_sql, "schema": suites.schema_sql(rows_sql),
                      "coverage": suites.coverage_sql(rows_sql), "codes": suites.codes_sql(rows_sql)}
            index = {"rows": INDEX_ROWS, "schema": ["column_name"], "coverage": suites.COVERAGE_INDEX,
                     "codes": suites.CODES_INDEX}
        elif d.kind == "returns":
            checks, assets, index = _returns_target(cfg, path, rows_sql)
        else:
            checks = [Check("row_count", "ExpectTableRowCountToBeBetween", {"min_value": 1})]
            for col in key:
                checks.append(Check(f"not_null[{col}]", "ExpectColumnValuesToNotBeNull", {"column": col}))
            assets, index = {"rows": rows_sql}, {"rows": key}
            if key:
                checks.append(suites.unique_key_check(key))
        if d.kind == "indicator" and d.area_level == "borough" and d.id in staged and d.lake_path(cfg).exists():
            expected = suites.previous_latest(d.lake_path(cfg))
            if expected:
                checks.append(suites.latest_period_check(expected))
        prev, origin = suites.previous_rows(manifest, history, d.id, snapshot)
        if prev is not None:
            floor = max(1, int(prev * (1 - suites.MAX_ROW_DROP)))
            checks.append(Check("row_count_vs_previous", "ExpectTableRowCountToBeBetween", {"min_value": floor},
                                severity=extra.get("row_drop_severity", "error")))
            log(f"  {d.id}: previous snapshot had {prev} rows ({origin}); at least {floor} expected")
        checks += suites.declared_checks(extra.get("checks"), f"lake.yml dataset {d.id}", params)
        checks = suites.apply_overrides(checks, extra.get("severity"))
        for name, sql in (extra.get("assets") or {}).items():
            assets[name] = sql.replace("{rows}", rows_sql)
            index.setdefault(name, [])
        if reused is not None and passed_before(history, "lake", d.id, snapshot, checks):
            reused.append(d.id)
            continue
        targets.append(Target("lake", d.id, snapshot, assets, index, checks, file=str(path)))
    return targets, skipped


def _returns_target(cfg: Settings, path: Path,
                    rows_sql: str) -> tuple[list[Check], dict[str, str], dict[str, list[str]]]:
    """Checks, assets and failing-row columns of a returns dataset (:func:`suites.returns_checks`): the row
    rules of :mod:`ingest.sources.returns` judged on the file's rows, against the plan's target ids and the
    known units of this checkout's seeds."""
    import polars as pl

    from ingest.sources import returns as R

    rule_ctx = R.rule_context(cfg.project_root)
    context_sha = hashlib.sha256("\n".join([*sorted(rule_ctx.target_ids), "", *rule_ctx.units]).encode()).hexdigest()
    outcomes = R.rule_outcomes(R.lake_rows_as_text(pl.read_parquet(path)), rule_ctx)
    assets = {"rows": rows_sql, "schema": suites.schema_sql(rows_sql),
              "row_checks": suites.returns_row_checks_sql(outcomes)}
    index = {"rows": ["return_id"], "schema": ["column_name"], "row_checks": suites.RETURNS_CHECKS_INDEX}
    return suites.returns_checks(context_sha), assets, index


def candidate_or_warehouse(cfg: Settings) -> Path:
    from pipeline.warehouse import candidate_path

    cand = candidate_path(cfg)
    return cand if cand.exists() else cfg.warehouse


def warehouse_connect_args(db: Path) -> dict[str, Any]:
    """Read-only access to the warehouse; a clear error if this process still holds it open read/write."""
    import duckdb

    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        raise HisError(f"{db} is still open read/write in this process, so gate 2 cannot open it read-only; "
                       "dbt runs must go through pipeline.warehouse.invoke, which releases dbt-duckdb's handle") from exc
    return {"read_only": True}


def mart_targets(cfg: Settings, options: Options, db: Path,
                 connect_args: dict[str, Any]) -> tuple[list[Target], list[str]]:
    """Targets for gate 2 from marts.yml; also the required marts missing from ``db``."""
    import duckdb

    spec = suites.load_yaml("marts.yml").get("marts") or {}
    chosen = set(_selected(sorted(spec), options, _lake_names()))
    con = duckdb.connect(str(db), **connect_args)
    try:
        where = {r[0]: r[1] for r in con.execute(
            "select table_name, table_schema from information_schema.tables order by table_schema").fetchall()}
    finally:
        con.close()
    catalogue = suites.load_catalogue(cfg)
    try:
        registry = load_registry()
        borough_inds = sorted({i for d in registry.datasets() if d.kind == "indicator" and d.area_level == "borough"
                               for i in d.indicators})
        known = _known_areas(cfg, registry)
    except (HisError, ImportError):
        borough_inds, known = [], list(suites.WAREHOUSE_AREAS)
    today = _today(options)
    params = {"london_boroughs": suites.LONDON_BOROUGHS, "london_areas": suites.LONDON_AREAS,
              "known_areas": known, "indicator_ids": sorted(catalogue), "today": today.isoformat()}
    snapshot = warehouse_snapshot(db)
    targets, missing = [], []
    for name in sorted(chosen):
        mart = spec[name] or {}
        if name not in where:
            if mart.get("required", True):
                missing.append(name)
            continue
        table = f'"{where[name]}"."{name}"'
        rows_sql = f"select * from {table}"
        key = list(mart.get("key_columns") or [])
        checks: list[Check] = []
        assets = {"rows": rows_sql}
        index = {"rows": key}
        if mart.get("derive") == "indicator":
            key = key or suites.INDICATOR_KEY
            checks = suites.indicator_checks(
                indicators=sorted(catalogue), catalogue=catalogue, known_areas=known, key_columns=key,
                source_ids=None, today=today, borough_coverage=bool(borough_inds), exact_columns=False)
            if not catalogue:
                checks = [c for c in checks if c.name != "indicator_known"]
            canon = [c for c, _ in suites.CANONICAL_COLUMNS]
            assets.update(schema=suites.schema_sql(rows_sql, only=canon),
                          coverage=suites.coverage_sql(rows_sql, borough_inds), codes=suites.codes_sql(rows_sql))
            index = {"rows": INDEX_ROWS, "schema": ["column_name"], "coverage": suites.COVERAGE_INDEX,
                     "codes": suites.CODES_INDEX}
        elif key:
            checks.append(suites.unique_key_check(key))
            checks += [Check(f"not_null[{c}]", "ExpectColumnValuesToNotBeNull", {"column": c}) for c in key]
        if not any(c.name == "row_count" for c in checks):  # derived indicator checks include it
            checks.insert(0, Check("row_count", "ExpectTableRowCountToBeBetween", {"min_value": 1}))
        for aname, sql in (mart.get("assets") or {}).items():
            assets[aname] = sql.replace("{table}", table)
            index.setdefault(aname, [])
        checks += suites.declared_checks(mart.get("checks"), f"marts.yml mart {name}", params)
        checks = suites.apply_overrides(checks, mart.get("severity"))
        targets.append(Target("marts", name, snapshot, assets, index, checks))
    return targets, missing


def _run(cfg: Settings, gate: str, targets: list[Target], extra_rows: list[dict[str, Any]],
         connection_string: str, connect_args: dict[str, Any], on_done: Any = None) -> str:
    from pipeline.quality.engine import run_targets

    run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = run_at.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)

    def progress(dataset: str, seconds: float, n: int) -> None:
        log(f"  {gate}: {dataset}: {n} expectations in {seconds:.2f}s")

    rows, timings = ([], {"import": 0.0, "datasets": {}})
    if targets:
        rows, timings = run_targets(targets, gate=gate, connection_string=connection_string,
                                    connect_args=connect_args, progress=progress)
    rows = extra_rows + rows
    files = {t.dataset: t.file for t in targets if t.file}
    for r in rows:
        r.update(run_id=run_id, run_at=run_at, gate=gate)
    results.append(cfg, rows)

    failed = [r for r in rows if not r["success"]]
    errors = [r for r in failed if r["severity"] == "error"]
    if on_done is not None:  # gate 1: promote or quarantine the staged datasets before any error is raised
        on_done(rows, run_id)
    warns = [r for r in failed if r["severity"] == "warn"]
    for r in warns:
        log(f"  warn: {gate} {r['dataset']}: {r['check_name']}: {r['observed_value']} {_sample(r)}")
    n_sets = len(timings["datasets"])
    total = sum(s for s, _ in timings["datasets"].values())
    summary = (f"{len(rows)} expectations on {n_sets} dataset(s) in {total:.1f}s "
               f"(GE import {timings['import']:.1f}s): {len(errors)} error(s), {len(warns)} warning(s); run {run_id}")
    if errors:
        first = errors[0]
        lines = [(f"quality gate '{gate}' failed: {len(errors)} error check(s); first: dataset {first['dataset']}, "
                 f"check {first['check_name']}")]
        for r in errors[:10]:
            lines.append(f"- dataset {r['dataset']}{' (file ' + files[r['dataset']] + ')' if r['dataset'] in files else ''}"
                         f": check {r['check_name']} ({r['expectation']}"
                         f"{' on ' + r['column'] if r['column'] else ''}): {_observed(r)}; "
                         f"failing rows e.g. {_sample(r)}")
        if len(errors) > 10:
            lines.append(f"- ... and {len(errors) - 10} more (all in {results.results_path(cfg)}, run {run_id})")
        raise GateFailed("\n".join(lines))
    return summary


def _observed(row: dict[str, Any]) -> str:
    """The observed value, with the expected bounds for a row count (e.g. "143 rows, expected at least 299")."""
    if row.get("expectation") in ("ExpectTableRowCountToBeBetween", "expect_table_row_count_to_be_between"):
        try:
            kwargs = json.loads(row.get("kwargs") or "{}")
        except ValueError:
            kwargs = {}
        bounds = [f"at least {kwargs['min_value']}" if kwargs.get("min_value") is not None else "",
                  f"at most {kwargs['max_value']}" if kwargs.get("max_value") is not None else ""]
        expected = " and ".join(b for b in bounds if b)
        return f"{row['observed_value']} rows, expected {expected}" if expected else f"{row['observed_value']} rows"
    return str(row["observed_value"])


def _sample(row: dict[str, Any], n: int = 3) -> str:
    try:
        sample = json.loads(row.get("failing_rows_sample") or "[]")
    except json.JSONDecodeError:
        return ""
    return json.dumps(sample[:n], default=str) if sample else ""


def run_lake(ctx: BuildContext) -> str:
    """Quality gate 1: every lake dataset (or those in ``--dataset``)."""
    cfg, options = ctx.settings, ctx.options
    if options.datasets and not set(options.datasets) & _lake_names():
        _selected([], options, _mart_names() | _lake_names())
        return "no lake datasets selected"
    # Inside `his build` a dataset whose snapshot already passed these checks is not checked again;
    # `his check` always checks everything.
    reused: list[str] = []
    targets, skipped = lake_targets(cfg, options, reused if options.command == "build" else None)
    if reused:
        log(f"  lake: {len(reused)} dataset(s) unchanged since they passed these checks, not re-checked: "
            f"{', '.join(reused)}")
    checked = {t.dataset for t in targets} | set(reused) | {r["dataset"] for r in skipped}
    outcome: dict[str, Any] = {}

    def finish(rows: list[dict[str, Any]], run_id: str) -> None:
        from ingest.sources import lake as lake_tx
        from ingest.sources.stage import _append_manifest

        bad = {r["dataset"] for r in rows if not r["success"] and r["severity"] == "error"}
        failed = {ds: [r for r in rows if r["dataset"] == ds] for ds in bad}
        promoted, quarantined = lake_tx.finish_gate(cfg, run_id, checked, failed, _append_manifest)
        outcome.update(promoted=promoted, quarantined=quarantined)
        if promoted:
            log(f"  lake: {len(promoted)} staged dataset(s) accepted into the lake: {', '.join(promoted)}")
        if quarantined:
            log(f"  lake: {len(quarantined)} dataset(s) REJECTED and quarantined in "
                f"{cfg.lake_dir / lake_tx.QUARANTINE / run_id}: {', '.join(quarantined)}; the accepted lake, "
                "its manifest and the published warehouse are unchanged")

    if not targets and not skipped:
        from ingest.sources.lake import new_run_id

        finish([], new_run_id())
        return f"{len(reused)} dataset(s) unchanged since they passed, not re-checked" if reused else \
            "no lake datasets selected"
    summary = _run(cfg, "lake", targets, skipped, "duckdb:///:memory:", {}, on_done=finish)
    summary += f"; {len(outcome.get('promoted') or [])} staged dataset(s) accepted"
    return f"{summary}; {len(reused)} unchanged dataset(s) not re-checked" if reused else summary


def run_marts(ctx: BuildContext) -> str:
    """Quality gate 2: the marts in the candidate warehouse (read-only; never modified)."""
    cfg, options = ctx.settings, ctx.options
    if options.datasets and not set(options.datasets) & _mart_names():
        _selected([], options, _mart_names() | _lake_names())  # unknown names still fail clearly
        return "no marts selected"
    if ctx.decisions.dbt_unchanged and not options.datasets:
        from pipeline.warehouse import published_state

        if published_state(cfg).get("gate2") == "passed":
            return "warehouse unchanged since it passed gate 2 (dbt build skipped); not re-checked"
    db = candidate_or_warehouse(cfg)
    if not db.exists():
        raise HisError(f"no warehouse to check at {db}; run `his dbt` first")
    connect_args = warehouse_connect_args(db)
    targets, missing = mart_targets(cfg, options, db, connect_args)
    extra = [{"dataset": m, "snapshot_sha256": None, "check_name": "mart_exists", "expectation": "mart_exists",
              "column": None, "severity": "error", "success": False,
              "observed_value": f"table {m} not found in {db.name}", "unexpected_count": None,
              "failing_rows_sample": "[]", "kwargs": "{}"} for m in missing]
    if not targets and not extra:
        return "no marts selected"
    return _run(cfg, "marts", targets, extra, f"duckdb:///{db}", connect_args)
