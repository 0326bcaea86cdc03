"""Parse the Health Inequalities Strategy Implementation Plan (Markdown) into aims, objectives,
commitments and targets: the rows of ``seeds/plan/plan_*.csv``.

The document is a web page converted to Markdown, messy in realistic ways. The rules, in order:

Structure
- A heading is a line starting with ``#`` at ANY level (2-4 are used); bold markers ``**`` are optional.
  ``N. Name - vision`` is an aim (the vision is the text after the dash); ``N.M Title`` is an objective
  and must sit under aim N (else an error); ``Key commitment`` / ``Key commitments`` opens the aim's key
  commitments. A heading that ends with ``:`` (``#### Other action:``) is a list-introducing sentence.
  Headings before the first aim (title, contents, introduction) are preamble and ignored; any other
  heading after it is an error, so no content is silently dropped.
- Under a key-commitment heading every paragraph is one key commitment, numbered ``KC<aim>.<n>``
  (aim 3 has two: KC3.1 air quality, KC3.2 Living Wage). Aim 4's says it is not yet agreed: it is kept
  as a key commitment and, having no number, gets no target.
- Under an objective, every bullet is an ``action``. Top-level bullets are ``A<objective>.<n>`` in
  document order across all the objective's lists; an indented bullet is a child of the nearest
  less-indented bullet above it: ``<parent_id>.a``, ``.b``... (a third level would be ``.1``, ``.2``).
- A paragraph (or a heading ending with ``:``) under an objective introduces the bullets after it and
  sets their ``lead``:
  ``partners`` for "Other pan-London work led by partners", "Other partnership action", "Other action",
  "Work led by <someone other than the Mayor>", "Through the London Health and Care Vision";
  ``joint`` when the Mayor is one of a compound subject ("The Mayor and London partners will work
  together", "the Mayor and partners", "The Mayor and MOPAC ...") or the sentence says "together";
  ``mayor`` when the Mayor (or "He") is the subject alone ("The Mayor will ...", "The Mayor working with
  Thrive LDN ... will", "In addition, the Mayor will:"). A sentence naming no one ("Reduce the risks of
  flooding by:") keeps the lead of the list before it. A bullet with no introducing sentence at all in
  its objective is an error. Nested bullets share their parent's lead. Key commitments are the Mayor's
  own commitments in the Strategy: ``lead`` = ``mayor``.
- Page breaks: a non-bullet line starting in lower case continues the bullet (or key commitment) above
  it, even after a blank line; a non-blank line directly under a bullet continues it too (Markdown
  lazy continuation).
- Clean text: Markdown links ``[text](url)`` keep their text, HTML tags are dropped (``NO<sub>2</sub>``
  -> ``NO2``), entities unescaped, ``\\(`` escapes and ``**`` removed, curly apostrophes straightened,
  whitespace collapsed. A ``?`` ending a line is a character lost in conversion (the plan asks no
  questions) and is removed unless the sentence starts with a question word. Objective titles lose a
  trailing cross-reference such as "(See also Key Commitment above)". Link-only paragraphs
  ("[Back to table of contents](#)") are navigation and ignored.
- ``organisations``: canonical names of bodies named in the item's own text, found through
  :data:`ORGANISATIONS` (an alias table), in order of first mention, pipe-separated; plus the body an
  introducing "Work led by <body> to:" names (it leads every bullet of that list).
- ``recovery_mission``: London Recovery Programme missions named in the item's text
  (:data:`MISSIONS`); if none, a nested bullet takes its parent's and a top-level bullet those named
  in the sentence introducing its list.

Targets (one row per quantified or dated target; ``<commitment_id>-T<n>`` in text order)
- A quantity is a number in digits (``2,500``, ``10``), a lower-case number word (``twenty``), or a
  fraction phrase (``a quarter of a million``), with ``£`` (unit ``GBP``), multipliers (``m``, ``bn``,
  ``million``, ``billion``, ``thousand``), ``%``/``per cent`` (``percent``), ``ug/m3`` or ``minutes``
  (``10-minute``); otherwise the unit is the noun phrase counted (``School Superzones``, ``employers``),
  without modifiers such as new/additional/London. ``target_value`` is in base units (£635m ->
  635000000, a quarter of a million -> 250000).
- Not targets: sentences reporting the past (``has/have/had`` + participle: "has delivered over
  3,600 training sessions"); years (1900-2100 without a comma) and section references ("see 3.1");
  numbers glued to a name (PM2.5, NO2, C40, COVID-19) or following a capitalised word inside a
  sentence (Part 4); capitalised number words inside titles (``Ten Ambitions``); day-month dates;
  counts of existing things (after the/their/its/his/a possessive: "the 13 pilot boroughs",
  "government's £80m"); approximate descriptions (nearly/around/about 100); durations in
  years/months/weeks/days/hours (conditions such as "four weeks' notice", not targets); a number
  with no thing counted.
- Eliminations: "ending all new X by <year>", "net zero X by <year>", "zero-emission X ... by <year>"
  -> ``eliminate`` with ``target_value`` 0 (they need a deadline; undated "net zero" ambitions are not
  targets).
- ``direction``: "no more than" and concentration limits (ug/m3) -> ``at_most`` (a ceiling);
  "at least" / "more than" / "over" / "up to" -> ``at_least`` ("up to 50 School Superzones by 2025" is an
  ambition to deliver as many as 50, so success is reaching 50, not staying under it); "N% reduction in X" or "cut/reduce X by N%" ->
  ``reduce_by``; eliminations -> ``eliminate``; anything else (a level or amount to deliver, including
  "X will increase by N%", whose metric becomes "increase in X") -> ``reach``.
- ``target_year``: the first deadline after the quantity in its sentence ("by 2025", "by spring
  2022", or a period "for 2021-2026" / "in 2021-22"), else the nearest one before it ("By 2041 ...").
  A financial or plan period ends in its second year (2023/24 -> 2024). No deadline -> empty.
- ``metric``: a short phrase for what is counted, taken from the words around the quantity: the noun
  phrase and its qualifier (up to a deadline, punctuation, "and", "to", "with"...), preceded by
  "<noun> of" or a lower-case -ing verb directly before it ("accreditation of additional employers",
  "lifting people onto the real Living Wage"); for percentages the thing the share or reduction is of;
  for money the thing funded (or "money in ..."); for concentrations the pollutant.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import HisError

# --------------------------------------------------------------------------------------------------
# Alias tables
# --------------------------------------------------------------------------------------------------

#: canonical organisation name -> pattern (case-sensitive unless (?i) is used inside).
ORGANISATIONS: list[tuple[str, str]] = [
    ("GLA", r"\bGLA\b|Greater London Authority"),
    ("NHS", r"\bNHS\b|National Health Service|national health service"),
    ("TfL", r"\bTfL\b|Transport for London"),
    ("VRU", r"\bVRU\b|Violence Reduction Unit"),
    ("MOPAC", r"\bMOPAC\b|Mayor'?s Office for Policing and Crime"),
    ("MPS", r"\bMPS\b|Metropolitan Police"),
    ("LFB", r"\bLFB\b|London Fire Brigade"),
    ("OHID", r"\bOHID\b|Office (?:for|of) Health Improvement and Disparities"),
    ("Thrive LDN", r"Thrive LDN"),
    ("HLP", r"\bHLP\b|Healthy London Partner(?:ship|s)"),
    ("London Councils", r"\bLondon Councils\b"),
    ("boroughs", r"(?i:\bboroughs\b|\bborough partners\b|\blocal authorit(?:y|ies)\b|\blocal councils\b)"),
    ("ICSs", r"\bICSs?\b|Integrated Care Systems?"),
    ("London Recovery Board", r"London Recovery Board"),
    ("Living Wage Foundation", r"Living Wage Foundation"),
    ("London Citizens", r"London Citizens"),
    ("Trust for London", r"Trust for London"),
    ("Home Office", r"Home Office"),
    ("UK Government", r"(?<!local )\b[Gg]overnment(?!al)\b(?! Group)"),
    ("VCSE", r"\bF?VCSE?\b|(?i:voluntary and community sector|voluntary sector)"),
    ("London Plus", r"London Plus"),
    ("Partnership for Young London", r"Partnership for Young London"),
    ("Mind", r"\bMind\b"),
    ("Baring Foundation", r"Baring Foundation"),
    ("Association of Colleges", r"Association of Colleges"),
    ("ADPH", r"\bADPHL?\b|Association of Directors of Public Health"),
    ("LEDNet", r"\bLEDNet\b|Environment Directors Network"),
    ("OPDC", r"\bOPDC\b|Old Oak and Park Royal Development Corporation"),
    ("Job Centre Plus", r"Job ?[Cc]entre Plus"),
    ("Alzheimer's Society", r"Alzheimer'?s Society"),
    ("Refugee Council", r"Refugee Council"),
    ("Doctors of the World", r"Doctors of the World"),
    ("London Strategic Migration Partnership", r"London Strategic Migration Partnership"),
    ("Fast Track Cities", r"Fast Track Cities"),
    ("Health Equity Group", r"Health Equity Group"),
    ("C40 Cities", r"\bC40\b"),
    ("Hestia", r"\bHestia\b"),
    ("Parks for London", r"Parks for London"),
    ("London Arts and Health", r"London Arts and Health"),
    ("Good Thinking", r"Good Thinking"),
    ("Alehm", r"\bAlehm\b|Association of Environmental Health Man(?:a)?gers"),
    ("Healthy Schools London", r"Healthy Schools London"),
    ("Healthy Early Years London", r"Healthy Early Years London"),
]

#: canonical London Recovery Programme mission -> pattern (case-sensitive: these are names).
MISSIONS: list[tuple[str, str]] = [
    (
        "Healthy Place, Healthy Weight",
        r"Healthy Place,? Healthy Weight|Healthy Food,? (?:and )?Healthy Weight",
    ),
    ("Mental Health and Wellbeing", r"Mental Health and Wellbeing"),
    ("Green New Deal", r"Green New Deal"),
    ("Robust Safety Net", r"Robust Safety Net"),
    ("Good Work for All", r"Good Work (?:for All|[Mm]ission)"),
    ("New Deal for Young People", r"New Deal for Young People"),
    ("Building Stronger Communities", r"Building Strong(?:er)? Communities"),
    ("High Streets for All", r"High Streets for All"),
    ("Digital Access for All", r"Digital Access for All"),
]

LEADS = ("mayor", "partners", "joint")
KINDS = ("key_commitment", "action")
DIRECTIONS = ("at_least", "at_most", "reduce_by", "reach", "eliminate")

AIM_COLUMNS = ["aim_id", "aim_name", "aim_vision"]
OBJECTIVE_COLUMNS = ["objective_id", "aim_id", "title"]
COMMITMENT_COLUMNS = [
    "commitment_id",
    "aim_id",
    "objective_id",
    "parent_id",
    "kind",
    "lead",
    "organisations",
    "recovery_mission",
    "text",
    "source_line",
]
TARGET_COLUMNS = ["target_id", "commitment_id", "metric", "target_value", "unit", "target_year", "direction"]


class PlanError(HisError):
    """The plan document is missing, empty or not shaped like the plan; the message names file and line."""


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass
class Aim:
    aim_id: int
    aim_name: str
    aim_vision: str
    source_line: int


@dataclass
class Objective:
    objective_id: str
    aim_id: int
    title: str
    source_line: int


@dataclass
class Commitment:
    commitment_id: str
    aim_id: int
    objective_id: str | None
    parent_id: str | None
    kind: str
    lead: str
    text: str
    source_line: int
    organisations: list[str] = field(default_factory=list)
    recovery_mission: list[str] = field(default_factory=list)
    # parse-time only
    raw_lines: list[str] = field(default_factory=list, repr=False)
    intro_missions: list[str] = field(default_factory=list, repr=False)
    intro_leaders: list[str] = field(default_factory=list, repr=False)
    indent: int = 0
    depth: int = 0
    n_children: int = 0


@dataclass
class Target:
    target_id: str
    commitment_id: str
    metric: str
    target_value: float
    unit: str
    target_year: int | None
    direction: str


@dataclass
class Plan:
    aims: list[Aim]
    objectives: list[Objective]
    commitments: list[Commitment]
    targets: list[Target]

    def tables(self) -> dict[str, tuple[list[str], list[list[str]]]]:
        """Seed file name -> (columns, rows of strings; empty string = null)."""

        def s(v: object) -> str:
            if v is None:
                return ""
            if isinstance(v, float):
                return str(int(v)) if v.is_integer() else repr(v)
            return str(v)

        return {
            "plan_aims.csv": (AIM_COLUMNS, [[s(a.aim_id), a.aim_name, a.aim_vision] for a in self.aims]),
            "plan_objectives.csv": (
                OBJECTIVE_COLUMNS,
                [[o.objective_id, s(o.aim_id), o.title] for o in self.objectives],
            ),
            "plan_commitments.csv": (
                COMMITMENT_COLUMNS,
                [
                    [
                        c.commitment_id,
                        s(c.aim_id),
                        s(c.objective_id),
                        s(c.parent_id),
                        c.kind,
                        c.lead,
                        "|".join(c.organisations),
                        "|".join(c.recovery_mission),
                        c.text,
                        s(c.source_line),
                    ]
                    for c in self.commitments
                ],
            ),
            "plan_targets.csv": (
                TARGET_COLUMNS,
                [
                    [
                        t.target_id,
                        t.commitment_id,
                        t.metric,
                        s(t.target_value),
                        t.unit,
                        s(t.target_year),
                        t.direction,
                    ]
                    for t in self.targets
                ],
            ),
        }


# --------------------------------------------------------------------------------------------------
# Inline cleaning
# --------------------------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_QUESTION_WORDS = {
    "what",
    "how",
    "why",
    "who",
    "when",
    "where",
    "which",
    "is",
    "are",
    "do",
    "does",
    "can",
    "could",
    "will",
    "would",
    "should",
    "shall",
    "has",
    "have",
}


def strip_stray_question_mark(line: str) -> str:
    """Drop a ``?`` ending a line unless its last sentence is a real question."""
    m = re.search(r"\?(\*\*|__)?\s*$", line)
    if not m:
        return line
    body, closing = line[: m.start()], m.group(1) or ""
    last_sentence = re.split(r"(?<=[.!])\s+", body.strip().strip("*#- ").strip())[-1]
    first = re.sub(r"^[^A-Za-z]*", "", last_sentence).split(" ", 1)[0].lower()
    if first in _QUESTION_WORDS and not body.endswith("."):
        return line
    return body.rstrip() + closing


def clean_inline(text: str) -> str:
    """Markdown/HTML inline markup -> plain text (see the module docstring)."""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text


def _link_only(text: str) -> bool:
    return bool(_LINK.search(text)) and not _LINK.sub("", text).strip(" .*")


def find_organisations(text: str) -> list[str]:
    """Canonical names of the bodies named in ``text``, in order of first mention."""
    found: list[tuple[int, str]] = []
    for name, pattern in ORGANISATIONS:
        m = re.search(pattern, text)
        if m:
            found.append((m.start(), name))
    return [name for _, name in sorted(found)]


def find_missions(text: str) -> list[str]:
    """Recovery missions named in ``text``, in order of first mention."""
    found: list[tuple[int, str]] = []
    for name, pattern in MISSIONS:
        m = re.search(pattern, text)
        if m:
            found.append((m.start(), name))
    return [name for _, name in sorted(found)]


# --------------------------------------------------------------------------------------------------
# Lead from the introducing sentence
# --------------------------------------------------------------------------------------------------

_PARTNERS = re.compile(
    r"led by partners|^other (?:partnership )?action\b|^other pan-london work|\bwork led by (?!the mayor)"
    r"|^through the london health and care vision",
    re.IGNORECASE,
)
_JOINT = re.compile(r"\bmayor and\b|\btogether\b", re.IGNORECASE)
_MAYOR = re.compile(r"\bthe mayor\b.*\bwill\b|\bhe will\b", re.IGNORECASE)


def classify_lead(intro: str) -> str | None:
    """``mayor`` / ``partners`` / ``joint`` from a list-introducing sentence; None if it names no one."""
    text = clean_inline(intro)
    if _PARTNERS.search(text):
        return "partners"
    if _JOINT.search(text):
        return "joint"
    if _MAYOR.search(text):
        return "mayor"
    return None


# --------------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_FRACTIONS = {"quarter": 0.25, "third": 1 / 3, "half": 0.5}
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

_QTY = re.compile(
    r"(?<![\w.\-/£])(?P<currency>£\s?)?"
    r"(?P<num>(?:a|one)\s+(?P<frac>quarter|third|half)\s+of\s+an?\s+(?P<fracmult>thousand|million|billion)"
    r"|half\s+a\s+(?P<halfmult>million|billion)"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    r"|(?P<word>" + "|".join(_NUMBER_WORDS) + r"))"
    r"(?![\w,]*\d)"
    r"(?:\s?(?P<mult>bn|m|k|billion|million|thousand)\b)?"
    r"(?P<pct>\s?%|\s(?:per\s?cent|percent)\b)?"
    r"(?P<conc>\s?(?:ug|µg|μg)/m(?:3|³))?"
    r"(?P<minute>-minutes?\b|\s+minutes?\b)?"
)
_YEAR = r"(?:19|20)\d\d"
_DEADLINE = re.compile(
    r"\bby\s+(?:the\s+end\s+of\s+)?(?:(?:early|late|mid|spring|summer|autumn|winter|"
    + "|".join(_MONTHS)
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
_DETERMINERS = {"the", "their", "its", "his", "her", "our", "this", "these", "those", "your", "my"}
_APPROX = {"nearly", "almost", "around", "approximately", "about", "some", "roughly", "circa"}
_DURATIONS = {
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "year's",
    "years'",
    "week's",
    "weeks'",
    "day's",
    "days'",
    "hours'",
    "months'",
}
_FUNCTION_WORDS = {
    "to",
    "in",
    "on",
    "onto",
    "for",
    "from",
    "across",
    "through",
    "by",
    "of",
    "at",
    "with",
    "into",
    "within",
    "who",
    "which",
    "that",
    "whilst",
    "while",
    "so",
    "as",
    "per",
    "a",
    "an",
    "the",
    "than",
    "each",
    "every",
    "and",
    "or",
}
_QUALIFIER_STOP = {
    "and",
    "to",
    "with",
    "from",
    "which",
    "that",
    "whilst",
    "while",
    "so",
    "who",
    "they",
    "but",
    "or",
    "including",
    "e.g",
}
_NP_MODIFIERS = {"new", "additional", "existing", "strategic", "london", "more", "and", "extra"}
_NOT_METRIC_NOUNS = {"ambition", "target", "goal", "aim", "total", "minimum", "maximum", "number", "initial"}
_PREPOSITIONS = {"in", "on", "onto", "for", "to", "into", "across", "through", "at", "of"}


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
    stops = _QUALIFIER_STOP if stops is None else stops
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
    while words and words[-1].lower() in _FUNCTION_WORDS:
        words.pop()
    return words


def _noun_phrase(words: list[str]) -> list[str]:
    """Leading words naming the thing counted (stops at a function word or a later -ing/-ed verb)."""
    np: list[str] = []
    for i, w in enumerate(words):
        bare = w.lower()
        if bare in _FUNCTION_WORDS and bare != "and":
            break
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if i > 0 and w.islower() and re.search(r"(?:ing|ed)$", bare) and (not nxt or nxt in _FUNCTION_WORDS):
            break  # a verb after the noun ("Londoners taking the ..."), not an adjective ("existing food")
        np.append(w)
    while np and np[-1].lower() == "and":
        np.pop()
    return np


def _unit_from_np(np: list[str]) -> str:
    words = list(np)
    while words and words[0].lower() in _NP_MODIFIERS:
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
        and words[-2] not in _NOT_METRIC_NOUNS
    ):
        return f"{words[-2]} of"
    if words and words[-1].islower() and words[-1].endswith("ing") and words[-1] not in {"targeting"}:
        return words[-1]
    return ""


def _value(m: re.Match[str]) -> float:
    if m.group("frac"):
        return _FRACTIONS[m.group("frac")] * _MULTIPLIERS[m.group("fracmult")]
    if m.group("halfmult"):
        return 0.5 * _MULTIPLIERS[m.group("halfmult")]
    if m.group("word"):
        value = float(_NUMBER_WORDS[m.group("word")])
    else:
        value = float(m.group("num").replace(",", ""))
    if m.group("mult"):
        value *= _MULTIPLIERS[m.group("mult")]
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
        if prev_bare in _DETERMINERS or re.search(r"['\u2019]s?$", prev) or prev_bare in _APPROX:
            return None
        if prev[:1].isupper() and len(before_words) > 0 and prev != first_word and prev.isalpha():
            return None  # part of a name: "Part 4"
    after_words = _words(after)
    if after_words and after_words[0].strip(".,") in _MONTHS:
        return None  # a date: "25 October 2021"
    value = _value(m)
    year = _pick_year(deadlines, m.start(), m.end())
    fwd = _forward_phrase(after)
    direction = "reach"
    if cue == "no more than":
        direction = "at_most"
    elif cue in {"at least", "more than", "over", "up to"}:
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
        words = _forward_phrase(after.lstrip().removeprefix("of ").lstrip(), stops=_QUALIFIER_STOP - {"from"})
        if words and words[0].lower() == "of":
            words = words[1:]
        metric = " ".join(words) or "minutes"
        return TargetSpec(metric, value, "minutes", year, direction, m.start())
    if currency:
        words = fwd
        if not words:
            return None
        if words[0].lower() in _PREPOSITIONS:
            metric = "money " + " ".join(words)
        else:
            metric = " ".join(words)
        return TargetSpec(metric, value, "GBP", year, direction, m.start())
    # a count of things
    np = _noun_phrase(fwd)
    if not np:
        return None
    if np[0].lower().strip("'") in _DURATIONS or np[0].lower().rstrip("'") in _DURATIONS:
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
    while words and words[-1].lower() in _FUNCTION_WORDS:
        words.pop()
    return words


# --------------------------------------------------------------------------------------------------
# Block structure
# --------------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_AIM = re.compile(r"^(\d+)\.?\s+(.+?)\s+[-\u2013\u2014]\s+(.+)$")
_AIM_LIKE = re.compile(r"^(\d+)\.\s+\S")
_OBJECTIVE = re.compile(r"^(\d+)\.(\d+)\.?\s+(\S.*)$")
_KEY = re.compile(r"^key\s+commitments?:?$", re.IGNORECASE)
_TITLE_XREF = re.compile(r"\s*\((?:see|See)(?:\s+also)?\b[^)]*\)\s*$")


def _indent(ws: str) -> int:
    return len(ws.replace("\t", "    "))


def _label(depth: int, n: int) -> str:
    """Child label: letters at depth 1 (a, b, ..., z, aa...), numbers at depth 2, letters again..."""
    if depth % 2 == 0:
        return str(n)
    label = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        label = chr(ord("a") + r) + label
    return label


class _Parser:
    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.aims: list[Aim] = []
        self.objectives: list[Objective] = []
        self.commitments: list[Commitment] = []
        self.aim: Aim | None = None
        self.objective: Objective | None = None
        self.state = "preamble"  # preamble | aim | key | objective
        self.lead: str | None = None
        self.intro_missions: list[str] = []
        self.intro_leaders: list[str] = []
        self.intro_text = ""
        self.open: Commitment | None = None  # the item a continuation line would extend
        self.open_kind = ""  # "bullet" | "key" | "intro" | "para"
        self.stack: list[Commitment] = []
        self.top_count = 0
        self.kc_count: dict[int, int] = {}
        self.kc_heading_line: int | None = None

    def error(self, line: int, message: str) -> PlanError:
        return PlanError(f"{self.source}:{line}: {message}")

    # ---------------------------------------------------------------- main loop
    def parse(self) -> Plan:
        lines = self.text.splitlines()
        if not any(line.strip() for line in lines):
            raise self.error(1, "the plan document is empty")
        blank = False
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                blank = True
                continue
            line = strip_stray_question_mark(raw.rstrip())
            heading = _HEADING.match(line)
            bullet = _BULLET.match(line)
            if heading:
                self.on_heading(lineno, heading.group(2))
            elif bullet:
                self.on_bullet(lineno, _indent(bullet.group(1)), bullet.group(2))
            else:
                self.on_text(lineno, line.strip(), blank)
            blank = False
        self.finish(len(lines))
        return self.result()

    # ---------------------------------------------------------------- headings
    def on_heading(self, lineno: int, raw: str) -> None:
        text = clean_inline(raw)
        self.close_key_commitments(lineno)
        self.open, self.open_kind, self.stack = None, "", []
        if m := _OBJECTIVE.match(text):
            aim_no, obj_no, title = int(m.group(1)), int(m.group(2)), m.group(3)
            objective_id = f"{aim_no}.{obj_no}"
            if self.aim is None:
                raise self.error(
                    lineno,
                    f"objective {objective_id} is under no aim "
                    "(no aim heading such as '## 1. Healthy Children - ...' before it)",
                )
            if aim_no != self.aim.aim_id:
                raise self.error(
                    lineno,
                    f"objective {objective_id} is under aim {self.aim.aim_id} "
                    f"(line {self.aim.source_line}); its number says aim {aim_no}",
                )
            if any(o.objective_id == objective_id for o in self.objectives):
                raise self.error(lineno, f"objective {objective_id} appears twice")
            title = _TITLE_XREF.sub("", title).strip()
            self.objective = Objective(objective_id, aim_no, title, lineno)
            self.objectives.append(self.objective)
            self.state, self.lead, self.intro_missions, self.top_count = "objective", None, [], 0
            self.intro_leaders = []
            return
        if m := _AIM.match(text):
            aim_id = int(m.group(1))
            if any(a.aim_id == aim_id for a in self.aims):
                raise self.error(lineno, f"aim {aim_id} appears twice")
            self.aim = Aim(aim_id, m.group(2).strip(), m.group(3).strip(), lineno)
            self.aims.append(self.aim)
            self.objective, self.state, self.lead = None, "aim", None
            return
        if _KEY.match(text):
            if self.aim is None:
                raise self.error(lineno, "a key commitment heading is under no aim")
            self.objective, self.state, self.lead = None, "key", "mayor"
            self.kc_heading_line = lineno
            return
        if text.endswith(":") and self.state == "objective":
            self.on_intro(lineno, text)
            return
        if _AIM_LIKE.match(text):
            raise self.error(lineno, f"aim heading '{text}' has no ' - ' before its vision")
        if self.aim is None:
            return  # preamble: title, contents, introduction
        raise self.error(
            lineno,
            f"unrecognised heading '{text}' inside aim {self.aim.aim_id} "
            "(expected 'N. Aim - vision', 'N.M Objective' or 'Key commitment')",
        )

    def close_key_commitments(self, lineno: int) -> None:
        if (
            self.state == "key"
            and self.kc_heading_line is not None
            and self.aim is not None
            and not self.kc_count.get(self.aim.aim_id)
        ):
            raise self.error(
                self.kc_heading_line,
                f"the key commitment heading of aim {self.aim.aim_id} has no text under it",
            )
        if self.state == "key":
            self.kc_heading_line = None

    # ---------------------------------------------------------------- bullets
    def on_bullet(self, lineno: int, indent: int, raw: str) -> None:
        if self.state == "preamble":
            return
        if self.state != "objective" or self.objective is None or self.aim is None:
            where = (
                "a key commitment" if self.state == "key" else f"aim {self.aim.aim_id if self.aim else '?'}"
            )
            raise self.error(
                lineno,
                f"bullet outside any objective (under {where}); "
                "key commitments are paragraphs, actions are bullets under an objective",
            )
        while self.stack and self.stack[-1].indent >= indent:
            self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        if self.lead is None and parent is None:
            raise self.error(
                lineno,
                f"bullet in objective {self.objective.objective_id} has no introducing "
                "sentence (such as 'The Mayor will:') to say who leads it",
            )
        if parent is None:
            self.top_count += 1
            cid = f"A{self.objective.objective_id}.{self.top_count}"
            lead = self.lead
        else:
            parent.n_children += 1
            cid = f"{parent.commitment_id}.{_label(parent.depth + 1, parent.n_children)}"
            lead = parent.lead
        item = Commitment(
            commitment_id=cid,
            aim_id=self.aim.aim_id,
            objective_id=self.objective.objective_id,
            parent_id=parent.commitment_id if parent else None,
            kind="action",
            lead=lead or "joint",
            text="",
            source_line=lineno,
            raw_lines=[raw],
            intro_missions=list(self.intro_missions),
            intro_leaders=list(self.intro_leaders) if parent is None else list(parent.intro_leaders),
            indent=indent,
            depth=parent.depth + 1 if parent else 0,
        )
        self.commitments.append(item)
        self.stack.append(item)
        self.open, self.open_kind = item, "bullet"

    # ---------------------------------------------------------------- paragraphs
    def on_text(self, lineno: int, text: str, after_blank: bool) -> None:
        starts_lower = text[:1].islower()
        if (
            self.open is not None
            and self.open_kind in {"bullet", "key"}
            and (not after_blank or starts_lower)
        ):
            self.open.raw_lines.append(text)  # lazy continuation, or a page break inside the item
            return
        if self.open_kind == "intro" and not after_blank:
            self.intro_text += " " + text
            self.on_intro(lineno, self.intro_text, append=True)
            return
        if _link_only(text):
            return
        if self.state in {"preamble", "aim"}:
            self.open, self.open_kind, self.stack = None, "para", []
            return
        if self.state == "key":
            assert self.aim is not None
            n = self.kc_count.get(self.aim.aim_id, 0) + 1
            self.kc_count[self.aim.aim_id] = n
            item = Commitment(
                commitment_id=f"KC{self.aim.aim_id}.{n}",
                aim_id=self.aim.aim_id,
                objective_id=None,
                parent_id=None,
                kind="key_commitment",
                lead="mayor",
                text="",
                source_line=lineno,
                raw_lines=[text],
            )
            self.commitments.append(item)
            self.open, self.open_kind = item, "key"
            return
        self.on_intro(lineno, text)

    def on_intro(self, lineno: int, text: str, append: bool = False) -> None:
        lead = classify_lead(text)
        if lead is not None:
            self.lead = lead
        if not append:
            self.intro_text = text
        clean = clean_inline(self.intro_text)
        self.intro_missions = find_missions(clean)
        led_by = re.search(r"\bled by (.+?)(?:\s+(?:to|includes?|will)\b|:|$)", clean)
        self.intro_leaders = find_organisations(led_by.group(1)) if led_by else []
        self.open, self.open_kind, self.stack = None, "intro", []

    # ---------------------------------------------------------------- end
    def finish(self, last_line: int) -> None:
        self.close_key_commitments(last_line)
        if not self.aims:
            raise self.error(1, "no aims found (expected headings such as '## 1. Healthy Children - vision')")
        by_id = {c.commitment_id: c for c in self.commitments}
        for c in self.commitments:
            c.text = clean_inline(" ".join(c.raw_lines))
            if not c.text:
                raise self.error(c.source_line, f"{c.commitment_id} has no text")
            c.organisations = find_organisations(c.text)
            c.organisations += [o for o in c.intro_leaders if o not in c.organisations]
            missions = find_missions(c.text)
            if not missions and c.kind == "action":
                # a nested bullet is part of its parent's work; a top-level one, of its list's
                missions = by_id[c.parent_id].recovery_mission if c.parent_id else c.intro_missions
            c.recovery_mission = missions

    def result(self) -> Plan:
        targets: list[Target] = []
        for c in self.commitments:
            for n, spec in enumerate(extract_targets(c.text), start=1):
                targets.append(
                    Target(
                        f"{c.commitment_id}-T{n}",
                        c.commitment_id,
                        spec.metric,
                        spec.target_value,
                        spec.unit,
                        spec.target_year,
                        spec.direction,
                    )
                )
        # Key commitments first within each aim, then actions in document order.
        order = {c.commitment_id: i for i, c in enumerate(self.commitments)}
        commitments = sorted(
            self.commitments, key=lambda c: (c.aim_id, c.kind != "key_commitment", order[c.commitment_id])
        )
        corder = {c.commitment_id: i for i, c in enumerate(commitments)}
        targets.sort(key=lambda t: (corder[t.commitment_id], t.target_id))
        return Plan(self.aims, self.objectives, commitments, targets)


def parse(text: str, source: str = "<plan>") -> Plan:
    """Parse the plan's Markdown. ``source`` names the file in error messages."""
    return _Parser(text, source).parse()


def parse_file(path: Path) -> Plan:
    """Parse the plan document at ``path`` (errors name the file and line)."""
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"plan document not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path}: not UTF-8 text ({exc})") from exc
    return parse(text, str(path))
