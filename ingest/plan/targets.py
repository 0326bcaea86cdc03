"""Target extraction: the quantified or dated targets in a commitment's sentences (quantity, unit,
deadline, metric and direction; the rules are in :mod:`ingest.plan.parser`'s docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.plan.text import clean_inline
from ingest.plan.words import (
    APPROX,
    DETERMINERS,
    DURATIONS,
    FRACTIONS,
    FUNCTION_WORDS,
    MONTHS,
    MULTIPLIERS,
    NOT_METRIC_NOUNS,
    NP_MODIFIERS,
    NUMBER_WORDS,
    PREPOSITIONS,
    QUALIFIER_STOP,
)

_QTY = re.compile(
    r"(?<![\w.\-/£])(?P<currency>£\s?)?"
    r"(?P<num>(?:a|one)\s+(?P<frac>quarter|third|half)\s+of\s+an?\s+(?P<fracmult>thousand|million|billion)"
    r"|half\s+a\s+(?P<halfmult>million|billion)"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    r"|(?P<word>" + "|".join(NUMBER_WORDS) + r"))"
    r"(?![\w,]*\d)"
    r"(?:\s?(?P<mult>bn|m|k|billion|million|thousand)\b)?"
    r"(?P<pct>\s?%|\s(?:per\s?cent|percent)\b)?"
    r"(?P<conc>\s?(?:ug|µg|μg)/m(?:3|³))?"
    r"(?P<minute>-minutes?\b|\s+minutes?\b)?"
)
_YEAR = r"(?:19|20)\d\d"
_DEADLINE = re.compile(
    r"\bby\s+(?:the\s+end\s+of\s+)?(?:(?:early|late|mid|spring|summer|autumn|winter|"
    + "|".join(MONTHS)
    + r")\s+)?"
    r"(?P<y1>" + _YEAR + r")(?:\s*[/\u2013-]\s*(?P<y2>\d{2}(?:\d{2})?))?(?!\d)"
    r"|\b(?:for|in|during)\s+(?P<p1>" + _YEAR + r")\s*[/\u2013-]\s*(?P<p2>\d{2}(?:\d{2})?)(?!\d)",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:has|have|had)\s+(?:already\s+)?(?:been\s+)?"
    r"(?:[a-z]+ed|done|given|run|made|built|seen|won|met|grown|taught|spent|brought|led|set)\b",
    re.IGNORECASE,
)
_SEE_REF = re.compile(r"\(\s*see(?:\s+also)?\b[^)]*\)", re.IGNORECASE)
_CUE = re.compile(
    r"(?P<cue>no\s+more\s+than|up\s+to|at\s+least|more\s+than|over|an\s+additional|additional|a\s+further"
    r"|a\s+target\s+of|target\s+of|targeting)\s+(?:the\s+|a\s+|an\s+)?$",
    re.IGNORECASE,
)


@dataclass
class TargetSpec:
    """A target found in a text, before it is given an id."""

    metric: str
    target_value: float
    unit: str
    target_year: int | None
    direction: str
    position: int


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; splits after . ! ? followed by a capital, digit, £ or quote."""
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z0-9£'\"(])", text):
        out.append((start, text[start : m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]


def _deadlines(sentence: str) -> list[tuple[int, int]]:
    found = []
    for m in _DEADLINE.finditer(sentence):
        y1, y2 = (m.group("y1"), m.group("y2")) if m.group("y1") else (m.group("p1"), m.group("p2"))
        year = int(y1)
        if y2:
            year = int(y2) if len(y2) == 4 else int(y1[:2] + y2)
        found.append((m.start(), year))
    return found


def _pick_year(deadlines: list[tuple[int, int]], start: int, end: int) -> int | None:
    after = [y for pos, y in deadlines if pos >= end]
    if after:
        return after[0]
    before = [y for pos, y in deadlines if pos < start]
    return before[-1] if before else None


def _words(text: str) -> list[str]:
    return text.split()


_PERIOD_OR_DEADLINE = re.compile(
    r"\bby\s+(?:the\s+end\s+of\s+)?(?:\w+\s+)?" + _YEAR + r"|\b(?:for|in|during|from)\s+" + _YEAR
)


def _forward_phrase(after: str, max_words: int = 8, stops: set[str] | None = None) -> list[str]:
    """Words after a quantity up to punctuation, a deadline or period, or a clause boundary.

    A stop word inside a proper name ("Right to Thrive") does not stop the phrase.
    """
    stops = QUALIFIER_STOP if stops is None else stops
    after = re.split(r"[,;:()]|\.(?:\s|$)|\s\u2013\s|\s-\s", after, maxsplit=1)[0]
    after = _PERIOD_OR_DEADLINE.split(after, maxsplit=1)[0]
    tokens = _words(after)
    words: list[str] = []
    for i, w in enumerate(tokens):
        bare = w.lower().strip(".'")
        in_name = (
            bool(words) and words[-1][:1].isupper() and i + 1 < len(tokens) and tokens[i + 1][:1].isupper()
        )
        if (
            bare in stops
            and not in_name
            and not (bare == "and" and i in (1, 2) and words[-1].lower() != "and")
        ):
            break
        words.append(w)
        if len(words) >= max_words:
            break
    while words and words[-1].lower() in FUNCTION_WORDS:
        words.pop()
    return words


def _noun_phrase(words: list[str]) -> list[str]:
    """Leading words naming the thing counted (stops at a function word or a later -ing/-ed verb)."""
    np: list[str] = []
    for i, w in enumerate(words):
        bare = w.lower()
        if bare in FUNCTION_WORDS and bare != "and":
            break
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if i > 0 and w.islower() and re.search(r"(?:ing|ed)$", bare) and (not nxt or nxt in FUNCTION_WORDS):
            break  # a verb after the noun ("Londoners taking the ..."), not an adjective ("existing food")
        np.append(w)
    while np and np[-1].lower() == "and":
        np.pop()
    return np


def _unit_from_np(np: list[str]) -> str:
    words = list(np)
    while words and words[0].lower() in NP_MODIFIERS:
        words.pop(0)
    return " ".join(words)


def _pre_context(before: str) -> str:
    """'accreditation of' or a lower-case -ing verb directly before the quantity (cue removed)."""
    words = _words(re.split(r"[,;:()]", before)[-1])
    if (
        len(words) >= 2
        and words[-1] == "of"
        and words[-2].isalpha()
        and words[-2].islower()
        and words[-2] not in NOT_METRIC_NOUNS
    ):
        return f"{words[-2]} of"
    if words and words[-1].islower() and words[-1].endswith("ing") and words[-1] not in {"targeting"}:
        return words[-1]
    return ""


def _value(m: re.Match[str]) -> float:
    if m.group("frac"):
        return FRACTIONS[m.group("frac")] * MULTIPLIERS[m.group("fracmult")]
    if m.group("halfmult"):
        return 0.5 * MULTIPLIERS[m.group("halfmult")]
    if m.group("word"):
        value = float(NUMBER_WORDS[m.group("word")])
    else:
        value = float(m.group("num").replace(",", ""))
    if m.group("mult"):
        value *= MULTIPLIERS[m.group("mult")]
    return round(value, 6)


def _eliminations(sentence: str, deadlines: list[tuple[int, int]]) -> list[TargetSpec]:
    specs = []
    patterns = [
        (
            r"\bend(?:ing|s)?\s+all\s+(?P<what>(?:new\s+)?[\w\s-]+?)(?=\s+(?:in\s+London\s+)?by\s+"
            + _YEAR
            + ")",
            "{what}",
        ),
        (r"\beliminat(?:e|ing)\s+(?P<what>[\w\s-]+?)(?=\s+(?:in\s+London\s+)?by\s+" + _YEAR + ")", "{what}"),
        (r"\bnet[- ]zero\s+(?P<what>[a-z]+)\b", "net {what} emissions"),
        (r"\bzero[- ]emissions?\s+(?P<what>[a-z]+(?:\s+fleet)?)\b", "{what} emissions"),
    ]
    for pattern, template in patterns:
        for m in re.finditer(pattern, sentence):
            year = next((y for pos, y in deadlines if pos >= m.end()), None)
            if year is None:
                continue
            metric = template.format(what=m.group("what").strip())
            specs.append(TargetSpec(metric, 0.0, metric.split()[-1], year, "eliminate", m.start()))
    return specs


def extract_targets(text: str) -> list[TargetSpec]:
    """Quantified or dated targets in a commitment's text (rules in the module docstring)."""
    text = _SEE_REF.sub("", clean_inline(text))
    specs: list[TargetSpec] = []
    for offset, sentence in split_sentences(text):
        if _PAST.search(sentence):
            continue
        deadlines = _deadlines(sentence)
        found = _eliminations(sentence, deadlines)
        first_word = sentence.split()[0] if sentence.split() else ""
        for m in _QTY.finditer(sentence):
            spec = _quantity_target(sentence, m, deadlines, first_word)
            if spec is not None:
                found.append(spec)
        for spec in sorted(found, key=lambda s: s.position):
            spec.position += offset
            specs.append(spec)
    return specs


def _quantity_target(
    sentence: str, m: re.Match[str], deadlines: list[tuple[int, int]], first_word: str
) -> TargetSpec | None:
    num = m.group("num")
    currency, pct, conc, minute = m.group("currency"), m.group("pct"), m.group("conc"), m.group("minute")
    mult = m.group("mult")
    if mult in {"m", "k", "bn"} and not currency:
        return None  # "10 m" etc: only money takes short multipliers
    plain = not (currency or pct or conc or minute or mult or m.group("frac") or m.group("halfmult"))
    if plain and re.fullmatch(_YEAR, num):
        return None  # a year
    if m.group("word") and not m.group("word").islower():
        return None
    before, after = sentence[: m.start()], sentence[m.end() :]
    before_words = _words(before)
    cue_m = _CUE.search(before)
    cue = re.sub(r"\s+", " ", cue_m.group("cue").lower()) if cue_m else ""
    if not cue and before_words:
        prev = before_words[-1]
        prev_bare = prev.lower().strip("(\"'")
        if prev_bare in DETERMINERS or re.search(r"['\u2019]s?$", prev) or prev_bare in APPROX:
            return None
        if prev[:1].isupper() and len(before_words) > 0 and prev != first_word and prev.isalpha():
            return None  # part of a name: "Part 4"
    after_words = _words(after)
    if after_words and after_words[0].strip(".,") in MONTHS:
        return None  # a date: "25 October 2021"
    value = _value(m)
    year = _pick_year(deadlines, m.start(), m.end())
    fwd = _forward_phrase(after)
    direction = "reach"
    if cue == "no more than":
        direction = "at_most"
    elif cue in {"at least", "more than", "over", "up to"}:  # "up to N" is an ambition to reach N
        direction = "at_least"

    if pct:
        unit = "percent"
        metric = ""
        rest = after.lstrip()
        red = re.match(r"reduction\s+in\s+(.+)", rest)
        of = re.match(r"of\s+(.+)", rest)
        clause = re.split(r",|;|\band\b", before)[-1]
        if red:
            direction = "reduce_by"
            metric = " ".join(_forward_phrase(red.group(1), 10))
        elif of:
            metric = " ".join(_forward_phrase_keep_to(of.group(1)))
        elif re.search(r"\bby\s*$", before):
            verb = re.search(
                r".*\b(cut|cuts|cutting|reduce|reduces|reducing|lower|lowering)\s+(.+?)\s+by\s*$", before
            )
            inc = re.search(r"(.+?)\s+will\s+(?:increase|rise|grow)\s+by\s*$", clause)
            if verb:
                direction = "reduce_by"
                metric = verb.group(2).strip()
            elif inc:
                metric = "increase in " + inc.group(1).strip()
        if not metric:
            return None
        return TargetSpec(metric, value, unit, year, direction, m.start())
    if conc:
        pollutant = re.findall(r"\b(PM2\.5|PM10|NO2|NOx|O3|SO2)\b", before)
        metric = f"{pollutant[-1]} concentration" if pollutant else "concentration"
        return TargetSpec(
            metric, value, "ug/m3", year, "at_most" if direction == "reach" or cue == "up to" else direction, m.start()
        )
    if minute:
        words = _forward_phrase(after.lstrip().removeprefix("of ").lstrip(), stops=QUALIFIER_STOP - {"from"})
        if words and words[0].lower() == "of":
            words = words[1:]
        metric = " ".join(words) or "minutes"
        return TargetSpec(metric, value, "minutes", year, direction, m.start())
    if currency:
        words = fwd
        if not words:
            return None
        if words[0].lower() in PREPOSITIONS:
            metric = "money " + " ".join(words)
        else:
            metric = " ".join(words)
        return TargetSpec(metric, value, "GBP", year, direction, m.start())
    # a count of things
    np = _noun_phrase(fwd)
    if not np:
        return None
    if np[0].lower().strip("'") in DURATIONS or np[0].lower().rstrip("'") in DURATIONS:
        return None
    unit = _unit_from_np(np)
    if not unit:
        return None
    pre = _pre_context(before[: cue_m.start()] if cue_m is not None else before)
    prefix = [pre] if pre else []
    if cue in {"an additional", "additional", "a further"}:
        prefix.append("additional")
    metric = " ".join(prefix + fwd)
    return TargetSpec(metric, value, unit, year, direction, m.start())


def _forward_phrase_keep_to(after: str) -> list[str]:
    """Like :func:`_forward_phrase` but 'to'/'with' may stay inside the phrase (X of Y to Z)."""
    after = re.split(r"[,;:()]|\.(?:\s|$)", after, maxsplit=1)[0]
    after = re.split(r"\bby\s+(?:the\s+end\s+of\s+)?(?:\w+\s+)?" + _YEAR, after, maxsplit=1)[0]
    after = re.split(r"\s+and\s+", after, maxsplit=1)[0]
    words = _words(after)[:12]
    while words and words[-1].lower() in FUNCTION_WORDS:
        words.pop()
    return words
