"""The parser over the real plan document, its provenance, and the committed seeds being in sync."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, settings
from ingest.plan import stage
from ingest.plan.parser import parse_file

DOC = PROJECT_ROOT / stage.DOCUMENT


@pytest.fixture(scope="module")
def plan():
    return parse_file(DOC)


@pytest.fixture(scope="module")
def items(plan):
    return {c.commitment_id: c for c in plan.commitments}


def targets_of(plan, commitment_id):
    return [
        (t.target_value, t.unit, t.target_year, t.direction)
        for t in plan.targets
        if t.commitment_id == commitment_id
    ]


def test_five_aims_and_twenty_four_objectives(plan):
    assert [(a.aim_id, a.aim_name) for a in plan.aims] == [
        (1, "Healthy Children"),
        (2, "Healthy Minds"),
        (3, "Healthy Places"),
        (4, "Healthy Communities"),
        (5, "Healthy Living"),
    ]
    assert plan.aims[0].aim_vision == "Every London Child has a healthy start in life"
    assert len(plan.objectives) == 24
    per_aim = {a.aim_id: [o.objective_id for o in plan.objectives if o.aim_id == a.aim_id] for a in plan.aims}
    assert per_aim == {
        1: ["1.1", "1.2", "1.3", "1.4"],
        2: ["2.1", "2.2", "2.3", "2.4", "2.5"],
        3: ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"],
        4: ["4.1", "4.2", "4.3", "4.4", "4.5"],
        5: ["5.1", "5.2", "5.3"],
    }


def test_headings_at_every_level_and_without_bold_are_objectives(plan):
    titles = {o.objective_id: o.title for o in plan.objectives}
    assert (
        titles["3.6"] == "Housing availability, quality and affordability improves"
    )  # "### 3.6 ..." no bold
    assert titles["4.4"].startswith("People and communities are supported")  # "####" level
    assert titles["2.3"].endswith("increasing city-wide")  # stray "?" dropped
    assert titles["3.5"] == "More working Londoners have health-promoting, well paid and secure jobs"


def test_key_commitments_of_aims_1_2_3_5_carry_their_numbers_and_years(plan, items):
    kcs = [c.commitment_id for c in plan.commitments if c.kind == "key_commitment"]
    assert kcs == ["KC1.1", "KC2.1", "KC3.1", "KC3.2", "KC4.1", "KC5.1"]
    assert targets_of(plan, "KC1.1") == [(50, "School Superzones", 2025, "at_least")]
    assert targets_of(plan, "KC2.1") == [(250_000, "wellbeing champions", 2025, "reach")]
    assert (10, "ug/m3", 2030, "at_most") in targets_of(plan, "KC3.1")
    assert targets_of(plan, "KC3.2") == [
        (1600, "employers", 2024, "reach"),
        (48_000, "people", 2024, "at_least"),
        (635_000_000, "GBP", 2024, "reach"),
    ]
    assert targets_of(plan, "KC5.1") == [(20, "minutes", 2041, "at_least")]
    assert "Living Wage City" in items["KC3.2"].text and "PM2.5" in items["KC3.1"].text


def test_aim_4_key_commitment_is_present_not_yet_agreed_and_has_no_target(plan, items):
    kc = items["KC4.1"]
    assert kc.kind == "key_commitment" and kc.objective_id is None
    assert "will be agreed after" in kc.text
    assert targets_of(plan, "KC4.1") == []


def test_living_wage_action_has_three_targets(plan, items):
    (living_wage,) = [c for c in plan.commitments if c.kind == "action" and "Living Wage City" in c.text]
    assert living_wage.objective_id == "3.5"
    assert [t for t in targets_of(plan, living_wage.commitment_id)] == targets_of(plan, "KC3.2")
    assert {"Living Wage Foundation", "London Citizens", "Trust for London"} <= set(living_wage.organisations)


def test_past_delivery_is_not_a_target(plan, items):
    (evaluated,) = [c for c in plan.commitments if "has delivered over 3,600" in c.text]
    assert targets_of(plan, evaluated.commitment_id) == []
    assert 3600 not in [t.target_value for t in plan.targets]


def test_the_issue_examples_are_all_found(plan):
    found = {(t.target_value, t.unit, t.target_year, t.direction) for t in plan.targets}
    assert {
        (80, "percent", 2025, "reduce_by"),  # HIV transmissions
        (0, "infections", 2025, "eliminate"),  # Hep C
        (4_000_000_000, "GBP", 2026, "reach"),
        (79_000, "homes", None, "reach"),
        (500, "young people", 2022, "reach"),
        (500_000, "Londoners", None, "reach"),
        (20, "percent", 2024, "reduce_by"),  # NHS fleet emissions by 2023/24
        (10, "food partnerships", None, "reach"),
    } <= found


def test_page_breaks_are_rejoined(plan, items):
    joined = [
        "will be accessed by 500 young people across London by 2022",
        "identify warning signs and feel comfortable",
        "air pollution and help Londoners reduce their exposure",
        "improve training and awareness of hate crime",
    ]
    for fragment in joined:
        assert any(fragment in c.text for c in plan.commitments), fragment
    # No commitment starts with a continuation fragment: the only lower-case starts are genuine bullets
    # (nested ones completing their parent's sentence, and the list under "Work led by TfL to:").
    lower = [c.commitment_id for c in plan.commitments if c.text[:1].islower()]
    assert lower == ["A1.4.1.a", "A1.4.1.b", "A1.4.1.c", "A1.4.1.d", "A4.1.7", "A4.1.8", "A4.1.9"]
    assert all(items[i].parent_id or "TfL" in items[i].organisations for i in lower)


def test_text_is_clean(plan):
    for c in plan.commitments:
        assert not re.search(r"\]\(|<[a-z/]|\*\*|\\\(|&amp;", c.text), c.commitment_id
        assert not c.text.endswith("?"), c.commitment_id
    assert any("NO2 by 2025" in c.text for c in plan.commitments)
    assert any("Food Roots Incubator programme offering" in c.text for c in plan.commitments)


def test_nesting_and_leads(plan, items):
    children = lambda pid: [c.commitment_id for c in plan.commitments if c.parent_id == pid]
    assert children("A1.3.1") == ["A1.3.1.a", "A1.3.1.b", "A1.3.1.c", "A1.3.1.d"]
    assert children("A1.4.1") == ["A1.4.1.a", "A1.4.1.b", "A1.4.1.c", "A1.4.1.d"]
    assert targets_of(plan, "A1.3.1.a") == [(50, "School Superzones", 2025, "at_least")]
    assert items["A1.1.1"].lead == "joint"  # The Mayor and London partners will work together
    assert items["A2.1.1"].lead == "mayor"  # The Mayor working with Thrive LDN ... will
    ohid = [c for c in plan.commitments if c.objective_id == "2.1" and "OHID" in c.organisations]
    assert [c.lead for c in ohid] == ["partners"]  # Other pan-London work led by partners
    other_action = [c for c in plan.commitments if "NHS Anchor Systems Network" in c.text]
    assert [c.lead for c in other_action] == ["partners"]  # "#### Other action:" heading
    in_addition = [c for c in plan.commitments if c.text.startswith("Review the Mayor's Air Quality Alerts")]
    assert [c.lead for c in in_addition] == ["mayor"]  # In addition, the Mayor will:
    assert {c.lead for c in plan.commitments if c.kind == "key_commitment"} == {"mayor"}


def test_organisations_and_missions_on_real_items(plan, items):
    assert items["A1.1.3"].organisations == ["VRU"]
    assert "Healthy Place, Healthy Weight" in items["A1.3.1.a"].recovery_mission  # from its parent
    green = [c for c in plan.commitments if c.objective_id == "3.1" and c.parent_id is None][:6]
    assert all(c.recovery_mission == ["Green New Deal"] for c in green)  # from the list's intro
    assert all("TfL" in items[f"A4.1.{n}"].organisations for n in (7, 8, 9))  # "Work led by TfL to:"


def test_source_lines_point_at_the_items(plan):
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for c in plan.commitments:
        first_words = " ".join(c.text.split()[:3])
        assert first_words.split()[0].strip("'\"") in lines[c.source_line - 1], c.commitment_id


def test_document_is_the_verbatim_copy_named_in_provenance():
    data = DOC.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    provenance = (DOC.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert digest in provenance, "the plan document changed: update PROVENANCE.md deliberately"
    assert "Open Government Licence v3.0" in provenance and "Greater London Authority" in provenance
    shared = PROJECT_ROOT.parent / "shared" / "sources" / "plan" / DOC.name
    if shared.exists():  # the shared sources sit beside the worktree in this project's layout
        assert shared.read_bytes() == data


def test_committed_seeds_match_what_the_parser_produces_now():
    """Fails when seeds/plan/*.csv were edited by hand or the parser changed without `his plan`."""
    cfg = settings()
    _, files = stage.build(cfg)
    stale = []
    for name, data in files.items():
        path = stage.seeds_dir(cfg) / name
        if not path.is_file() or path.read_bytes() != data:
            stale.append(name)
    assert not stale, f"seeds out of date with the parser: {stale}; run `his plan` and commit the seeds"


def test_counts_summary(plan):
    summary = stage.summary(plan)
    assert summary.startswith("5 aims, 24 objectives, ")
    assert f"{len(plan.targets)} targets" in summary
    assert "6 key commitments" in summary


def test_seed_csvs_have_exactly_the_issue_columns():
    cfg = settings()
    header = {
        p.name: p.read_text(encoding="utf-8").splitlines()[0]
        for p in Path(stage.seeds_dir(cfg)).glob("*.csv")
    }
    assert header == {
        "plan_aims.csv": "aim_id,aim_name,aim_vision",
        "plan_objectives.csv": "objective_id,aim_id,title",
        "plan_commitments.csv": (
            "commitment_id,aim_id,objective_id,parent_id,kind,lead,organisations,"
            "recovery_mission,text,source_line"
        ),
        "plan_targets.csv": "target_id,commitment_id,metric,target_value,unit,target_year,direction",
    }
