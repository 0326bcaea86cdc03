"""Reading the document's text: inline cleaning (links, tags, entities, stray question marks), the
organisations and missions an item names, and the lead (Mayor, partners, joint) its introducing sentence sets."""

from __future__ import annotations

import html
import re

from ingest.plan.words import MISSIONS, ORGANISATIONS, QUESTION_WORDS

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def strip_stray_question_mark(line: str) -> str:
    """Drop a ``?`` ending a line unless its last sentence is a real question."""
    m = re.search(r"\?(\*\*|__)?\s*$", line)
    if not m:
        return line
    body, closing = line[: m.start()], m.group(1) or ""
    last_sentence = re.split(r"(?<=[.!])\s+", body.strip().strip("*#- ").strip())[-1]
    first = re.sub(r"^[^A-Za-z]*", "", last_sentence).split(" ", 1)[0].lower()
    if first in QUESTION_WORDS and not body.endswith("."):
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
