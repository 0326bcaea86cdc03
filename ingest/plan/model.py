"""The parsed plan's records (aims, objectives, commitments, targets), their seed columns and the parser's error."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.errors import HisError

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
