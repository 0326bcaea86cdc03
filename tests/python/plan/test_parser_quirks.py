"""One test per quirk of the plan document, against small hand-written excerpts in its style.

The excerpts are hand-written for these tests (not copied from the plan); their wording imitates the
document so each quirk the parser must survive is isolated.
"""

from __future__ import annotations

import textwrap

import pytest

from ingest.plan.parser import (
    classify_lead,
    clean_inline,
    find_missions,
    find_organisations,
    parse,
    strip_stray_question_mark,
)

AIM = "## **1. Healthy Children - Every London Child has a healthy start in life**\n\n"


def doc(body: str, aim: str = AIM) -> str:
    return "# Plan\n\n" + aim + textwrap.dedent(body).lstrip("\n")


def by_id(plan):
    return {c.commitment_id: c for c in plan.commitments}


def test_heading_levels_vary_and_bold_markers_are_optional():
    text = textwrap.dedent("""\
        # Title

        ## **1. Healthy Children - Every London Child has a healthy start in life**

        #### **1.1 Parents are supported**

        The Mayor will:

        - Do one thing.

        ### 2. Healthy Minds - All Londoners share in a city with good mental health

        ## 2.1 Mental health becomes everybody's business

        The Mayor will:

        - Do another thing.

        ### 2.2 Housing availability, quality and affordability improves

        The Mayor will:

        - Build.
        """)
    plan = parse(text)
    assert [(a.aim_id, a.aim_name, a.aim_vision) for a in plan.aims] == [
        (1, "Healthy Children", "Every London Child has a healthy start in life"),
        (2, "Healthy Minds", "All Londoners share in a city with good mental health"),
    ]
    assert [(o.objective_id, o.aim_id, o.title) for o in plan.objectives] == [
        ("1.1", 1, "Parents are supported"),
        ("2.1", 2, "Mental health becomes everybody's business"),
        ("2.2", 2, "Housing availability, quality and affordability improves"),
    ]
    assert [c.commitment_id for c in plan.commitments] == ["A1.1.1", "A2.1.1", "A2.2.1"]


def test_nested_bullets_get_parent_ids_and_letters_and_top_level_resumes_after_them():
    plan = parse(
        doc("""
        ### **1.3 Healthy weight**

        The Mayor and London partners will work together to:

        - Deliver the mission including:
          - Delivering school zones.
          - Continue water only schools.

        - Further, share learning from advertising restrictions.
        """)
    )
    rows = [(c.commitment_id, c.parent_id, c.kind, c.lead) for c in plan.commitments]
    assert rows == [
        ("A1.3.1", None, "action", "joint"),
        ("A1.3.1.a", "A1.3.1", "action", "joint"),
        ("A1.3.1.b", "A1.3.1", "action", "joint"),
        ("A1.3.2", None, "action", "joint"),
    ]


def test_a_lower_case_line_after_a_page_break_continues_the_bullet_above():
    plan = parse(
        doc("""
        ### **1.1 Objective**

        The Mayor will work with Thrive LDN and other partners to:

        - Support the campaign by endorsing a new target of 500,000 Londoners taking the training to identify warning

        signs and feel comfortable having conversations about suicide.
        - Next bullet.

        Other pan-London work led by partners includes:

        - The NHS will improve
        training and awareness.
        """)
    )
    items = by_id(plan)
    first = items["A1.1.1"]
    assert first.text.endswith(
        "identify warning signs and feel comfortable having conversations about suicide."
    )
    assert first.source_line == 9  # where the bullet starts, not the continuation
    assert items["A1.1.2"].text == "Next bullet."
    assert items["A1.1.3"].text == "The NHS will improve training and awareness."  # lazy continuation
    assert items["A1.1.3"].lead == "partners"  # the capitalised paragraph was an intro, not a continuation
    assert len(plan.commitments) == 3


def test_a_page_break_inside_a_key_commitment_is_rejoined_too():
    plan = parse(
        doc("""
        ### **Key commitment**

        By 2025 London will have a quarter of a million wellbeing

        champions, supporting Londoners where they live.
        """)
    )
    (kc,) = plan.commitments
    assert (
        kc.text
        == "By 2025 London will have a quarter of a million wellbeing champions, supporting Londoners where they live."
    )
    assert [(t.target_value, t.unit, t.target_year) for t in plan.targets] == [
        (250000, "wellbeing champions", 2025)
    ]


def test_links_html_tags_entities_and_escapes_are_removed_from_text():
    plan = parse(
        doc(r"""
        ### **1.1 More working Londoners have well paid jobs \(See also Key Commitment above\)**

        The Mayor will:

        - Support food partnerships through the [Food Roots Incubator programme](#) and [Good Work Standard](https://example.org/gws).
        - Expand the ULEZ to meet legal limits for NO<sub>2</sub> by 2025 &amp; more.
        """)
    )
    items = by_id(plan)
    assert items["A1.1.1"].text == (
        "Support food partnerships through the Food Roots Incubator programme and Good Work Standard."
    )
    assert items["A1.1.2"].text == "Expand the ULEZ to meet legal limits for NO2 by 2025 & more."
    assert plan.objectives[0].title == "More working Londoners have well paid jobs"


def test_stray_question_marks_at_line_ends_are_dropped_but_real_questions_kept():
    plan = parse(
        doc("""
        ## **1.3 Awareness about mental health increasing city-wide?**

        The Mayor will:

        - Ensure Londoners in fuel poverty can access fairer energy tariffs.?
        - continue to ensure taxis are as safe as possible on London's transport network?
        """)
    )
    assert plan.objectives[0].title == "Awareness about mental health increasing city-wide"
    texts = [c.text for c in plan.commitments]
    assert texts == [
        "Ensure Londoners in fuel poverty can access fairer energy tariffs.",
        "continue to ensure taxis are as safe as possible on London's transport network",
    ]
    assert strip_stray_question_mark("What will the Mayor do?") == "What will the Mayor do?"


def test_lead_follows_the_sentence_that_introduces_each_list():
    plan = parse(
        doc("""
        ### **1.1 Objective**

        The Mayor will work with partners to:

        - Mayor bullet.

        In addition, the Mayor and London partners will work together to:

        - Joint bullet.

        Reduce the risks of flooding in London by:

        - Inherited bullet.

        Other pan-London work led by partners includes:

        - Partner bullet.

        Other partnership action:

        - Another partner bullet.

        ### **1.2 Second objective**

        The Mayor, working through MOPAC and with OHID will:

        - Mayor bullet two.

        Work led by TfL to:

        - improve accessibility of public transport.

        #### Other action:

        - Boroughs act.

        In addition, the Mayor will:

        - Mayor again.
        """)
    )
    leads = {c.commitment_id: c.lead for c in plan.commitments}
    assert leads == {
        "A1.1.1": "mayor",
        "A1.1.2": "joint",
        "A1.1.3": "joint",
        "A1.1.4": "partners",
        "A1.1.5": "partners",
        "A1.2.1": "mayor",
        "A1.2.2": "partners",
        "A1.2.3": "partners",
        "A1.2.4": "mayor",
    }
    assert by_id(plan)["A1.2.2"].organisations == ["TfL"]  # "Work led by TfL" names the leader


@pytest.mark.parametrize(
    ("intro", "lead"),
    [
        ("The Mayor and London partners will work together to:", "joint"),
        ("The Mayor and MOPAC working with MPS will:", "joint"),
        ("The Mayor will work with communities and partners. Together they will:", "joint"),
        ("The Mayor working with Thrive LDN and other partners will:", "mayor"),
        ("As part of the Joint Working Group, the Mayor will:", "mayor"),
        ("The Mayor will continue to work with partners. He will continue to:", "mayor"),
        ("Other pan-London work led by partners includes:", "partners"),
        ("Through the London Health and Care Vision:", "partners"),
        ("Minimise the risk of overheating in London by:", None),
    ],
)
def test_classify_lead(intro, lead):
    assert classify_lead(intro) == lead


def test_key_commitments_heading_singular_or_plural_each_paragraph_is_one():
    text = textwrap.dedent("""\
        ## **3. Healthy Places - All Londoners benefit from a healthy environment**

        This aim intersects with the Green New Deal mission.

        #### **Key commitments**

        London will meet the WHO's interim target for PM2.5 (10ug/m3) by 2030 (see 3.1).

        The Mayor will lead the campaign to make London a Living Wage City, targeting accreditation of an additional 1,600 employers, lifting at least 48,000 people onto the real Living Wage and putting £635m in Londoners' pay packets by 2024 (see 3.5).

        ### **4. Healthy Communities - London's communities are thriving**

        ### **Key commitment**

        This commitment will be agreed after the sub-group reports in early 2022 (see 4.2).

        ### **4.1 There are more opportunities**

        The Mayor will:

        - Act.
        """)
    plan = parse(text)
    kcs = [c for c in plan.commitments if c.kind == "key_commitment"]
    assert [(c.commitment_id, c.aim_id, c.objective_id, c.lead) for c in kcs] == [
        ("KC3.1", 3, None, "mayor"),
        ("KC3.2", 3, None, "mayor"),
        ("KC4.1", 4, None, "mayor"),
    ]
    targets = {t.target_id: (t.target_value, t.unit, t.target_year, t.direction) for t in plan.targets}
    assert targets == {
        "KC3.1-T1": (10, "ug/m3", 2030, "at_most"),
        "KC3.2-T1": (1600, "employers", 2024, "reach"),
        "KC3.2-T2": (48000, "people", 2024, "at_least"),
        "KC3.2-T3": (635_000_000, "GBP", 2024, "reach"),
    }
    assert not [t for t in plan.targets if t.commitment_id == "KC4.1"]
    # The aim's description paragraph is neither a commitment nor an intro.
    assert all("intersects" not in c.text for c in plan.commitments)


def test_actions_are_numbered_across_every_list_of_an_objective():
    plan = parse(
        doc("""
        ### **1.2 Objective**

        The Mayor will:

        - One.
        - Two.

        Other pan-London work led by partners includes:

        - Three.
        """)
    )
    assert [c.commitment_id for c in plan.commitments] == ["A1.2.1", "A1.2.2", "A1.2.3"]


def test_organisations_are_found_through_aliases_in_order_of_mention():
    text = (
        "London's Violence Reduction Unit (VRU) will work with Transport for London, local authorities, "
        "the London Fire Brigade, Integrated Care Systems (ICSs), Healthy London Partnership and the NHS."
    )
    assert find_organisations(text) == ["VRU", "TfL", "boroughs", "LFB", "ICSs", "HLP", "NHS"]
    assert find_organisations("London Councils' Environment Directors Network (LEDNet)") == [
        "London Councils",
        "LEDNet",
    ]
    assert (
        find_organisations("the London Borough of Culture programme") == []
    )  # a programme, not the boroughs
    assert find_organisations("Continue to lobby government to devolve the power") == ["UK Government"]
    assert "UK Government" not in find_organisations("London's local government review")


def test_recovery_missions_from_text_else_intro_else_parent():
    plan = parse(
        doc("""
        ### **1.1 Objective**

        The Mayor, working with partners through the Green New Deal mission will:

        - Expand the zone.
        - Deliver the Robust Safety Net Mission including:
          - local welfare provision.

        The Mayor and London Recovery Board partners will:

        - Deliver the Good Work mission that will support Londoners into good jobs.
        - Establish skills academies.
        """)
    )
    missions = {c.commitment_id: c.recovery_mission for c in plan.commitments}
    assert missions == {
        "A1.1.1": ["Green New Deal"],
        "A1.1.2": ["Robust Safety Net"],
        "A1.1.2.a": ["Robust Safety Net"],
        "A1.1.3": ["Good Work for All"],
        "A1.1.4": [],
    }
    assert find_missions(
        "the Healthy Food and Healthy Weight, Mental Health and Wellbeing and Building "
        "Stronger Communities missions"
    ) == ["Healthy Place, Healthy Weight", "Mental Health and Wellbeing", "Building Stronger Communities"]


def test_navigation_links_and_preamble_are_ignored():
    text = textwrap.dedent("""\
        # Plan

        ### Contents

        #### [Introduction](#)

        [Healthy Children - Every London Child has a healthy start in life](#)

        ## **Introduction**

        This document provides a summary.

        ## **1. Healthy Children - Every London Child has a healthy start in life**

        ### **1.1 Objective**

        The Mayor will:

        - Act.

        [Back to table of contents](#)
        """)
    plan = parse(text)
    assert len(plan.aims) == 1 and [c.text for c in plan.commitments] == ["Act."]


def test_clean_inline_straightens_quotes_and_collapses_space():
    assert (
        clean_inline("the Mayor\u2019s  **Warmer Homes** [Advice](#)\u00a0Service")
        == "the Mayor's Warmer Homes Advice Service"
    )
