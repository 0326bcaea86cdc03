"""Block structure: headings, bullets and paragraphs of the Markdown document read into aims, objectives,
key commitments and nested actions (the rules are in :mod:`ingest.plan.parser`'s docstring)."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.plan.model import Aim, Commitment, Objective, Plan, PlanError, Target
from ingest.plan.targets import extract_targets
from ingest.plan.text import (
    _link_only,
    classify_lead,
    clean_inline,
    find_missions,
    find_organisations,
    strip_stray_question_mark,
)

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
