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

from ingest.plan.model import (  # noqa: F401  # noqa: F401
    AIM_COLUMNS,
    COMMITMENT_COLUMNS,
    DIRECTIONS,
    KINDS,
    LEADS,
    OBJECTIVE_COLUMNS,
    TARGET_COLUMNS,
    Aim,
    Commitment,
    Objective,
    Plan,
    PlanError,
    Target,
)
from ingest.plan.structure import _Parser, parse, parse_file  # noqa: F401
from ingest.plan.targets import TargetSpec, extract_targets, split_sentences  # noqa: F401
from ingest.plan.text import (  # noqa: F401
    classify_lead,
    clean_inline,
    find_missions,
    find_organisations,
    strip_stray_question_mark,
)

# The parser is split by concern: words (alias tables, word classes), model (records and seed columns), text
# (inline cleaning, organisations, missions, lead), targets (target extraction), structure (blocks -> plan).
# This module keeps the rules above and the public names, so callers import from one place.
from ingest.plan.words import MISSIONS, ORGANISATIONS  # noqa: F401
