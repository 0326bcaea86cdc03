"""SYNTHETIC benchmark data: a generator of indicator rows in the canonical lake shape, for benchmarks only.

Nothing here is real data and nothing here reaches a real build. The generated rows are named as
synthetic everywhere they can be: the source is ``synthetic_benchmark``, the dataset and file are
``synthetic_indicator_values`` (``data/lake/synthetic_benchmark/synthetic_indicator_values.parquet``),
every row's ``category_type`` is ``synthetic breakdown`` and its ``value_note`` says ``SYNTHETIC``.

Shape (DESIGN.md section 3, the canonical indicator value, same column order and types as the lake):
every English lower-tier local authority, the 9 English regions except London, and England (London is
left out, as in NCMP, so the warehouse derives it from the boroughs), x the indicator ids of the real
catalogue (so the catalogue's units, polarities and plausible ranges apply; values are drawn inside
them) x 20 years x breakdowns (sex x age x synthetic groups) until the requested row count is reached.
Area codes and names come from the ONS mid-year population file of the mirror (real codes); values
come from a deterministic hash, so the same size always gives the same bytes.

The file is written by DuckDB straight from a generating query (streaming, low memory), to a temporary
file renamed into place, and a row is appended to the lake manifest like any lake dataset.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

SOURCE_ID = "synthetic_benchmark"
DATASET_ID = "synthetic_indicator_values"
CATEGORY_TYPE = "synthetic breakdown"
VALUE_NOTE = "SYNTHETIC benchmark value"
SUPPRESSED_NOTE = "SYNTHETIC benchmark value (suppressed)"
STAGING_MODEL = "stg_synthetic_benchmark__indicator_values"
FIRST_YEAR, N_YEARS = 2005, 20
SEXES = ["Persons", "Male", "Female"]
AGES = ["All ages", "0-15 yrs", "16-64 yrs", "65+ yrs"]
POPULATION_MIRROR_FILE = "ons_mid_year_population/mye4_population_mid2001_to_mid2020.csv"
LA_PREFIXES = ("E06", "E07", "E08", "E09")  # unitary, non-metropolitan district, metropolitan, London borough
LONDON_REGION = "E12000007"
CANONICAL = [
    ("indicator_id", "varchar"), ("area_code", "varchar"), ("area_name", "varchar"), ("area_type", "varchar"),
    ("period_label", "varchar"), ("period_start", "date"), ("period_end", "date"), ("sex", "varchar"),
    ("age", "varchar"), ("category_type", "varchar"), ("category", "varchar"), ("value", "double"),
    ("lower_ci", "double"), ("upper_ci", "double"), ("lower_ci_99_8", "double"), ("upper_ci_99_8", "double"),
    ("count", "double"), ("denominator", "double"), ("value_note", "varchar"),
    ("publisher_comparison_england", "varchar"), ("publisher_comparison_london", "varchar"),
    ("publisher_trend", "varchar"), ("source_id", "varchar"), ("snapshot_sha256", "varchar"),
]
# Indicator ids used when there is no catalogue (the generator's own tests before the lake existed).
FALLBACK_INDICATORS = [f"synthetic_indicator_{i:03d}" for i in range(1, 21)]


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    type: str  # borough (London) | local_authority (rest of England) | region | country


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    lo: float
    hi: float
    proportion: bool


def parse_size(text: str) -> int:
    """``10k``, ``1M``, ``1.5M``, ``30000000`` -> rows."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "kmg" else t) * mult)


def size_label(rows: int) -> str:
    if rows >= 1_000_000 and rows % 100_000 == 0:
        return f"{rows / 1e6:g}M"
    if rows >= 1_000 and rows % 100 == 0:
        return f"{rows / 1e3:g}k"
    return str(rows)


def national_areas(mirror: Path) -> list[Area]:
    """English local authorities (lower tier), regions except London, and England, from the mirror's
    ONS mid-year population file (real ONS codes and names)."""
    path = mirror / POPULATION_MIRROR_FILE
    if not path.exists():
        raise FileNotFoundError(f"synthetic data needs the area list from {path} (the ONS mid-year population "
                                "file of the mirror); set --mirror / HIS_MIRROR")
    areas: dict[str, Area] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = row["Code"].strip(), row["Name"].strip()
            if code.startswith(LA_PREFIXES):
                kind = "borough" if code.startswith("E09") else "local_authority"
            elif code.startswith("E12") and code != LONDON_REGION:
                kind = "region"
            elif code == "E92000001":
                kind = "country"
            else:
                continue
            areas[code] = Area(code, name.title() if name.isupper() else name, kind)
    return sorted(areas.values(), key=lambda a: a.code)


def catalogue_indicators(project_root: Path) -> list[IndicatorSpec]:
    """The real catalogue's indicator ids and plausible ranges (or generic synthetic ids without one)."""
    path = project_root / "seeds" / "reference" / "indicator_catalogue.csv"
    specs: list[IndicatorSpec] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                unit = (row.get("unit") or "").lower()
                lo = _num(row.get("value_min"))
                hi = _num(row.get("value_max"))
                if lo is None:
                    lo = 0.0
                if hi is None:
                    hi = 100.0 if "percent" in unit else lo + 100.0
                specs.append(IndicatorSpec(row["indicator_id"], lo, hi, row.get("value_type") == "proportion"))
    return specs or [IndicatorSpec(i, 0.0, 100.0, True) for i in FALLBACK_INDICATORS]


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class Plan:
    rows: int
    areas: int
    indicators: int
    years: int
    breakdowns: int
    groups: int

    def describe(self) -> str:
        return (f"{self.rows:,} rows = {self.indicators} indicators x {self.areas} areas x {self.years} years x "
                f"up to {self.breakdowns} breakdowns ({len(SEXES)} sexes x {len(AGES)} ages x {self.groups} "
                f"synthetic groups)")


def whole_rows(rows: int, n_areas: int) -> int:
    """``rows`` rounded up to whole (area x year) series of one indicator and breakdown, so every area
    (every London borough too) has every year in every series: 10M -> 10,001,880 with 318 areas."""
    unit = n_areas * N_YEARS
    return max(1, math.ceil(rows / unit)) * unit


def plan(rows: int, n_areas: int, n_indicators: int) -> Plan:
    rows = whole_rows(rows, n_areas)
    block = n_indicators * n_areas * N_YEARS
    breakdowns = max(1, math.ceil(rows / block))
    groups = max(1, math.ceil(breakdowns / (len(SEXES) * len(AGES))))
    return Plan(rows, n_areas, n_indicators, N_YEARS, breakdowns, groups)


def generating_sql(rows: int, areas: list[Area], indicators: list[IndicatorSpec], snapshot: str) -> str:
    """One DuckDB query producing ``whole_rows(rows)`` synthetic rows in the canonical column order and types.

    Row ordinal = breakdown * (indicators x areas x years) + (indicator x areas + area) x years + year, so
    the first ``whole_rows(rows)`` ordinals are whole series (every breakdown complete except the last,
    which has only its first indicators).
    """
    p = plan(rows, len(areas), len(indicators))
    rows = p.rows
    area_values = ", ".join(f"({_sql_str(a.code)}, {_sql_str(a.name)}, {_sql_str(a.type)}, {i})"
                            for i, a in enumerate(areas))
    ind_values = ", ".join(f"({_sql_str(s.id)}, {s.lo!r}, {s.hi!r}, {str(s.proportion).lower()}, {i})"
                           for i, s in enumerate(indicators))
    sex_values = ", ".join(f"({_sql_str(s)}, {i})" for i, s in enumerate(SEXES))
    age_values = ", ".join(f"({_sql_str(a)}, {i})" for i, a in enumerate(AGES))
    n_a, n_i, n_y, n_s, n_ag = len(areas), len(indicators), N_YEARS, len(SEXES), len(AGES)
    block = n_i * n_a * n_y
    return f"""
with areas(area_code, area_name, area_type, a_idx) as (values {area_values}),
inds(indicator_id, lo, hi, is_prop, i_idx) as (values {ind_values}),
sexes(sex, s_idx) as (values {sex_values}),
ages(age, g_idx) as (values {age_values}),
years as (select cast(range as integer) as y_idx from range({n_y})),
grp as (select cast(range as integer) as c_idx from range({p.groups})),
grid as (
    select *,
        cast(((c_idx * {n_s} + s_idx) * {n_ag} + g_idx) as bigint) * {block}
            + (cast(i_idx as bigint) * {n_a} + a_idx) * {n_y} + y_idx as ordinal
    from inds, areas, years, sexes, ages, grp
),
drawn as (
    select *,
        (hash(ordinal, 'value') % 1000000) / 1000000.0 as u1,
        (hash(ordinal, 'ci') % 1000000) / 1000000.0 as u2,
        (hash(ordinal, 'den') % 1000000) as u3,
        (hash(ordinal, 'sup') % 1000) = 0 as suppressed
    from grid
    where ordinal < {rows}
),
valued as (
    select *,
        case when suppressed then null else lo + (hi - lo) * (0.2 + 0.6 * u1) end as v,
        (hi - lo) * (0.005 + 0.03 * u2) as half_width,
        case when is_prop and not suppressed then 200 + u3 % 5000 end as den
    from drawn
)
select
    cast(indicator_id as varchar) as indicator_id,
    cast(area_code as varchar) as area_code,
    cast(area_name as varchar) as area_name,
    cast(area_type as varchar) as area_type,
    cast({FIRST_YEAR} + y_idx as varchar) as period_label,
    make_date({FIRST_YEAR} + y_idx, 1, 1) as period_start,
    make_date({FIRST_YEAR} + y_idx, 12, 31) as period_end,
    cast(sex as varchar) as sex,
    cast(age as varchar) as age,
    cast({_sql_str(CATEGORY_TYPE)} as varchar) as category_type,
    cast('synthetic group ' || lpad(cast(c_idx + 1 as varchar), 3, '0') as varchar) as category,
    cast(v as double) as value,
    cast(greatest(lo, v - half_width) as double) as lower_ci,
    cast(least(hi, v + half_width) as double) as upper_ci,
    cast(null as double) as lower_ci_99_8,
    cast(null as double) as upper_ci_99_8,
    cast(case when den is not null then round(v / (hi - lo) * den) end as double) as "count",
    cast(den as double) as denominator,
    cast(case when suppressed then {_sql_str(SUPPRESSED_NOTE)} else {_sql_str(VALUE_NOTE)} end as varchar)
        as value_note,
    cast(null as varchar) as publisher_comparison_england,
    cast(null as varchar) as publisher_comparison_london,
    cast(null as varchar) as publisher_trend,
    cast({_sql_str(SOURCE_ID)} as varchar) as source_id,
    cast({_sql_str(snapshot)} as varchar) as snapshot_sha256
from valued
"""


def lake_path(lake_dir: Path) -> Path:
    return lake_dir / SOURCE_ID / f"{DATASET_ID}.parquet"


def generate(lake_dir: Path, rows: int, *, mirror: Path, project_root: Path, threads: int | None = None,
             memory_limit: str | None = None) -> tuple[Path, Plan]:
    """Write about ``rows`` synthetic rows (:func:`whole_rows`) to the lake; return the path and the size plan."""
    import duckdb

    areas = national_areas(mirror)
    indicators = catalogue_indicators(project_root)
    spec = f"synthetic-benchmark v1 rows={rows} areas={len(areas)} indicators={','.join(i.id for i in indicators)}"
    snapshot = hashlib.sha256(spec.encode()).hexdigest()
    rows = whole_rows(rows, len(areas))
    out = lake_path(lake_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        if memory_limit:
            con.execute(f"set memory_limit = {_sql_str(memory_limit)}")
        con.execute("set preserve_insertion_order = false")
        sql = generating_sql(rows, areas, indicators, snapshot)
        con.execute(f"copy ({sql}) to {_sql_str(str(tmp))} (format parquet, compression zstd, row_group_size 122880)")
        written = con.execute(f"select count(*) from read_parquet({_sql_str(str(tmp))})").fetchone()[0]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    if written != rows:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"synthetic generator wrote {written} rows, expected {rows}")
    os.replace(tmp, out)
    _append_manifest(lake_dir, out, rows, snapshot)
    return out, plan(rows, len(areas), len(indicators))


def _append_manifest(lake_dir: Path, path: Path, rows: int, snapshot: str) -> None:
    """One row in ``data/lake/manifest.csv`` (INTERFACES.md), rewritten through a temporary file."""
    manifest = lake_dir / "manifest.csv"
    fields = ["dataset_id", "source_id", "path", "rows", "snapshot_sha256", "parsed_at"]
    existing: list[dict[str, str]] = []
    if manifest.exists():
        with manifest.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or fields)
            existing = list(reader)
    row = {"dataset_id": DATASET_ID, "source_id": SOURCE_ID, "path": str(path.relative_to(lake_dir)),
           "rows": str(rows), "snapshot_sha256": snapshot,
           "parsed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    tmp = manifest.with_name(f".{manifest.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(existing)
        writer.writerow(row)
    os.replace(tmp, manifest)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.synthetic --rows 1M --lake-dir DIR --mirror DIR``: write one synthetic file."""
    import argparse

    from ingest.config import settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1M")
    ap.add_argument("--lake-dir", type=Path)
    ap.add_argument("--mirror", type=Path)
    args = ap.parse_args(argv)
    cfg = settings(mirror=args.mirror)
    if cfg.mirror is None:
        ap.error("--mirror (or HIS_MIRROR) is needed for the area list")
    path, p = generate(args.lake_dir or cfg.lake_dir, parse_size(args.rows), mirror=cfg.mirror,
                       project_root=cfg.project_root)
    print(f"{path}: {p.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
