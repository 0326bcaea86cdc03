"""The warehouse geography, from its one definition: ``seeds/reference/london_areas.csv``.

The 33 London boroughs (E09000001-E09000033), Inner and Outer London (ONS statistical definition), London
(E12000007) and England (E92000001), with the names and aliases publishers use. Python code (parsers, the
quality gates) imports the sets from here; dbt reads the same file as the ``london_areas`` seed.

``code_for_name`` maps a publisher's area name to its GSS code for files that name areas without codes
(e.g. the GLA Health Inequalities Strategy indicators workbook); a name that does not map returns ``None``
and the caller raises an error naming the file, the sheet and the name (never a silent drop).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

AREAS_SEED = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "london_areas.csv"


@lru_cache(maxsize=1)
def _rows() -> tuple[dict[str, str], ...]:
    with AREAS_SEED.open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def _norm(name: str) -> str:
    name = name.replace("&", " and ").lower()
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


LONDON_BOROUGHS: list[str] = [r["area_code"] for r in _rows() if r["area_type"] == "borough"]
LONDON = next(r["area_code"] for r in _rows() if r["area_type"] == "region")
ENGLAND = next(r["area_code"] for r in _rows() if r["area_type"] == "country")
INNER_OUTER_LONDON: list[str] = [r["area_code"] for r in _rows() if r["area_type"] == "sub_region"]
# The warehouse geography that indicator rows are kept for: the boroughs, London and England.
LONDON_AREAS: list[str] = LONDON_BOROUGHS + [LONDON, ENGLAND]
# Every area of the geography, Inner and Outer London (area type sub_region) included: the codes an indicator
# row may carry (a source opts into sub_region rows with the registry option ``area_types``).
WAREHOUSE_AREAS: list[str] = [r["area_code"] for r in _rows()]
AREA_NAMES: dict[str, str] = {r["area_code"]: r["area_name"] for r in _rows()}
AREA_TYPES: dict[str, str] = {r["area_code"]: r["area_type"] for r in _rows()}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in _rows():
        for name in [r["area_name"], *filter(None, (r.get("name_aliases") or "").split("|"))]:
            out[_norm(name)] = r["area_code"]
    return out


def code_for_name(name: str) -> str | None:
    """GSS code of a London area named as publishers write it ("Hammersmith & Fulham"), or None."""
    return _by_name().get(_norm(name or ""))
