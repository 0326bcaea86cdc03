"""Programme delivery returns: the returns table's columns, its row rules, and the typed lake frame.

A returns table (dataset kind ``returns``) holds figures a programme *reports* (School Superzones created,
employers accredited, people trained), one row per figure, each with the public page and the verbatim sentence
it was read from. They are reported figures, not official statistics. Two readers share this module:

- the ``programme_returns`` format (:mod:`ingest.sources.formats.programme_returns`) reads a returns CSV or a
  filled returns workbook into the lake frame (:func:`to_frame`, columns :data:`LAKE_COLUMNS`);
- gate 1 (:func:`pipeline.quality.suites.returns_checks`) and ``his returns check`` run the row rules
  (:data:`RULES`, :func:`check_rows`): declared once here, so the command and the gate judge a row alike.

Each rule is a name, the column it is about, what is expected (in words a programme officer reads) and a
function of one row (all cells as text) returning what is wrong, or ``None``. The rules:
``return_id`` present and unique; ``url`` http(s); ``quote`` non-empty; ``value`` a plain number; ``unit`` one
of the known units (``seeds/reference/returns_units.csv``); ``basis`` one of :data:`BASES`; ``period_start``,
``period_end`` ISO dates (or empty), ``published`` an ISO date or ``unknown``; ``period_start <= period_end``;
every id in ``target_ids`` a target of the parsed plan (``seeds/plan/plan_targets.csv``); and the value's
digits in the quote (:func:`value_in_quote`), so a typed-in figure cannot slip through.

The lake frame can hold only numbers and dates, so the *type* rules (:data:`TYPE_RULES`: value a number, dates
ISO) also stop the reading itself, naming the row and the rule; every other rule is Great Expectations' to
judge in gate 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

# The returns table's columns, in the published order (the mirror's returns.csv and the workbook's).
COLUMNS = ["return_id", "target_ids", "measure", "value", "unit", "basis", "period_start", "period_end",
           "area_code", "publisher", "page_title", "url", "published", "quote", "note"]
# The lake file (contract of issue 23): the table typed, plus where it came from.
LAKE_COLUMNS: list[tuple[str, Any]] = [
    ("return_id", pl.String), ("target_ids", pl.String), ("measure", pl.String), ("value", pl.Float64),
    ("unit", pl.String), ("basis", pl.String), ("period_start", pl.Date), ("period_end", pl.Date),
    ("area_code", pl.String), ("publisher", pl.String), ("page_title", pl.String), ("url", pl.String),
    ("published", pl.Date), ("quote", pl.String), ("note", pl.String), ("source_id", pl.String),
    ("snapshot_sha256", pl.String),
]
LAKE_SCHEMA = pl.Schema(LAKE_COLUMNS)
# How a figure counts (the returns table's ``basis``).
BASES = ("cumulative_since_start", "in_period", "point_in_time")
UNKNOWN_DATE = "unknown"  # what ``published`` says for an undated page
TARGET_SEPARATOR = ";"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UNITS_SEED = Path("seeds") / "reference" / "returns_units.csv"
PLAN_TARGETS_SEED = Path("seeds") / "plan" / "plan_targets.csv"


def known_units(root: Path | None = None) -> list[str]:
    """The units a returns row may use (``seeds/reference/returns_units.csv``, column ``unit``)."""
    with ((root or PROJECT_ROOT) / UNITS_SEED).open(newline="", encoding="utf-8") as fh:
        return [r["unit"] for r in csv.DictReader(fh)]


def plan_targets(root: Path | None = None) -> list[dict[str, str]]:
    """The parsed plan's targets (``seeds/plan/plan_targets.csv``), in plan order."""
    with ((root or PROJECT_ROOT) / PLAN_TARGETS_SEED).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- the value in its quote ------------------------------------------------------------------------------

# Word multipliers as sources write them: "1.3 million", "£4bn", "£635m", "465k", "28.40 million tonnes".
_MULTIPLIERS = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mn": 10**6, "m": 10**6, "billion": 10**9,
                "bn": 10**9, "b": 10**9}
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion|mn|bn|k|m|b)\b)?",
                     re.IGNORECASE)
# Number words: "a quarter of a million", "half a million", "twelve", "fifty grants", "one in five".
_SMALL = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
_SMALL |= {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_FRACTIONS = {"a": Decimal(1), "one": Decimal(1), "half a": Decimal("0.5"), "a half": Decimal("0.5"),
              "a quarter of a": Decimal("0.25"), "quarter of a": Decimal("0.25"),
              "three quarters of a": Decimal("0.75"), "a third of a": Decimal(1) / 3}
_WORD_SCALE = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in _FRACTIONS), key=len, reverse=True))
                         + r")\s+(hundred|thousand|million|billion)\b", re.IGNORECASE)
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_WORD = re.compile(r"\b(" + "|".join(_SMALL) + r")(?:[\s-]+(" + "|".join(
    w for w, n in _SMALL.items() if 0 < n < 10) + r"))?\b", re.IGNORECASE)


def _decimal(value: Any) -> Decimal | None:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def numbers_in(quote: str) -> set[Decimal]:
    """Every number a sentence states, as the figure it means: "1,500+" -> 1500; "1.3 million" -> 1300000
    (and 1.3); "£4bn" -> 4000000000; "a quarter of a million" -> 250000; "fifty" -> 50; "87%" -> 87."""
    text = (quote or "").replace("\u00a0", " ").replace("\u202f", " ")
    out: set[Decimal] = set()
    for m in _NUMBER.finditer(text):
        base = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        out.add(base)
        if m.group(3):
            out.add(base * _MULTIPLIERS[m.group(3).lower()])
    for m in _WORD_SCALE.finditer(text):
        out.add(_FRACTIONS[m.group(1).lower()] * _SCALES[m.group(2).lower()])
    for m in _WORD.finditer(text):
        n = _SMALL[m.group(1).lower()] + (_SMALL[m.group(2).lower()] if m.group(2) else 0)
        out.add(Decimal(n))
    return out


def value_in_quote(value: Any, quote: str | None) -> bool:
    """True when the quote states the value: its digits appear as a number of the sentence, allowing
    thousands separators and word multipliers (:func:`numbers_in`). The comparison is exact: 1300 is not in
    "1.3 million", 86 is not in "860", 17.2 is not in "17.25"."""
    target = _decimal(value)
    if target is None or not quote:
        return False
    return any(n == target for n in numbers_in(quote))


# --- the row rules ---------------------------------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$", re.IGNORECASE)


def parse_iso(text: str) -> dt.date | None:
    """An ISO ``YYYY-MM-DD`` date (a real one), else None."""
    if not ISO_DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class RuleContext:
    """What the rules compare against: the plan's target ids and the known units."""

    target_ids: frozenset[str]
    units: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    name: str
    column: str
    expected: str  # what a good cell holds, in words
    test: Callable[[dict[str, str], RuleContext], str | None]  # what is wrong, or None


@dataclass(frozen=True)
class Problem:
    """One rule a row breaks."""

    row: int  # the row's line in the file (the header is line 1) or its row in the worksheet
    return_id: str
    column: str
    check: str
    what: str
    expected: str

    def line(self) -> str:
        who = f" ({self.return_id})" if self.return_id else ""
        return f"row {self.row}{who}, column {self.column}: {self.what}; expected {self.expected} [{self.check}]"


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _value_number(row: dict[str, str], _: RuleContext) -> str | None:
    v = _cell(row, "value")
    if not v:
        return "empty"
    return None if _decimal(v) is not None and re.fullmatch(r"-?\d+(\.\d+)?", v) else f"{v!r} is not a plain number"


def _date(column: str, allow_unknown: bool = False) -> Callable[[dict[str, str], RuleContext], str | None]:
    def test(row: dict[str, str], _: RuleContext) -> str | None:
        v = _cell(row, column)
        if not v or (allow_unknown and v == UNKNOWN_DATE):
            return None
        return None if parse_iso(v) else f"{v!r} is not an ISO date"
    return test


def _period_order(row: dict[str, str], _: RuleContext) -> str | None:
    start, end = parse_iso(_cell(row, "period_start")), parse_iso(_cell(row, "period_end"))
    if start and end and start > end:
        return f"period_start {start} is after period_end {end}"
    return None


def _targets(row: dict[str, str], ctx: RuleContext) -> str | None:
    ids = [t.strip() for t in _cell(row, "target_ids").split(TARGET_SEPARATOR) if t.strip()]
    unknown = [t for t in ids if t not in ctx.target_ids]
    return f"{', '.join(repr(t) for t in unknown)} not a target id of the plan" if unknown else None


def _in_quote(row: dict[str, str], _: RuleContext) -> str | None:
    v, q = _cell(row, "value"), _cell(row, "quote")
    if not q or _decimal(v) is None:
        return None  # an empty quote or a non-number is its own rule's problem
    return None if value_in_quote(v, q) else f"the value {v} is not a number the quote states"


RULES: list[Rule] = [
    Rule("return_id_present", "return_id", "a short id for the row, unique in the file (e.g. R001)",
         lambda r, _: None if _cell(r, "return_id") else "empty"),
    Rule("url_http", "url", "the page address, starting http:// or https://",
         lambda r, _: None if URL.match(_cell(r, "url")) else ("empty" if not _cell(r, "url")
                                                               else f"{_cell(r, 'url')!r} is not a web address")),
    Rule("quote_present", "quote", "the sentence holding the figure, copied from the page",
         lambda r, _: None if _cell(r, "quote") else "empty"),
    Rule("value_number", "value", "the figure as a plain number (digits, an optional decimal point; no commas, "
         "no £ or %, 'million' written out: 1300000)", _value_number),
    Rule("unit_known", "unit", "one of the units in the drop-down list (seeds/reference/returns_units.csv)",
         lambda r, c: None if _cell(r, "unit") in c.units else (
             "empty" if not _cell(r, "unit") else f"{_cell(r, 'unit')!r} is not a known unit")),
    Rule("basis_known", "basis", f"one of {', '.join(BASES)}",
         lambda r, _: None if _cell(r, "basis") in BASES else (
             "empty" if not _cell(r, "basis") else f"{_cell(r, 'basis')!r} is not a known basis")),
    Rule("period_start_iso", "period_start", "a date written YYYY-MM-DD, or empty", _date("period_start")),
    Rule("period_end_iso", "period_end", "a date written YYYY-MM-DD, or empty", _date("period_end")),
    Rule("published_iso", "published", "a date written YYYY-MM-DD, or the word unknown",
         _date("published", allow_unknown=True)),
    Rule("period_start_le_end", "period_start", "period_start on or before period_end", _period_order),
    Rule("target_ids_in_plan", "target_ids",
         "target ids of the plan (seeds/plan/plan_targets.csv), separated by ';', or empty for context", _targets),
    Rule("value_in_quote", "value", "a number the quote states (thousands separators and 'million', 'bn', "
         "'a quarter of a million' are understood)", _in_quote),
]
RULE_BY_NAME = {r.name: r for r in RULES}
# Rules the lake frame cannot represent a breach of: reading the table stops on them.
TYPE_RULES = ("value_number", "period_start_iso", "period_end_iso", "published_iso")
# The checks per row that gate 1 runs (every rule, plus return_id unique across rows).
UNIQUE_RULE = Rule("return_id_unique", "return_id", "an id no other row of the file uses", lambda r, _: None)


def rule_context(root: Path | None = None) -> RuleContext:
    return RuleContext(frozenset(t["target_id"] for t in plan_targets(root)), tuple(known_units(root)))


def check_rows(rows: Iterable[tuple[int, dict[str, str]]], ctx: RuleContext,
               rules: Iterable[Rule] | None = None) -> list[Problem]:
    """Every problem of every row: ``rows`` are (row number, {column: text}); ``rules`` default to all
    (:data:`RULES`, plus ids unique across the rows)."""
    chosen = list(RULES if rules is None else rules)
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for n, row in rows:
        rid = _cell(row, "return_id")
        for rule in chosen:
            what = rule.test(row, ctx)
            if what:
                out.append(Problem(n, rid, rule.column, rule.name, what, rule.expected))
        if rid and rules is None:
            if rid in seen:
                out.append(Problem(n, rid, "return_id", UNIQUE_RULE.name, f"{rid!r} is also the id of row {seen[rid]}",
                                   UNIQUE_RULE.expected))
            seen.setdefault(rid, n)
    return out


def rule_outcomes(rows: list[tuple[int, dict[str, str]]], ctx: RuleContext) -> list[dict[str, Any]]:
    """One record per row and rule (``row``, ``return_id``, ``check_name``, ``column_name``, ``passed``,
    ``problem``): the table gate 1's expectations read (every rule of :data:`RULES` and id uniqueness)."""
    problems = {(p.row, p.check): p for p in check_rows(rows, ctx)}
    out = []
    for n, row in rows:
        for rule in [*RULES, UNIQUE_RULE]:
            p = problems.get((n, rule.name))
            out.append({"row": n, "return_id": _cell(row, "return_id"), "check_name": rule.name,
                        "column_name": rule.column, "passed": p is None,
                        "problem": None if p is None else f"{p.what}; expected {p.expected}"})
    return out


def is_blank(row: dict[str, str], prefilled: Iterable[str] = ()) -> bool:
    """True when every returns column except the ``prefilled`` ones is empty (an unfilled template row)."""
    skip = set(prefilled)
    return not any(_cell(row, c) for c in COLUMNS if c not in skip)


# --- the lake frame --------------------------------------------------------------------------------------

def to_frame(rows: list[dict[str, str]], source_id: str, sha256: str) -> pl.DataFrame:
    """The typed lake frame (:data:`LAKE_COLUMNS`) of rows that pass the :data:`TYPE_RULES`: text stripped and
    empty text null; ``published`` ``unknown`` -> null."""
    def text(v: str | None) -> str | None:
        v = (v or "").strip()
        return v or None

    def date(v: str | None) -> dt.date | None:
        v = (v or "").strip()
        return None if not v or v == UNKNOWN_DATE else dt.date.fromisoformat(v)

    records = []
    for r in rows:
        rec: dict[str, Any] = {c: text(r.get(c)) for c in COLUMNS}
        rec["value"] = float(rec["value"]) if rec["value"] is not None else None
        for c in ("period_start", "period_end", "published"):
            rec[c] = date(r.get(c))
        rec["source_id"], rec["snapshot_sha256"] = source_id, sha256
        records.append(rec)
    return pl.DataFrame(records, schema=LAKE_SCHEMA, orient="row") if records else pl.DataFrame(schema=LAKE_SCHEMA)


def lake_rows_as_text(df: pl.DataFrame) -> list[tuple[int, dict[str, str]]]:
    """A lake frame back as text rows (for the rules): numbers without a trailing ``.0``, dates ISO, a null
    ``published`` as ``unknown``. Row numbers count from 2 (the header is line 1) in lake order."""
    out = []
    for i, r in enumerate(df.iter_rows(named=True), start=2):
        row: dict[str, str] = {}
        for c in COLUMNS:
            v = r.get(c)
            if c == "value" and v is not None:
                row[c] = str(int(v)) if float(v).is_integer() else repr(float(v))
            elif isinstance(v, dt.date):
                row[c] = v.isoformat()
            elif c == "published" and v is None:
                row[c] = UNKNOWN_DATE
            else:
                row[c] = "" if v is None else str(v)
        out.append((i, row))
    return out
