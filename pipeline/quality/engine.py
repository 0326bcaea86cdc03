"""Run derived suites with Great Expectations 1.x on DuckDB: ephemeral context, SQL data sources, one validator per asset.

Great Expectations is imported here only, by :func:`import_ge` (called inside the gate functions). Each
target (a lake dataset or a mart) gets one GE query asset per SQL asset (``rows``, ``schema``,
``coverage``, ``codes``) and one GE validator per asset, which loads the batch once and validates the
asset's suites on it (GE's ``Batch.validate`` path, without the data context's stores, validation
definitions and checkpoints: they serialise every expectation several times and record nothing the gate keeps;
on the mirror gate 1 went from 71M to 40M Python function calls without them);
GE compiles every expectation to SQL that DuckDB runs. The column checks run with counts only; failing rows
are fetched for the failed checks alone (:func:`run_targets`). The small aggregate assets
(:data:`~pipeline.quality.suites.MATERIALISED_ASSETS`) are materialised once as DuckDB temporary tables, and so
are the candidate rows of the SQL checks over every row (:func:`~pipeline.quality.suites.candidate_assets`).
See :mod:`pipeline.quality` and docs/quality-gate.md for why and the measurements.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from ingest.errors import HisError
from pipeline.quality import suites
from pipeline.quality.suites import Check, Target

RESULT_SAMPLE = 5


class _DialectName(str):
    """A dialect name GE's persisted-connection tuple accepts (it reads ``.value`` and compares with ==)."""

    @property
    def value(self) -> str:
        return str(self)


def import_ge() -> Any:
    """Import Great Expectations (~1-2 s) without dragging in pyspark, and make DuckDB work with it.

    - GE imports pyspark whenever it is installed (the ``spark`` extra is): 0.6 s more, and its
      ``pyspark.sql.connect`` check can ``sys.exit(0)`` in some embeddings. The gate only uses the SQL
      engine, so pyspark is hidden from GE's import (unless something already imported it).
    - duckdb is registered as a dialect that needs a persisted connection (like sqlite): otherwise GE
      closes the connection, and DuckDB's result with it, before fetching the metrics
      (``MetricResolutionError: list index out of range``, DESIGN.md section 8).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    hide = "pyspark" not in sys.modules
    if hide:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # makes `import pyspark` raise ImportError
    try:
        import great_expectations as gx
        import great_expectations.execution_engine.sqlalchemy_execution_engine as sqlengine
    finally:
        if hide and sys.modules.get("pyspark") is None:
            del sys.modules["pyspark"]
    persisted = sqlengine._PERSISTED_CONNECTION_DIALECTS
    if not any(str(getattr(d, "value", d)) == "duckdb" for d in persisted):
        sqlengine._PERSISTED_CONNECTION_DIALECTS = (*persisted, _DialectName("duckdb"))
    return gx


def _context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _row_condition(where: dict[str, Any]) -> Any:
    if not where:
        return None
    from great_expectations.expectations.row_conditions import Column

    cond = None
    for col, value in where.items():
        part = Column(col).is_null() if value is None else Column(col) == value
        cond = part if cond is None else cond & part
    return cond


def _expectation(gxe: Any, target: Target, check: Check) -> Any:
    cls = getattr(gxe, check.expectation, None)
    if cls is None:
        raise HisError(f"quality suite for {target.dataset}: check '{check.name}' names an unknown Great "
                       f"Expectations expectation '{check.expectation}'")
    kwargs = dict(check.kwargs)
    cond = _row_condition(check.where)
    if cond is not None:
        kwargs["row_condition"] = cond
    try:
        meta = {"check": check.name, "severity": check.severity}
        if check.column:
            meta["column"] = check.column
        return cls(**kwargs, meta=meta)
    except Exception as exc:  # pydantic validation error: name the check
        raise HisError(f"quality suite for {target.dataset}: check '{check.name}' ({check.expectation}) "
                       f"has invalid arguments {check.kwargs}: {exc}") from exc


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    return json.dumps(value, default=str)


def _column(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


# GE's column checks first run with counts only: GE bundles the aggregate metrics of all checks on one
# domain into one query, and with a partial list of 0 rows the per-check "unexpected values" query is
# LIMIT 0, which DuckDB answers without reading anything. (SUMMARY with unexpected_index_column_names costs
# every column check two more filtered scans, a partial list and an index list, even when nothing fails.)
COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": 0}
# Failed column checks run again for a sample of their failing rows (GE's metric cache does not spare the
# re-run: the graph recomputes every metric an expectation needs, but a failed check's sample stops early).
WITH_SAMPLE = {"result_format": "SUMMARY", "partial_unexpected_count": RESULT_SAMPLE}
# SQL checks (UnexpectedRowsExpectation) always count the query's rows and fetch up to MAX_RESULT_RECORDS of
# them, whatever the format: COMPLETE returns those rows, so a SQL check never needs a second run.
SQL_EXPECTATION = "UnexpectedRowsExpectation"
SQL_CHECK = "unexpected_rows_expectation"
SQL_ROWS = {"result_format": "COMPLETE"}


def run_targets(targets: list[Target], *, gate: str, connection_string: str,
                connect_args: dict[str, Any] | None = None, progress: Any = None) -> tuple[list[dict], dict]:
    """Validate every target; return result rows (see :mod:`pipeline.quality.results`) and timings.

    Per asset, on one validator (one batch), GE's column checks run as one suite with counts only
    (:data:`COUNTS_ONLY`) and the SQL checks as another (:data:`SQL_ROWS`); only the column checks that failed
    are validated again, on the same batch, to fetch a sample of their failing rows (:data:`WITH_SAMPLE`).
    Timings: ``{"import": s, "datasets": {dataset: (seconds, expectations)}}``.
    """
    t0 = time.perf_counter()
    gx = import_ge()
    import great_expectations.expectations as gxe
    from great_expectations.validator.v1_validator import Validator as V1Validator

    timings: dict[str, Any] = {"import": time.perf_counter() - t0, "datasets": {}}
    ctx = _context(gx)
    sources = {
        temp: ctx.data_sources.add_sql(
            name=f"{gate}_duckdb{'_tables' if temp else ''}", connection_string=connection_string,
            create_temp_table=temp, kwargs={"connect_args": connect_args or {}})
        for temp in (False, True)
    }
    rows: list[dict] = []
    try:
        for target in targets:
            start = time.perf_counter()
            n_expectations = 0
            results: dict[str, Any] = {}
            names = [c.name for c in target.checks]
            if len(set(names)) != len(names):
                dup = sorted({n for n in names if names.count(n) > 1})
                raise HisError(f"quality suite for {target.dataset}: check names must be unique, repeated: "
                               f"{', '.join(dup)}")
            assets, target_checks = suites.candidate_assets(target)
            # The candidate rows first. Their checks run there only when there are none (the usual case: the
            # check's query returns nothing over them, as over every row). Should any candidates query find rows or
            # fail (a column the file lacks), every check runs on the rows as declared, exactly as it always did:
            # the same failing rows in the same order (over a small table DuckDB may join in another order), the
            # same errors.
            validators: dict[str, Any] = {}
            for asset_name in (a for a in assets if a.startswith(suites.CANDIDATES_PREFIX)):
                validator = _validator(V1Validator, sources, asset_name,
                                       f"{gate}.{target.dataset}.{asset_name}", assets[asset_name])
                if validator is None or _has_rows(validator):
                    assets, target_checks, validators = dict(target.assets), list(target.checks), {}
                    break
                validators[asset_name] = validator
            for asset_name, sql in assets.items():
                checks = [c for c in target_checks if c.asset == asset_name]
                if not checks:
                    continue
                name = f"{gate}.{target.dataset}.{asset_name}"
                validator = validators.get(asset_name) or _validator(V1Validator, sources, asset_name, name, sql)
                index = target.index_columns.get(asset_name, [])
                by_name: dict[str, Any] = {}
                for group, fmt in (("columns", COUNTS_ONLY), ("sql", SQL_ROWS)):
                    chosen = [c for c in checks if (c.expectation == SQL_EXPECTATION) == (group == "sql")]
                    if not chosen:
                        continue
                    suite = gx.ExpectationSuite(name=f"{name}.{group}",
                                                expectations=[_expectation(gxe, target, c) for c in chosen])
                    validator.result_format = fmt
                    by_name.update((_check_name(r), r) for r in validator.validate_expectation_suite(suite).results)
                failed = [c for c in checks if c.expectation != SQL_EXPECTATION and c.name in by_name
                          and not by_name[c.name].success and not _raised(by_name[c.name])]
                if failed:
                    sample_format = {**WITH_SAMPLE, "unexpected_index_column_names": index}
                    suite = gx.ExpectationSuite(name=f"{name}.failed",
                                                expectations=[_expectation(gxe, target, c) for c in failed])
                    validator.result_format = sample_format
                    for r in validator.validate_expectation_suite(suite).results:
                        # A sample query that fails itself keeps the first result (the failure and its count).
                        if not _raised(r):
                            by_name[_check_name(r)] = r
                results.update((c.name, by_name[c.name]) for c in checks if c.name in by_name)
            for asset_name in target.assets:  # recorded per asset as declared, whatever asset each check ran on
                for check in target.checks:
                    if check.asset == asset_name and check.name in results:
                        rows.append(_row(target, results[check.name]))
                        n_expectations += 1
            timings["datasets"][target.dataset] = (time.perf_counter() - start, n_expectations)
            if progress:
                progress(target.dataset, *timings["datasets"][target.dataset])
    finally:
        # Close GE's persisted DuckDB connection so the file is released (read-only, nothing written).
        for source in sources.values():
            _close(source)
    return rows, timings


def _validator(v1_validator: Any, sources: dict[bool, Any], asset_name: str, name: str, sql: str) -> Any | None:
    """One GE validator for one SQL asset: it loads the batch once and serves every run of the asset's checks
    (column checks, SQL checks, the failed checks' samples), each with its own result format.

    An asset of :data:`~pipeline.quality.suites.MATERIALISED_ASSETS` comes from the data source that creates
    temporary tables, so its query (an aggregate over every row) runs once, when the batch loads, instead of
    once per GE query. Should that fail (the query itself is broken: a column the file lacks), the asset is
    read as a plain query instead, where GE records the error on each of its checks, as for any other asset."""
    materialise = suites.materialised(asset_name)
    asset = sources[materialise].add_query_asset(name=name, query=sql)
    validator = v1_validator(batch_definition=asset.add_batch_definition_whole_table("all"))
    if materialise:
        try:
            _ = validator.active_batch_id  # loads the batch: creates the temporary table
        except Exception:  # noqa: BLE001 - the plain asset below reports the same error per check
            if asset_name.startswith(suites.CANDIDATES_PREFIX):
                return None  # the caller runs these checks on the rows, where GE records their own errors
            plain = sources[False].add_query_asset(name=name, query=sql)
            validator = v1_validator(batch_definition=plain.add_batch_definition_whole_table("all"))
    return validator


def _has_rows(validator: Any) -> bool:
    """Whether the batch of a materialised asset (a temporary table) has any row (asked through GE: one count)."""
    import great_expectations.expectations as gxe

    result = validator.validate_expectation(gxe.ExpectTableRowCountToEqual(value=0))
    return not result.success


def _check_name(r: Any) -> str:
    cfg = r.expectation_config
    return (cfg.meta or {}).get("check", cfg.type)


def _raised(r: Any) -> bool:
    exc = r.exception_info or {}
    if exc.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in exc.values())


def _close(source: Any) -> None:
    try:
        engine = source.get_execution_engine()
        conn = getattr(engine, "_connection", None)
        if conn is not None:
            conn.close()
        engine.engine.dispose()
    except Exception as exc:  # noqa: BLE001 - best-effort cleanup must not hide the gate's result
        print(f"  note: could not close the gate's DuckDB connection: {exc}", file=sys.stderr)


def _row(target: Target, r: Any) -> dict[str, Any]:
    cfg = r.expectation_config
    meta = cfg.meta or {}
    res = r.result or {}
    exc = r.exception_info or {}
    raised = bool(exc.get("raised_exception"))
    if not raised and isinstance(exc, dict) and exc and "raised_exception" not in exc:
        # GE keys exception info by metric id when a metric failed
        msgs = [v.get("exception_message") for v in exc.values() if isinstance(v, dict) and v.get("raised_exception")]
        raised, exc = bool(msgs), {"exception_message": "; ".join(m for m in msgs if m)}
    observed = res.get("observed_value")
    unexpected = res.get("unexpected_count")
    sample = res.get("partial_unexpected_index_list") or res.get("partial_unexpected_list") or []
    if cfg.type == SQL_CHECK and not raised:
        # GE's observed value of a SQL check is the number of rows its query returned: the failing rows.
        unexpected = observed
        observed = f"{observed} rows unexpected"
        sample = (res.get("details") or {}).get("unexpected_rows") or []
    if raised:
        observed = f"error: {exc.get('exception_message')}"
    elif observed is None and "unexpected_count" in res:
        observed = f"{res.get('unexpected_count')} of {res.get('element_count')} rows unexpected"
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)}
    return {
        "dataset": target.dataset,
        "snapshot_sha256": target.snapshot_sha256,
        "check_name": meta.get("check", cfg.type),
        "expectation": cfg.type,
        "column": _column(kwargs) or meta.get("column"),
        "severity": meta.get("severity", "error"),
        "success": bool(r.success) and not raised,
        "observed_value": _text(observed),
        "unexpected_count": unexpected,
        "failing_rows_sample": json.dumps(sample[:RESULT_SAMPLE], default=str),
        "kwargs": json.dumps(kwargs, default=str, sort_keys=True),
    }
