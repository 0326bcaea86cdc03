"""Plausibility against what was accepted before: gate 1 compares a staged indicator dataset with the lake file it
would replace (its previous accepted snapshot), as Great Expectations checks run in DuckDB.

Three checks, each a GE ``UnexpectedRowsExpectation`` whose SQL joins the candidate (GE's ``{batch}``) to the
accepted Parquet file on the dataset's key (null key parts compared as equal), plus one one-row asset:

- ``scale_change_vs_previous``: a value that is ~100x or ~1,000x (or that fraction of) the accepted value of
  the same key (Kingston Year 6 obesity 2023/24 14.9 -> 0.149: a percentage published as a proportion);
- ``scale_change_vs_neighbours``: a new or changed value that is ~100x or ~1,000x off *both* neighbouring periods
  of its series (indicator, area, sex, age, breakdown) in the candidate (only one neighbour at either end): a
  new period published in another scale;
- ``value_revised``: every key whose value moved beyond its unit's tolerance (or was published after being
  suppressed, or withdrawn), with old and new value;
- ``revised_share`` (asset ``revisions``): the share of the keys both snapshots have whose value was revised
  (GE ``ExpectColumnMaxToBeBetween``, observed value = the share; it fails above the source's
  ``max_revised_share``, by default never: the share is reported).

Severities come from the source's registry entry (``plausibility:``; defaults: a change of scale is an
``error``, an ordinary revision a ``warn``); tolerances and the scale factors from
``pipeline/quality/suites/lake.yml`` (``plausibility:``). A dataset with no accepted file yet (first ingest) gets
no comparison. Every revision is recorded in ``data/quality/revisions.parquet`` (:func:`record_revisions`),
dbt source ``quality.value_revisions``, mart ``fct_value_revision``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError
from pipeline.quality import results
from pipeline.quality.suites import Check, sql_ident, sql_str

# The checks this module adds (a stored run that had them still counts as "passed these checks" for the
# same snapshot later checked without a previous one: pipeline.quality.stage.passed_before).
CHECK_NAMES = ("scale_change_vs_previous", "scale_change_vs_neighbours", "value_revised", "revised_share")
# Severity defaults: registry `plausibility:` of a source overrides them (ingest/registry/README.md).
DEFAULTS: dict[str, Any] = {"scale_change": "error", "revision": "warn", "max_revised_share": None}
# The canonical key the revisions file records (every indicator dataset's key, suites.INDICATOR_KEY).
RECORD_KEY = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]

REVISION_COLUMNS: dict[str, tuple[str, str]] = {
    "run_id": ("string", "the gate-1 run that compared the two snapshots"),
    "run_at": ("timestamp", "when that run started (UTC, naive)"),
    "dataset": ("string", "lake dataset id (source registry)"),
    "source_id": ("string", "the source the dataset comes from"),
    "indicator_id": ("string", "indicator (catalogue id)"),
    "area_code": ("string", "GSS area code"),
    "area_name": ("string", "area name as published in the new snapshot"),
    "period_label": ("string", "period as published"),
    "sex": ("string", "sex breakdown (null: not broken down)"),
    "age": ("string", "age band (null: not broken down)"),
    "category_type": ("string", "breakdown type (null: headline row)"),
    "category": ("string", "breakdown category (null: headline row)"),
    "old_value": ("double", "the value in the previous accepted snapshot (null: suppressed)"),
    "new_value": ("double", "the value in the new snapshot (null: suppressed or withdrawn)"),
    "revision_kind": ("string", "revised (both present, moved beyond the tolerance), published (was null) or withdrawn (now null)"),
    "is_scale_change": ("bool", "the new value is ~100x or ~1,000x (or that fraction of) the old one"),
    "old_snapshot_sha256": ("string", "snapshot id of the previous accepted dataset (lake manifest)"),
    "new_snapshot_sha256": ("string", "snapshot id of the new, staged dataset"),
    "outcome": ("string", "accepted (the new snapshot entered the lake) or rejected (gate 1 quarantined it)"),
}


@dataclass(frozen=True)
class Plausibility:
    """Resolved plausibility settings of one dataset."""

    scale_severity: str
    revision_severity: str
    max_revised_share: float | None
    scale_factors: tuple[float, ...]
    scale_band: float
    tolerance: dict[str, float] | None = None  # the source's override of its units' tolerances


def revisions_path(cfg: Settings) -> Path:
    return cfg.data_dir / "quality" / "revisions.parquet"


def source_config(registry: Any, source_id: str) -> dict[str, Any]:
    """The source's validated ``plausibility:`` block merged over :data:`DEFAULTS`."""
    try:
        source = registry.source(source_id)
    except (AttributeError, HisError):
        return dict(DEFAULTS)
    return {**DEFAULTS, **(getattr(source, "plausibility", None) or {})}


def tolerances(spec: dict[str, Any], catalogue: dict[str, dict[str, str]], indicators: list[str],
               override: dict[str, float] | None = None) -> list[tuple[str, float, float]]:
    """(indicator, absolute, relative) for each indicator: the source's override, else its catalogue unit's
    tolerance in lake.yml, else the ``default`` one."""
    table = (spec.get("tolerance") or {})
    default = table.get("default") or {"absolute": 1e-9, "relative": 1e-9}
    out = []
    for ind in sorted(indicators):
        unit = ((catalogue.get(ind) or {}).get("unit") or "").strip()
        tol = {**default, **(table.get(unit) or {}), **(override or {})}
        out.append((ind, float(tol["absolute"]), float(tol["relative"])))
    return out


def _esc(sql: str) -> str:
    """GE formats the query with ``{batch}``: braces of our own (in paths, values) are doubled."""
    return sql.replace("{", "{{").replace("}", "}}")


def _on(key: list[str], a: str, b: str) -> str:
    return " and ".join(f"{a}.{sql_ident(k)} is not distinct from {b}.{sql_ident(k)}" for k in key)


def _scale(new: str, old: str, factors: tuple[float, ...], band: float) -> str:
    """SQL: ``new`` is one of ``factors`` times ``old`` (or that fraction of it), within a factor ``band``."""
    # Zero and opposite signs are never a change of scale. No log10 of a zero or negative number is ever asked
    # for (DuckDB raises on it and may evaluate the conditions of a WHERE in any order): the ratio is of absolute
    # values, a zero becomes null (so is the ratio), and the signs are compared beside it.
    lg = f"abs(log10(nullif(abs({new}), 0) / nullif(abs({old}), 0)))"
    near = " or ".join(f"abs({lg} - {math.log10(f)!r}) <= {math.log10(band)!r}" for f in factors)
    return f"(sign({new}) = sign({old}) and ({near}))"


def _tol_values(tols: list[tuple[str, float, float]]) -> str:
    rows = ", ".join(f"({sql_str(i)}, cast({a!r} as double), cast({r!r} as double))" for i, a, r in tols)
    return f"(values {rows}) as t(indicator_id, tol_absolute, tol_relative)"


def _revised(c: str, p: str) -> str:
    """SQL: the candidate row ``c`` revised the accepted row ``p`` (``t`` holds the tolerances)."""
    return (f"(({p}.value is null) <> ({c}.value is null) or (abs({c}.value - {p}.value) > t.tol_absolute "
            f"and abs({c}.value - {p}.value) > t.tol_relative * abs({p}.value)))")


def revisions_sql(candidate: str, previous: Path, key: list[str], tols: list[tuple[str, float, float]],
                  factors: tuple[float, ...], band: float) -> str:
    """Every revised key: its canonical key, old and new value, kind and whether it is a change of scale.
    ``candidate`` is a FROM item (``{batch}`` inside GE, a ``read_parquet`` when recording)."""
    prev = f"read_parquet({sql_str(str(previous))})"
    cols = ", ".join(f"c.{sql_ident(k)}" for k in RECORD_KEY)
    return (f"select {cols}, c.area_name, p.value as old_value, c.value as new_value, "
            "case when p.value is null then 'published' when c.value is null then 'withdrawn' else 'revised' end "
            f"as revision_kind, coalesce({_scale('c.value', 'p.value', factors, band)}, false) as is_scale_change "
            f"from {candidate} as c join {prev} as p on {_on(key, 'c', 'p')} "
            f"join {_tol_values(tols)} on c.indicator_id = t.indicator_id where {_revised('c', 'p')}")


def neighbour_indicators(catalogue: dict[str, dict[str, str]], indicators: list[str]) -> list[str]:
    """The indicators whose values are compared with their neighbouring periods: all but counts (catalogue
    ``value_type`` ``count``). A count of events in one borough and one breakdown is lumpy: MHCLG's shared-ownership
    completions in the City of London go 113 -> 1 between two years, as published. A count still gets the
    comparison with its previous accepted value of the same key (``scale_change_vs_previous``)."""
    return sorted(i for i in indicators
                  if ((catalogue.get(i) or {}).get("value_type") or "").strip().lower() != "count")


def has_rows(path: Path) -> bool:
    """Whether an accepted lake file holds any row (an unavailable source's placeholder is empty: comparing with
    it is a first ingest, not a revision of every value)."""
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows > 0
    except OSError:
        return False


def checks(previous: Path, key: list[str], tols: list[tuple[str, float, float]], conf: Plausibility,
           neighbours_for: list[str] | None = None) -> list[Check]:
    """The GE checks comparing the candidate (``{batch}``) with the accepted file ``previous``. The neighbour check
    looks at the indicators ``neighbours_for`` only (:func:`neighbour_indicators`; ``None``: every indicator)."""
    prev = _esc(f"read_parquet({sql_str(str(previous))})")
    cols = ", ".join(f"c.{sql_ident(k)}" for k in RECORD_KEY)
    factors, band = conf.scale_factors, conf.scale_band
    vs_previous = (f"select {cols}, p.value as previous_value, c.value as new_value from {{batch}} as c "
                   f"join {prev} as p on {_on(key, 'c', 'p')} where {_scale('c.value', 'p.value', factors, band)}")
    series = [k for k in key if k != "period_label"]
    over = (f"partition by {', '.join(sql_ident(k) for k in series)} "
            "order by period_start, period_end, period_label")
    neighbours = (
        f"select {cols}, c.value, c.previous_period, c.previous_value, c.next_period, c.next_value from ("
        f"select b.*, lag(b.value) over w as previous_value, lead(b.value) over w as next_value, "
        f"lag(b.period_label) over w as previous_period, lead(b.period_label) over w as next_period "
        f"from {{batch}} as b window w as ({over})) as c "
        f"left join {prev} as p on {_on(key, 'c', 'p')} "
        f"where c.value is not null {_only(neighbours_for)}"
        "and (p.indicator_id is null or p.value is distinct from c.value) "
        "and (c.previous_value is not null or c.next_value is not null) "
        f"and (c.previous_value is null or {_scale('c.value', 'c.previous_value', factors, band)}) "
        f"and (c.next_value is null or {_scale('c.value', 'c.next_value', factors, band)})")
    revised = revisions_sql("{batch}", previous, key, tols, factors, band)
    revised = revised.replace("{batch}", "\0").replace("{", "{{").replace("}", "}}").replace("\0", "{batch}")
    out = [
        Check("scale_change_vs_previous", "UnexpectedRowsExpectation", {"unexpected_rows_query": vs_previous},
              severity=conf.scale_severity, column="value"),
        Check("scale_change_vs_neighbours", "UnexpectedRowsExpectation", {"unexpected_rows_query": neighbours},
              severity=conf.scale_severity, column="value"),
        Check("value_revised", "UnexpectedRowsExpectation", {"unexpected_rows_query": revised},
              severity=conf.revision_severity, column="value"),
        Check("revised_share", "ExpectColumnMaxToBeBetween",
              {"column": "revised_share", "min_value": 0.0,
               "max_value": 1.0 if conf.max_revised_share is None else float(conf.max_revised_share)},
              severity=conf.revision_severity, asset="revisions"),
    ]
    return out


def _only(indicators: list[str] | None) -> str:
    """SQL: ``and`` the row's indicator is one of ``indicators`` (nothing when ``None``; never when empty)."""
    if indicators is None:
        return ""
    if not indicators:
        return "and false "
    return f"and c.indicator_id in ({', '.join(_esc(sql_str(i)) for i in indicators)}) "


def share_sql(rows_sql: str, previous: Path, key: list[str], tols: list[tuple[str, float, float]]) -> str:
    """One row: keys in both snapshots, how many were revised, and the share (0 when none in common)."""
    prev = f"read_parquet({sql_str(str(previous))})"
    return (f"select count(*) as common_keys, count(*) filter (where {_revised('c', 'p')}) as revised_keys, "
            f"coalesce(cast(count(*) filter (where {_revised('c', 'p')}) as double) / nullif(count(*), 0), 0.0) "
            f"as revised_share from ({rows_sql}) as c join {prev} as p on {_on(key, 'c', 'p')} "
            f"join {_tol_values(tols)} on c.indicator_id = t.indicator_id")


def resolve(registry: Any, source_id: str, spec: dict[str, Any]) -> Plausibility:
    conf = source_config(registry, source_id)
    return Plausibility(conf["scale_change"], conf["revision"], conf.get("max_revised_share"),
                        tuple(float(f) for f in spec.get("scale_factors") or (100, 1000)),
                        float(spec.get("scale_band") or 2), conf.get("tolerance"))


@dataclass
class Comparison:
    """What gate 1 needs to record one dataset's revisions after its checks ran (before promotion)."""

    dataset: str
    source_id: str
    candidate: Path
    previous: Path
    key: list[str]
    tols: list[tuple[str, float, float]]
    factors: tuple[float, ...]
    band: float
    old_snapshot: str
    new_snapshot: str


def collect(comparisons: list[Comparison]) -> list[dict[str, Any]]:
    """Every revision of every compared dataset (all of them, not GE's sample), read by DuckDB."""
    import duckdb

    out: list[dict[str, Any]] = []
    con = duckdb.connect()
    try:
        for c in comparisons:
            sql = revisions_sql(f"read_parquet({sql_str(str(c.candidate))})", c.previous, c.key, c.tols,
                                c.factors, c.band)
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                out.append({**dict(zip(names, row)), "dataset": c.dataset, "source_id": c.source_id,
                            "old_snapshot_sha256": c.old_snapshot, "new_snapshot_sha256": c.new_snapshot})
    finally:
        con.close()
    return out


def _schema() -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "timestamp": pa.timestamp("us"), "bool": pa.bool_(), "double": pa.float64()}
    return pa.schema([(n, types[t]) for n, (t, _) in REVISION_COLUMNS.items()])


def ensure_revisions_file(cfg: Settings) -> Path:
    """An empty revisions file (with its schema), so dbt can build before any comparison has run."""
    path = revisions_path(cfg)
    if not path.exists():
        results.write_parquet(path, _schema().empty_table())
    return path


def record_revisions(cfg: Settings, rows: list[dict[str, Any]], run_id: str, run_at: dt.datetime,
                     outcome: dict[str, str]) -> Path | None:
    """Append ``rows`` (from :func:`collect`) with the run and each dataset's outcome (accepted/rejected)."""
    if not rows:
        return None
    path = revisions_path(cfg)
    full = [{**r, "run_id": run_id, "run_at": run_at, "outcome": outcome.get(r["dataset"], "rejected")}
            for r in rows]
    results.append_parquet(path, full, _schema())
    return path
