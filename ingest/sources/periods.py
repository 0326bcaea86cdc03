"""Period labels -> (start, end) dates, by a declared period type. Conventions (documented in README):

- ``calendar_year``   "2011"                      -> 2011-01-01 .. 2011-12-31
- ``pooled_years``    "2015 - 17" (3-year pooled) -> 2015-01-01 .. 2017-12-31
- ``academic_year``   "2014/15"                   -> 2014-09-01 .. 2015-08-31 (school year, e.g. NCMP)
- ``financial_year``  "2014/15" (or "2014-15")    -> 2014-04-01 .. 2015-03-31 (labelled "2014/15")
- ``active_lives_year`` "2015/16"                 -> 2015-11-15 .. 2016-11-14 (Sport England Active Lives
  Adult survey runs mid-November to mid-November)
- ``active_lives_year_ending`` "2021"            -> "2020/21", 2020-11-15 .. 2021-11-14 (a survey year labelled
  by the year it ends, as DfT's walking and cycling tables CW03xx do; normalised to the ``active_lives_year``
  label so both publishers' series share one label)
- ``month``           "Jan-08", "Jan-2008", "2013-12-01 00:00:00" -> first .. last day of that month
- ``april``           "2024" (ASHE reference period) -> 2024-04-01 .. 2024-04-30

A pooled label of two academic/financial years, "2020/21 - 24/25", spans the start of the first to the
end of the last. These split years may also be written with a hyphen, as MHCLG and others publish them
("2022-23", "2020-21 - 24-25"): the hyphen form is normalised to the slash form ("2022/23"), so one period
has one label whichever way a publisher writes it, and a published file never needs editing. ``month``
labels are normalised to "YYYY-MM" so the same month always has one label.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

PERIOD_TYPES = {"calendar_year", "pooled_years", "academic_year", "financial_year", "active_lives_year",
                "active_lives_year_ending", "month", "april"}
# the hyphen of a split year written "2022-23" (normalised to "2022/23")
_SPLIT_HYPHEN = re.compile(r"^(\d{2}|\d{4})-(\d{2}|\d{4})$")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def _century(two: str, ref: int) -> int:
    """Expand a 2-digit year near a 4-digit reference year (e.g. "17" after 2015 -> 2017)."""
    y = (ref // 100) * 100 + int(two)
    return y + 100 if y < ref else y


def _split_year(label: str, start_month: int, start_day: int) -> tuple[date, date] | None:
    m = re.fullmatch(r"(\d{4})[/-](\d{2}|\d{4})", label.strip())
    if not m:
        return None
    y0 = int(m.group(1))
    y1 = int(m.group(2)) if len(m.group(2)) == 4 else _century(m.group(2), y0)
    if y1 != y0 + 1:
        return None
    end = date(y1, start_month, start_day).toordinal() - 1
    return date(y0, start_month, start_day), date.fromordinal(end)


def parse_period(label: str, period_type: str) -> tuple[str, date, date]:
    """Return (normalised label, start, end); raise ValueError when the label does not fit the type."""
    text = str(label).strip()
    if period_type == "calendar_year":
        if re.fullmatch(r"\d{4}", text):
            y = int(text)
            return text, date(y, 1, 1), date(y, 12, 31)
    elif period_type == "april":
        if re.fullmatch(r"\d{4}", text):
            y = int(text)
            return text, date(y, 4, 1), date(y, 4, 30)
    elif period_type == "active_lives_year_ending":
        if re.fullmatch(r"\d{4}", text):
            y = int(text)
            return f"{y - 1}/{y % 100:02d}", date(y - 1, 11, 15), date(y, 11, 14)
    elif period_type == "pooled_years":
        m = re.fullmatch(r"(\d{4})\s*-\s*(\d{2}|\d{4})", text)
        if m:
            y0 = int(m.group(1))
            y1 = int(m.group(2)) if len(m.group(2)) == 4 else _century(m.group(2), y0)
            if 0 <= y1 - y0 <= 20:
                return text, date(y0, 1, 1), date(y1, 12, 31)
    elif period_type in {"academic_year", "financial_year", "active_lives_year"}:
        sm, sd = {"academic_year": (9, 1), "financial_year": (4, 1), "active_lives_year": (11, 15)}[period_type]
        parts = [p.strip() for p in re.split(r"\s+-\s+", text)]
        # "2022-23" is "2022/23": the hyphen between the two years of one split year becomes a slash
        hyphenated = any(_SPLIT_HYPHEN.match(p) for p in parts)
        label = " - ".join(_SPLIT_HYPHEN.sub(r"\1/\2", p) for p in parts) if hyphenated else text
        if len(parts) == 1:
            span = _split_year(parts[0], sm, sd)
            if span:
                return label, span[0], span[1]
        elif len(parts) == 2:
            first = _split_year(parts[0], sm, sd)
            m = re.fullmatch(r"(\d{2})[/-](\d{2})", parts[1])
            if first and m:
                y1 = _century(m.group(2), first[0].year)
                last = _split_year(f"{y1 - 1}/{y1}", sm, sd)
                if last and last[1] >= first[1]:
                    return label, first[0], last[1]
    elif period_type == "month":
        m = re.fullmatch(r"([A-Za-z]{3})[- ](\d{2}|\d{4})", text)
        if m and m.group(1).lower() in _MONTHS:
            mon = _MONTHS[m.group(1).lower()]
            y = int(m.group(2)) if len(m.group(2)) == 4 else 2000 + int(m.group(2))
        else:
            m = re.fullmatch(r"(\d{4})-(\d{2})(?:-01(?:[ T]00:00:00(?:\.0+)?)?)?", text)
            if not m:
                raise ValueError(f"period {text!r} is not a month (expected e.g. 'Jan-08' or '2008-01-01')")
            y, mon = int(m.group(1)), int(m.group(2))
        if not 1 <= mon <= 12:
            raise ValueError(f"period {text!r} has no month {mon}")
        return f"{y:04d}-{mon:02d}", date(y, mon, 1), date(y, mon, calendar.monthrange(y, mon)[1])
    else:
        raise ValueError(f"unknown period type {period_type!r} (known: {', '.join(sorted(PERIOD_TYPES))})")
    raise ValueError(f"period {text!r} does not match period type {period_type!r}")


def normalise_label(label: str, period_type: str | None) -> str:
    """The label as :func:`parse_period` normalises it, or the stripped label when it does not parse."""
    try:
        return parse_period(label, period_type)[0] if period_type else str(label).strip()
    except ValueError:
        return str(label).strip()


def declared_periods(options: dict, indicator_options: dict) -> tuple[set[str] | None, set[str]]:
    """The period selection the registry declares for one indicator: (``periods`` it is limited to, or None
    for all; ``exclude_periods`` it must not use). An indicator's own ``periods`` replaces the dataset's;
    ``exclude_periods`` of the source/dataset/file and of the indicator add up. Labels as written."""
    only = indicator_options.get("periods", options.get("periods"))
    excluded = {str(p).strip() for p in (options.get("exclude_periods") or [])}
    excluded |= {str(p).strip() for p in (indicator_options.get("exclude_periods") or [])}
    return ({str(p).strip() for p in only} if only is not None else None), excluded
