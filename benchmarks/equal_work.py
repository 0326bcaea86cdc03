"""The equal-work line: the dbt models that compute what the polars baseline computes, against polars.

The scale benchmark's path (gate 1 + every dbt model and test + gate 2) does far more than a script, so its ratio to
polars says little about the transformations themselves. This module compares equal work:

- the dbt side is the execution time of the four models that produce the baseline's outputs
  (:data:`EQUAL_WORK_MODELS`), read from dbt's ``run_results.json`` and selected by name (no dbt start-up, parse,
  other models or tests);
- the polars side is the baseline's own ``total_s`` (:mod:`benchmarks.baseline_polars`: conform, enrich and write
  the enriched rows, compare, gap, and write both outputs; no interpreter start-up);
- before the ratio is given, both must have produced the same rows: each of the three outputs (enriched rows,
  borough comparisons, deprivation gaps) is projected onto the columns both compute and compared with ``except
  all`` both ways in DuckDB (doubles rounded to :data:`DECIMALS` decimals: the two engines add in different orders);
  a row left on each side with the same key whose doubles differ by at most one unit of the last decimal kept is the
  same row rounded either side of a boundary (7.7896725 as 7.789672 and 7.789673), and is paired up, not counted.
  The indicator rows the warehouse takes from programme returns (``int_reported_indicator_values``: a handful of
  reported figures, whatever the size) are work the baselines do not do; they are left out of the check and
  counted. ``fct_indicator_value``'s rows are the enriched rows that are not derived, so they are checked there.

:func:`line` prints exactly one line per size, ``equal-work ratio at <size>: dbt models <s> s, polars <s> s, <r>x``
(:data:`LINE_RE` reads it back), or ``equal-work ratio at <size>: not measured (<why>)`` when the rows differ or a
figure is missing, so a script never reads a ratio of unequal work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

EQUAL_WORK_MODELS = ("fct_indicator_value", "int_indicator_values_enriched", "fct_borough_indicator",
                     "fct_inequality_gap")
DECIMALS = 6
LINE_RE = re.compile(r"^equal-work ratio at (?P<size>\S+): dbt models (?P<dbt>[0-9.]+) s, "
                     r"polars (?P<polars>[0-9.]+) s, (?P<ratio>[0-9.]+)x$")

_SERIES = ["indicator_id", "period_label", "sex", "age", "category_type", "category"]


class EqualWorkError(ValueError):
    """A run_results.json or a baseline output that cannot give the equal-work figure (file and model named)."""


def model_seconds(run_results: Path, models: Sequence[str] = EQUAL_WORK_MODELS) -> dict[str, float]:
    """Execution seconds of each of ``models`` in dbt's ``run_results.json`` (nodes selected by model name, any
    package). Raises :class:`EqualWorkError` naming the file and the model when one is missing, ran more than once
    or did not succeed."""
    try:
        doc = json.loads(run_results.read_text())
    except (OSError, ValueError) as exc:
        raise EqualWorkError(f"{run_results}: cannot read dbt run results ({exc})") from exc
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise EqualWorkError(f"{run_results}: no 'results' list (not a dbt run_results.json)")
    found: dict[str, list[dict]] = {m: [] for m in models}
    for r in results:
        uid = str(r.get("unique_id", ""))
        parts = uid.split(".")
        if len(parts) >= 3 and parts[0] == "model" and parts[-1] in found:
            found[parts[-1]].append(r)
    out: dict[str, float] = {}
    for m, rs in found.items():
        if not rs:
            raise EqualWorkError(f"{run_results}: model {m} is not in the run results (was it selected?)")
        if len(rs) > 1:
            raise EqualWorkError(f"{run_results}: model {m} appears {len(rs)} times "
                                 f"({', '.join(str(r.get('unique_id')) for r in rs)})")
        status = rs[0].get("status")
        if status != "success":
            raise EqualWorkError(f"{run_results}: model {m} has status {status!r}, not 'success'")
        try:
            out[m] = float(rs[0]["execution_time"])
        except (KeyError, TypeError, ValueError) as exc:
            raise EqualWorkError(f"{run_results}: model {m} has no numeric execution_time") from exc
    return out


def polars_seconds(log_lines: Iterable[str]) -> float:
    """The polars baseline's ``total_s`` from its output line (``conform_enrich_s=... total_s=...``)."""
    for line in reversed(list(log_lines)):
        m = re.search(r"(?:^|\s)total_s=([0-9.]+)(?:\s|$)", line)
        if m:
            return float(m.group(1))
    raise EqualWorkError("the polars baseline printed no total_s")


def line(size: str, dbt_s: float | None, polars_s: float | None, why_not: str = "") -> str:
    """The one machine-readable line for a size: the ratio, or ``not measured (<why>)``."""
    if why_not or dbt_s is None or polars_s is None or polars_s <= 0:
        why = why_not or ("no dbt figure" if dbt_s is None else "no polars figure")
        return f"equal-work ratio at {size}: not measured ({why})"
    return f"equal-work ratio at {size}: dbt models {dbt_s:.2f} s, polars {polars_s:.2f} s, {dbt_s / polars_s:.2f}x"


def _r(col: str) -> str:
    return f"round(cast({col} as double), {DECIMALS})"


def _key(cols: Sequence[str]) -> list[str]:
    # polars fills missing breakdowns with '' (its join keys); the warehouse keeps null
    return [f"coalesce(cast({c} as varchar), '') as {c}" if c in ("sex", "age", "category_type", "category")
            else f"cast({c} as varchar) as {c}" for c in cols]


#: per output, the columns compared as doubles (rounded; a boundary case is paired up within one unit)
DOUBLES = {
    "enriched": ("value", "lower_ci", "upper_ci", "count", "denominator"),
    "compared": ("value", "lower_ci", "upper_ci", "rank_among_boroughs", "n_boroughs_ranked"),
    "gap": ("n_boroughs", "gap", "ratio", "sii"),
}


def projections(relation: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Per output, the (warehouse, polars) queries over the columns both compute. ``relation`` maps
    ``enriched``/``compared``/``gap`` (warehouse tables) and ``enriched_pl``/``compared_pl``/``gap_pl`` (Parquet
    files) to what to read."""
    nums = ["value", "lower_ci", "upper_ci", "count", "denominator"]
    enriched_cols = [*_key([*_SERIES, "area_code", "period_start", "period_end"]), *(_r(c) + f" as {c}" for c in nums),
                     "cast(is_derived as boolean) as is_derived", "ci_method"]
    cmp_key = _key([*_SERIES, "area_code"])
    cmp_nums = [_r(c) + f" as {c}" for c in ("value", "lower_ci", "upper_ci", "rank_among_boroughs",
                                             "n_boroughs_ranked")]
    gap_cols = [*_key(_SERIES), _r("n_boroughs") + " as n_boroughs",
                *(_r(c) + f" as {c}" for c in ("gap", "ratio", "sii"))]
    e = ", ".join(enriched_cols)
    return {
        "enriched": (f"select {e} from {relation['enriched']}", f"select {e} from {relation['enriched_pl']}"),
        "compared": (
            (f"select {', '.join(cmp_key)}, {', '.join(cmp_nums)}, computed_comparison_with_london as vs_london, "
             f"computed_comparison_with_england as vs_england from {relation['compared']}"),
            (f"select {', '.join(cmp_key)}, {', '.join(cmp_nums)}, comparison_with_london as vs_london, "
             f"comparison_with_england as vs_england from {relation['compared_pl']}")),
        "gap": (f"select {', '.join(gap_cols)} from {relation['gap']}",
                f"select {', '.join(gap_cols)} from {relation['gap_pl']}"),
    }


RETURNS_ROWS = "int_reported_indicator_values"


def row_differences(warehouse: Path, polars_dir: Path) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Per output: (rows, rows only in the warehouse, rows only in polars), by ``except all`` both ways; and the
    number of enriched rows left out because they come from programme returns (:data:`RETURNS_ROWS`)."""
    import duckdb

    files = {k: polars_dir / f"{k}.parquet" for k in ("enriched", "compared", "gap")}
    for k, p in files.items():
        if not p.is_file():
            raise EqualWorkError(f"{p}: the polars baseline wrote no {k} output")
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("set enable_progress_bar = false")
    try:
        def table(name: str) -> str:
            row = con.execute("select table_schema from information_schema.tables where table_name = ?",
                              [name]).fetchone()
            if row is None:
                raise EqualWorkError(f"{warehouse}: no table {name}")
            return f'"{row[0]}"."{name}"'

        returns = table(RETURNS_ROWS)

        def not_returns(name: str) -> str:
            return (f"(select * from {table(name)} as t where not exists (select 1 from {returns} as r "
                    "where r.source_id = t.source_id and r.indicator_id = t.indicator_id "
                    "and r.area_code = t.area_code and r.period_start = t.period_start "
                    "and r.period_end = t.period_end))")

        rel = {"enriched": not_returns("int_indicator_values_enriched"),
               "compared": not_returns("fct_borough_indicator"), "gap": table("fct_inequality_gap")}
        rel.update({f"{k}_pl": "read_parquet('" + str(p).replace("'", "''") + "')" for k, p in files.items()})
        out = {}
        for name, (wh, pl) in projections(rel).items():
            n = con.execute(f"select count(*) from ({wh})").fetchone()[0]
            only_wh, only_pl = _unpaired(con, wh, pl, DOUBLES[name])
            out[name] = (int(n), only_wh, only_pl)
        left_out = con.execute(f"select count(*) from {table('int_indicator_values_enriched')}").fetchone()[0] \
            - out["enriched"][0]
        return out, int(left_out)
    finally:
        con.close()


def _unpaired(con, wh: str, pl: str, doubles: Sequence[str]) -> tuple[int, int]:
    """Rows only in the warehouse's and only in polars' projection (``except all`` both ways), after pairing up a
    row on each side with the same other columns whose doubles all differ by at most one unit of the last decimal
    kept (rounding either side of a boundary)."""
    cols = [r[0] for r in con.execute(f"describe ({wh})").fetchall()]
    keys = [c for c in cols if c not in doubles]
    unit = 10.0 ** -DECIMALS * 1.000001
    numbered = ", ".join(f'"{c}"' for c in doubles) or "1"
    part = ", ".join(f'"{k}"' for k in keys) or "1"

    def side(q: str) -> str:
        return f"select *, row_number() over (partition by {part} order by {numbered}) as _n from ({q})"

    same_key = " and ".join([*(f'a."{k}" is not distinct from b."{k}"' for k in keys), "a._n = b._n"])
    close = " and ".join(f'((a."{d}" is null and b."{d}" is null) or abs(a."{d}" - b."{d}") <= {unit!r})'
                         for d in doubles) or "true"
    sql = (f"with a as ({side(f'{wh} except all {pl}')}), b as ({side(f'{pl} except all {wh}')}), "
           f"paired as (select count(*) as n from a join b on {same_key} where {close}) "
           "select (select count(*) from a) - (select n from paired), (select count(*) from b) - (select n from paired)")
    only_wh, only_pl = con.execute(sql).fetchone()
    return int(only_wh), int(only_pl)


def differences_note(diffs: dict[str, tuple[int, int, int]]) -> str:
    """'' when every output has the same rows, else what differs (for :func:`line`'s why_not)."""
    bad = [f"{k}: {w:,} rows only in dbt, {p:,} only in polars" for k, (_, w, p) in diffs.items() if w or p]
    return "rows differ: " + "; ".join(bad) if bad else ""
