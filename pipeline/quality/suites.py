"""Suite derivation: which checks each lake dataset and mart gets, as plain data (no GE import here).

A :class:`Check` names one Great Expectations expectation class (``ExpectColumnValuesToBeBetween``...),
its keyword arguments, its severity and the asset it runs on (``rows``: the dataset itself; ``schema``:
one row per column; ``coverage``: the borough x period grid; ``codes``: the distinct indicator/source/area
codes with their row counts). Checks that need a join or a grouping (ranges from the catalogue, duplicate
keys) are GE ``UnexpectedRowsExpectation`` queries over the rows, run on a temporary table of their candidate
rows (:func:`candidate_assets`) when it is empty. :mod:`pipeline.quality.engine` turns them
into GE suites. Everything here is derived from the registry, the indicator catalogue, the lake
manifest and the results history, so a new registry entry gets checks without new code; additions
and severity overrides are declared in ``pipeline/quality/suites/lake.yml`` and ``marts.yml``.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ingest.config import Settings
from ingest.errors import HisError

SUITES_DIR = Path(__file__).with_name("suites")

from ingest.sources.areas import AREA_TYPES as _SEED_AREA_TYPES
from ingest.sources.areas import ENGLAND, LONDON, LONDON_AREAS, LONDON_BOROUGHS, WAREHOUSE_AREAS  # noqa: F401

CITY_OF_LONDON = "E09000001"

# The canonical indicator shape (DESIGN.md section 3, INTERFACES.md) with DuckDB's names for the types.
CANONICAL_COLUMNS: list[tuple[str, str]] = [
    ("indicator_id", "VARCHAR"), ("area_code", "VARCHAR"), ("area_name", "VARCHAR"), ("area_type", "VARCHAR"),
    ("period_label", "VARCHAR"), ("period_start", "DATE"), ("period_end", "DATE"), ("sex", "VARCHAR"),
    ("age", "VARCHAR"), ("category_type", "VARCHAR"), ("category", "VARCHAR"), ("value", "DOUBLE"),
    ("lower_ci", "DOUBLE"), ("upper_ci", "DOUBLE"), ("lower_ci_99_8", "DOUBLE"), ("upper_ci_99_8", "DOUBLE"),
    ("count", "DOUBLE"), ("denominator", "DOUBLE"), ("value_note", "VARCHAR"),
    ("publisher_comparison_england", "VARCHAR"), ("publisher_comparison_london", "VARCHAR"),
    ("publisher_trend", "VARCHAR"), ("source_id", "VARCHAR"), ("snapshot_sha256", "VARCHAR"),
]
INDICATOR_KEY = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]
# The area types of the warehouse geography (seeds/reference/london_areas.csv): borough, sub_region (Inner and
# Outer London), region, country.
AREA_TYPES = sorted(set(_SEED_AREA_TYPES.values()))
# A dataset's row count may not fall by more than this fraction against its previous snapshot.
MAX_ROW_DROP = 0.20
# Coverage statuses that pass: a value, a suppressed value (null with the publisher's note), or City of
# London absent altogether (small-number suppression: publishers often leave it out or merge it).
COVERAGE_OK = ["present", "suppressed", "city_of_london_absent"]
# SQL assets whose result is small (an aggregate of the rows: the column list, the borough grid, the distinct codes,
# the one-row revision share) and read by several of GE's queries: the gate materialises each once as a DuckDB
# temporary table (GE's ``create_temp_table``) so the aggregate over the rows runs once, not once per query. The
# ``rows`` asset (every row: 4 GB for 10M rows as a table) stays a view over the Parquet file or the mart. The
# candidate-rows assets (:func:`candidate_assets`, named ``CANDIDATES_PREFIX`` + number) are materialised too.
MATERIALISED_ASSETS = frozenset({"schema", "coverage", "codes", "revisions"})
CANDIDATES_PREFIX = "candidates_"


def materialised(asset: str) -> bool:
    """Whether the gate reads ``asset`` as a DuckDB temporary table (see :data:`MATERIALISED_ASSETS`)."""
    return asset in MATERIALISED_ASSETS or asset.startswith(CANDIDATES_PREFIX)


def candidate_assets(target: Target) -> tuple[dict[str, str], list[Check]]:
    """The target's assets and checks with each distinct :attr:`Check.candidates` query of its ``rows`` checks as
    an asset of its own (``candidates_1``...; checks sharing a query share the asset), and those checks moved
    onto it (copies: the target is not changed). A GE ``UnexpectedRowsExpectation`` runs its query twice (a
    ``COUNT(*)`` and a fetch of its rows); over the Parquet file each run is a full scan (the unique key's a sort
    of every key hash), over the candidates (normally none) it costs nothing. Without a ``rows`` asset nothing
    changes."""
    assets, checks = dict(target.assets), list(target.checks)
    rows_sql = assets.get("rows")
    if rows_sql is None:
        return assets, checks
    names: dict[str, str] = {}
    for i, c in enumerate(checks):
        if c.candidates and c.asset == "rows":
            if c.candidates not in names:
                names[c.candidates] = f"{CANDIDATES_PREFIX}{len(names) + 1}"
                assets[names[c.candidates]] = c.candidates.format(rows=f"({rows_sql})")
            checks[i] = replace(c, asset=names[c.candidates])
    return assets, checks


@dataclass
class Check:
    """One expectation: GE class name, kwargs, severity and the asset it runs on."""

    name: str
    expectation: str
    kwargs: dict[str, Any]
    severity: str = "error"
    asset: str = "rows"
    # Equality row condition {column: value} (GE's Column(...) == value), ANDed.
    where: dict[str, Any] = field(default_factory=dict)
    # Column(s) the check is about, for the results row, when its kwargs name none (a SQL check).
    column: str | None = None
    # A SQL check on the ``rows`` asset may name its candidate rows: a query over ``{rows}`` (braces of the SQL
    # itself doubled, as in the check's query) returning every row the check's query could report, with the
    # columns that query reads (a superset: the check's query over them gives exactly its result over all the
    # rows). The gate materialises each distinct candidates query once as a temporary table
    # (:func:`candidate_assets`) and, when every such table of the dataset is empty, runs the check there (else on
    # the rows as declared: :func:`pipeline.quality.engine.run_targets`). The check's own query, recorded in its
    # arguments, is unchanged.
    candidates: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warn"):
            raise HisError(f"check {self.name}: severity must be error or warn, got {self.severity!r}")


@dataclass
class Target:
    """One thing a gate checks: a lake dataset or a mart, with its SQL assets and checks."""

    gate: str
    dataset: str
    snapshot_sha256: str
    assets: dict[str, str]  # asset name -> SQL query run by DuckDB
    index_columns: dict[str, list[str]]  # asset name -> columns that identify a failing row
    checks: list[Check]
    file: str = ""  # the file checked (gate 1: the staged or accepted Parquet), named in error messages
    # gate 1: the comparison with the previous accepted snapshot (pipeline.quality.plausibility.Comparison), whose
    # revisions are recorded after the checks ran
    comparison: Any = None


def sql_ident(name: str) -> str:
    """A double-quoted SQL identifier (embedded quotes doubled), for column names taken from the registry."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_values(codes: list[str], column: str) -> str:
    rows = ", ".join(f"({sql_str(c)})" for c in codes)
    return f"(select * from (values {rows}) as v({column}))"


# --- inputs: catalogue, manifest, history -------------------------------------------------------------

def catalogue_path(cfg: Settings) -> Path:
    return cfg.seeds_dir / "reference" / "indicator_catalogue.csv"


def load_catalogue(cfg: Settings) -> dict[str, dict[str, str]]:
    """indicator_id -> catalogue row (empty when the seed does not exist yet)."""
    path = catalogue_path(cfg)
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["indicator_id"]: row for row in csv.DictReader(fh)}


def value_range(row: dict[str, str] | None) -> tuple[float | None, float | None]:
    """Plausible range: the catalogue's value_min/value_max, else from the unit/value type."""
    if not row:
        return None, None

    def num(text: str | None) -> float | None:
        text = (text or "").strip()
        return float(text) if text else None

    lo, hi = num(row.get("value_min")), num(row.get("value_max"))
    if lo is None and hi is None:
        unit = (row.get("unit") or "").strip().lower()
        vtype = (row.get("value_type") or "").strip().lower()
        if unit in ("percent", "%", "percentage"):
            lo, hi = 0.0, 100.0
        elif unit in ("proportion", "fraction", "ratio_0_1"):
            lo, hi = 0.0, 1.0
        elif vtype in ("proportion", "count", "rate"):
            lo = 0.0
    return lo, hi


def read_manifest(cfg: Settings) -> list[dict[str, str]]:
    path = cfg.lake_dir / "manifest.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def previous_rows(manifest: list[dict[str, str]], history: list[dict[str, Any]], dataset: str,
                  snapshot: str) -> tuple[int | None, str]:
    """Row count of the previous *accepted* snapshot of ``dataset`` (one with a different sha256), and where
    from: the lake manifest (only gate-1-accepted rows reach it), else a results run in which it passed."""
    rows = [r for r in manifest if r.get("dataset_id") == dataset]
    earlier = [r for r in rows if r.get("snapshot_sha256") != snapshot and (r.get("rows") or "").strip()]
    if earlier:
        return int(float(earlier[-1]["rows"])), f"lake manifest, snapshot {earlier[-1]['snapshot_sha256'][:12]}"
    # Only runs in which this dataset passed count: a rejected snapshot is never the baseline.
    rejected = {r["run_id"] for r in history if r["dataset"] == dataset and not r["success"]
                and r["severity"] == "error"}
    for r in reversed(history):
        if (r["dataset"] == dataset and r["snapshot_sha256"] != snapshot and r["check_name"] == "row_count"
                and r["run_id"] not in rejected):
            try:
                return int(float(r["observed_value"])), f"results history, run {r['run_id']}"
            except (TypeError, ValueError):
                continue
    return None, ""


def load_yaml(name: str) -> dict[str, Any]:
    path = SUITES_DIR / name
    if not path.exists():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise HisError(f"quality suite file {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise HisError(f"quality suite file {path}: expected a mapping at the top level")
    return doc


def declared_checks(entries: list[dict[str, Any]] | None, where: str, params: dict[str, Any]) -> list[Check]:
    """Checks declared in yml: {name, expect, kwargs, severity, asset, where}; ``$name`` values expand."""
    out = []
    for i, e in enumerate(entries or [], start=1):
        if not isinstance(e, dict) or "expect" not in e:
            raise HisError(f"{where} check #{i}: needs at least 'expect' (a GE expectation class name)")
        kwargs = {k: params.get(v[1:], v) if isinstance(v, str) and v.startswith("$") else v
                  for k, v in (e.get("kwargs") or {}).items()}
        for v in kwargs.values():
            if isinstance(v, str) and v.startswith("$"):
                raise HisError(f"{where} check #{i}: unknown parameter {v} (known: {', '.join(sorted(params))})")
        out.append(Check(name=e.get("name") or f"{e['expect']}#{i}", expectation=e["expect"], kwargs=kwargs,
                         severity=e.get("severity", "error"), asset=e.get("asset", "rows"),
                         where=dict(e.get("where") or {})))
    return out


def apply_overrides(checks: list[Check], overrides: dict[str, str] | None) -> list[Check]:
    """Per-dataset severity overrides from yml: {check name (or prefix before '['): error|warn|off}."""
    if not overrides:
        return checks
    out = []
    for c in checks:
        sev = overrides.get(c.name, overrides.get(c.name.split("[")[0]))
        if sev == "off":
            continue
        if sev:
            c.severity = sev
        out.append(c)
    return out


# --- the checks every indicator table gets (lake datasets and fct_indicator_value) -----------------

def indicator_checks(*, indicators: list[str], catalogue: dict[str, dict[str, str]], known_areas: list[str],
                     key_columns: list[str], source_ids: list[str] | None, today: dt.date,
                     borough_coverage: bool, exact_columns: bool = True) -> list[Check]:
    """The canonical-indicator checks. ``exact_columns``: the lake's exact shape and order (a mart may
    add key columns, so there only the canonical columns must be present)."""
    names = [c for c, _ in CANONICAL_COLUMNS]
    checks = [
        Check("columns", "ExpectTableColumnsToMatchOrderedList", {"column_list": names}) if exact_columns else
        Check("columns", "ExpectTableColumnsToMatchSet", {"column_set": names, "exact_match": False}),
        Check("column_types", "ExpectColumnValuesToBeInSet",
              {"column": "column_spec", "value_set": [f"{c}:{t}" for c, t in CANONICAL_COLUMNS]}, asset="schema"),
        Check("row_count", "ExpectTableRowCountToBeBetween", {"min_value": 1}),
    ]
    for col in ("indicator_id", "area_code", "area_type", "period_label", "period_start", "period_end"):
        checks.append(Check(f"not_null[{col}]", "ExpectColumnValuesToNotBeNull", {"column": col}))
    if indicators:
        checks.append(Check("indicator_known", "ExpectColumnValuesToBeInSet",
                            {"column": "indicator_id", "value_set": sorted(indicators)}, asset="codes"))
    if source_ids:
        checks.append(Check("source_id", "ExpectColumnValuesToBeInSet", {"column": "source_id", "value_set": source_ids},
                            asset="codes"))
    checks += [
        Check("area_code_known", "ExpectColumnValuesToBeInSet", {"column": "area_code", "value_set": known_areas},
              asset="codes"),
        Check("borough_code_is_london", "ExpectColumnValuesToBeInSet",
              {"column": "borough_code", "value_set": LONDON_BOROUGHS}, asset="codes"),
        Check("area_type", "ExpectColumnValuesToBeInSet", {"column": "area_type", "value_set": AREA_TYPES},
              asset="codes"),
        Check("period_not_in_future", "ExpectColumnValuesToBeBetween",
              {"column": "period_start", "max_value": today.isoformat()}),
        Check("period_end_after_start", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "period_end", "column_B": "period_start", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        unique_key_check(key_columns),
        Check("ci_lower_le_value", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "value", "column_B": "lower_ci", "or_equal": True, "ignore_row_if": "either_value_is_missing"}),
        Check("ci_upper_ge_value", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "upper_ci", "column_B": "value", "or_equal": True, "ignore_row_if": "either_value_is_missing"}),
        # the 99.8% interval (Fingertips publishes both) contains the 95% one
        Check("ci_99_8_lower_le_ci_95", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "lower_ci", "column_B": "lower_ci_99_8", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("ci_99_8_upper_ge_ci_95", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "upper_ci_99_8", "column_B": "upper_ci", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("count_le_denominator", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "denominator", "column_B": "count", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}, severity="warn"),
        # A missing value must keep the publisher's note (suppression is never silent).
        Check("null_value_has_note", "ExpectColumnValuesToNotBeNull", {"column": "value_note"},
              severity="warn", where={"value": None}),
    ]
    checks += range_checks(catalogue, indicators)
    if borough_coverage:
        checks.append(Check("every_borough_present", "ExpectColumnValuesToBeInSet",
                            {"column": "coverage", "value_set": COVERAGE_OK}, asset="coverage"))
    return checks


def unique_key_check(key_columns: list[str]) -> Check:
    """No duplicate keys: GE's ``UnexpectedRowsExpectation`` over the rows, returning each duplicated key with
    its row count. ``GROUP BY`` treats null key parts as equal (the canonical key has nullable parts: sex,
    age, category_type, category), which GE's compound-uniqueness SQL does not.

    Measured on 10M unique keys (DuckDB, 2 cores): grouping by the seven key columns 4.8 s, by a 64-bit
    ``hash()`` of them 1.9 s, sorting the hashes and comparing neighbours 1.0 s. So DuckDB sorts the key
    hashes, keeps those equal to their predecessor, and only the rows with such a hash are grouped by
    their real key columns: a hash collision can never report a duplicate that is not one."""
    keys = ", ".join(sql_ident(c) for c in key_columns)  # quoted: names come from the registry
    keys = keys.replace("{", "{{").replace("}", "}}")  # GE formats the query with {batch}

    def repeated_hashes(rows: str) -> str:
        return (f"(select key_hash from (select key_hash, lag(key_hash) over (order by key_hash) as previous_hash "
                f"from (select hash({keys}) as key_hash from {rows}) as hashed) as sorted "
                f"where key_hash = previous_hash)")

    query = (f"select {keys}, count(*) as n_rows from {{batch}} where hash({keys}) in {repeated_hashes('{batch}')} "
             f"group by {keys} having count(*) > 1")
    # The candidates: every row whose key hash is repeated (all the rows of a repeated key among them), the key
    # columns only; the query above gives the same keys and counts over them as over every row.
    candidates = (f"select {keys} from {{rows}} as src where hash({keys}) in "
                  f"{repeated_hashes('{rows} as src_hashed')}")
    return Check("unique_key", "UnexpectedRowsExpectation", {"unexpected_rows_query": query},
                 column=",".join(key_columns), candidates=candidates)


def _sql_num(value: float | None) -> str:
    return "cast(null as double)" if value is None else f"cast({float(value)!r} as double)"


# The columns a range check returns for each failing row (what identifies it, the value and the range).
RANGE_ROW = ["indicator_id", "area_code", "period_label", "sex", "age", "category"]


def range_checks(catalogue: dict[str, dict[str, str]], indicators: list[str]) -> list[Check]:
    """Value and CIs within each indicator's plausible range (:func:`value_range`): two GE
    ``UnexpectedRowsExpectation`` checks whose query joins the rows to the catalogue's ranges (a ``VALUES``
    list, so the ranges are part of the check's stored arguments) and returns the rows outside their
    indicator's range with what identifies them, the value(s) and the range. ``value_in_range`` is an
    error; ``ci_in_range`` (lower_ci or upper_ci outside the range) warns. Each runs as two queries (GE
    counts the rows, then fetches a sample), so the CIs share one check."""
    ranges = [(ind, *value_range(catalogue.get(ind))) for ind in sorted(indicators)]
    ranges = [r for r in ranges if r[1] is not None or r[2] is not None]
    if not ranges:
        return []
    values = ", ".join(f"({sql_str(i)}, {_sql_num(lo)}, {_sql_num(hi)})" for i, lo, hi in ranges)
    values = values.replace("{", "{{").replace("}", "}}")  # GE formats the query with {batch}
    ident = ", ".join(f"b.{c}" for c in RANGE_ROW)
    checks = []
    checked = [("value_in_range", ["value"], "error"), ("ci_in_range", ["lower_ci", "upper_ci"], "warn")]

    def outside(cols: list[str]) -> str:
        return " or ".join(f"b.{c} < r.range_min or b.{c} > r.range_max" for c in cols)

    def join(rows: str) -> str:
        return (f"from {rows} as b join (values {values}) as r(indicator_id, range_min, range_max) "
                f"on b.indicator_id = r.indicator_id")

    # Both checks' candidates: the rows with any of the checked columns outside their range, with the columns the
    # checks' queries read. Found in one aggregate over the rows (each indicator's lowest and highest value of
    # each column: an indicator with a row outside its range has one of them outside it too), and only the rows
    # of the indicators so found are joined to the ranges: none, when nothing is outside (0.49 CPU s at 10M,
    # against 0.70 s joining every row to the ranges).
    every = [c for _, cols, _ in checked for c in cols]
    extremes = ", ".join(f"min(s.{c}) as min_{c}, max(s.{c}) as max_{c}" for c in every)
    beyond = " or ".join(f"x.min_{c} < r.range_min or x.max_{c} > r.range_max" for c in every)
    flagged = (f"(select x.indicator_id from (select s.indicator_id, {extremes} from {{rows}} as s "
               f"group by s.indicator_id) as x join (values {values}) as r(indicator_id, range_min, range_max) "
               f"on x.indicator_id = r.indicator_id where {beyond})")
    candidates = (f"select {ident}, {', '.join(f'b.{c}' for c in every)} {join('{rows}')} "
                  f"where b.indicator_id in {flagged} and ({outside(every)})")
    for name, cols, severity in checked:
        query = (f"select {ident}, {', '.join(f'b.{c}' for c in cols)}, r.range_min, r.range_max {join('{batch}')} "
                 f"where {outside(cols)}")
        checks.append(Check(name, "UnexpectedRowsExpectation", {"unexpected_rows_query": query},
                            severity=severity, column=",".join(cols), candidates=candidates))
    return checks


def codes_sql(rows_sql: str) -> str:
    """The distinct codes of an indicator table with their row count: one row per (indicator_id, source_id,
    area_code, area_type), ``borough_code`` = area_code of borough rows. Set membership is checked on this
    small asset: a row-level ``NOT IN`` over the ~400 known area codes costs DuckDB 8-10 s per 10M rows."""
    return ("select indicator_id, source_id, area_code, area_type, "
            "case when area_type = 'borough' then area_code end as borough_code, count(*) as n_rows "
            f"from ({rows_sql}) as src group by indicator_id, source_id, area_code, area_type")


CODES_INDEX = ["indicator_id", "area_code", "area_type", "n_rows"]


def schema_sql(rows_sql: str, only: list[str] | None = None) -> str:
    """One row per column: ``column_spec`` = ``name:TYPE`` (DuckDB type names)."""
    where = f" where column_name in ({', '.join(sql_str(c) for c in only)})" if only else ""
    return ("select column_name, column_type, column_name || ':' || column_type as column_spec "
            f"from (describe {rows_sql}){where}")


def coverage_sql(rows_sql: str, indicators: list[str] | None = None) -> str:
    """Every London borough x (indicator, period, sex, age) of the headline rows (no category breakdown).

    ``indicators`` limits the grid to borough-level indicators (gate 2 checks one table of all of them).
    """
    only = f" and indicator_id in ({', '.join(sql_str(i) for i in indicators)})" if indicators else ""
    return f"""select * from (
with d as (select * from ({rows_sql}) as src where 1 = 1{only}),
headline as (select * from d where category_type is null and category is null),
grp as (select distinct indicator_id, period_label, sex, age from headline where area_type = 'borough'),
got as (
  select indicator_id, period_label, sex, age, area_code,
         max(case when value is not null then 1 else 0 end) as has_value,
         max(case when value is null and value_note is not null then 1 else 0 end) as has_note
  from headline group by indicator_id, period_label, sex, age, area_code
)
select grp.indicator_id, grp.period_label, grp.sex, grp.age, b.area_code,
  case when got.area_code is null and b.area_code = {sql_str(CITY_OF_LONDON)} then 'city_of_london_absent'
       when got.area_code is null then 'missing'
       when got.has_value = 1 then 'present'
       when got.has_note = 1 then 'suppressed'
       else 'null_without_note' end as coverage
from grp cross join {sql_values(LONDON_BOROUGHS, 'area_code')} as b
left join got on got.indicator_id = grp.indicator_id and got.period_label = grp.period_label
  and got.sex is not distinct from grp.sex and got.age is not distinct from grp.age and got.area_code = b.area_code
) as coverage_grid"""


COVERAGE_INDEX = ["indicator_id", "period_label", "sex", "age", "area_code"]


def latest_period_check(expected: list[tuple[str, str, str]]) -> Check:
    """Completeness against the previous *accepted* snapshot: every (indicator, latest period, borough) it had
    must still have a row (a value or a suppression note). Catches a latest period that vanished (the tracker
    would silently fall back to the period before) and boroughs dropped from it. ``expected`` comes from the
    accepted lake file (:func:`previous_latest`); a deliberate regression is accepted only explicitly, by a
    severity override in ``lake.yml`` (recorded with the results)."""
    values = ", ".join(f"({sql_str(i)}, {sql_str(p)}, {sql_str(a)})" for i, p, a in expected)
    values = values.replace("{", "{{").replace("}", "}}")
    # EXCEPT rather than a correlated NOT EXISTS: GE substitutes {batch} as "(<query>) AS subselect", which
    # cannot take an alias of its own.
    query = (f"select e.indicator_id, e.period_label, e.area_code from (values {values}) "
             "as e(indicator_id, period_label, area_code) except "
             "select indicator_id, period_label, area_code from {batch}")
    return Check("previous_latest_period_complete", "UnexpectedRowsExpectation", {"unexpected_rows_query": query},
                 column="indicator_id,period_label,area_code")


def previous_latest(accepted: Path) -> list[tuple[str, str, str]]:
    """(indicator, period, borough) of each indicator's latest period in the accepted lake file (headline
    borough rows only)."""
    import duckdb

    rel = f"read_parquet({sql_str(str(accepted))})"
    con = duckdb.connect()
    try:
        return [tuple(r) for r in con.execute(f"""
            with h as (select * from {rel} where area_type = 'borough' and category_type is null
                       and category is null),
                 latest as (select indicator_id, max(period_start) as period_start from h group by 1)
            select distinct h.indicator_id, h.period_label, h.area_code from h join latest using (indicator_id,
                 period_start) order by 1, 2, 3""").fetchall()]
    finally:
        con.close()


# --- programme returns (dataset kind ``returns``) ---------------------------------------------------------

RETURNS_CHECKS_INDEX = ["row_number", "return_id", "problem"]


def returns_checks(context_sha: str) -> list[Check]:
    """Gate 1's checks of a returns dataset: its columns and types, at least one row, and one check per row
    rule of :data:`ingest.sources.returns.RULES` (plus return_id unique). The rules are declared once, in
    :mod:`ingest.sources.returns`, and ``his returns check`` applies the same ones; here they run as Great
    Expectations SQL checks over the ``row_checks`` asset (:func:`returns_row_checks_sql`: one row per
    returns row and rule, whether it passed and what is wrong). Each failing check returns the failing
    rows' return ids and problems. ``context_sha`` (the plan's target ids and the known units the rules
    compared with) is part of each check's query, so a changed plan or unit list is never judged by an
    earlier pass of the same file."""
    from ingest.sources.returns import LAKE_COLUMNS, RULES, UNIQUE_RULE

    duck = {"String": "VARCHAR", "Float64": "DOUBLE", "Date": "DATE"}
    checks = [
        Check("columns", "ExpectTableColumnsToMatchOrderedList", {"column_list": [c for c, _ in LAKE_COLUMNS]}),
        Check("column_types", "ExpectColumnValuesToBeInSet",
              {"column": "column_spec", "value_set": [f"{c}:{duck[str(t)]}" for c, t in LAKE_COLUMNS]},
              asset="schema"),
        Check("row_count", "ExpectTableRowCountToBeBetween", {"min_value": 1}),
    ]
    for rule in [*RULES, UNIQUE_RULE]:
        query = (f"select row_number, return_id, problem from {{batch}} where check_name = {sql_str(rule.name)} "
                 f"and not passed /* rules context {context_sha[:16]} */")
        checks.append(Check(f"row[{rule.name}]", "UnexpectedRowsExpectation", {"unexpected_rows_query": query},
                            asset="row_checks", column=rule.column))
    return checks


def returns_row_checks_sql(outcomes: list[dict[str, Any]]) -> str:
    """The ``row_checks`` asset: the rule outcomes of every row (:func:`ingest.sources.returns.rule_outcomes`)
    as a SQL table (row_number, return_id, check_name, column_name, passed, problem)."""
    cols = "row_number, return_id, check_name, column_name, passed, problem"
    if not outcomes:
        return (f"select * from (select cast(null as integer), cast(null as varchar), cast(null as varchar), "
                f"cast(null as varchar), cast(null as boolean), cast(null as varchar)) as v({cols}) where false")
    values = ", ".join(
        f"({int(o['row'])}, {sql_str(o['return_id'])}, {sql_str(o['check_name'])}, {sql_str(o['column_name'])}, "
        f"{'true' if o['passed'] else 'false'}, {'null' if o['problem'] is None else sql_str(o['problem'])})"
        for o in outcomes)
    return f"select * from (values {values}) as v({cols})"

