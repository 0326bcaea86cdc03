"""Quality gates: Great Expectations suites on the lake (gate 1) and on the marts (gate 2).

Design (measured, see README "Quality gate"):

- GE 1.x runs its **SQL execution engine on DuckDB**: every check is compiled by GE to SQL and
  executed inside DuckDB (lake Parquet read with ``read_parquet`` from an in-memory database; the
  candidate warehouse opened read-only), so no table is pulled into pandas. On 1M rows the same six
  expectations took 0.9 s this way against 19 s through the pandas data source (100k rows: 0.15 s vs
  1.6 s), with identical results. GE has no DuckDB data source and ``add_sql`` with duckdb-engine
  fails with ``MetricResolutionError: list index out of range`` because GE closes the connection (and
  with it DuckDB's result) before fetching; :mod:`pipeline.quality.engine` registers ``duckdb`` as a
  persisted-connection dialect (the mechanism GE uses for sqlite), which fixes it.
- duckdb-engine's table reflection does not work on DuckDB 1.4 (``pg_collation`` is missing), so
  GE's ``expect_column_values_to_be_of_type`` cannot see types; column types are instead checked by
  GE on a small ``DESCRIBE`` asset (one row per column, ``name:TYPE``). Aggregate checks (every
  borough present per indicator and period) likewise run on a small DuckDB-computed asset: DuckDB
  builds the borough x period grid, GE validates its ``coverage`` column and reports the failing rows.
- Suites are *derived* (:mod:`pipeline.quality.suites`) from the source registry, the indicator
  catalogue seed, the lake manifest and the stored results history, plus the declarations in
  ``pipeline/quality/suites/*.yml`` (mart suites for gate 2, per-dataset additions for gate 1).
- Each expectation carries ``meta: {severity: error|warn, check: <name>}``. An ``error`` failure raises
  :class:`ingest.errors.GateFailed`; every result is appended to ``data/quality/results.parquet``.
- Great Expectations is imported only inside the gate functions (``his --help`` and ``his plan`` never
  import it); the context is ephemeral (nothing written to disk, analytics off).
"""

from pipeline.quality.stage import run_lake, run_marts

__all__ = ["run_lake", "run_marts"]
