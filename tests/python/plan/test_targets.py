"""Target extraction: numbers, number words and multipliers, directions, deadlines, and non-targets.

Sentences are hand-written in the plan's style for these tests.
"""

from __future__ import annotations

import pytest

from ingest.plan.parser import extract_targets


def one(text):
    targets = extract_targets(text)
    assert len(targets) == 1, targets
    t = targets[0]
    return t.target_value, t.unit, t.target_year, t.direction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Initial ambition of up to 50 School Superzones supported by 2025 with potential to go further.",
            (50, "School Superzones", 2025, "at_least"),
        ),
        (
            "By 2025 London will have a quarter of a million wellbeing champions, supporting Londoners.",
            (250_000, "wellbeing champions", 2025, "reach"),
        ),
        (
            "Reach half a million Londoners through the campaign by 2023.",
            (500_000, "Londoners", 2023, "reach"),
        ),
        (
            "Meeting the WHO's interim target for PM2.5 (10ug/m3) by 2030 (see 3.1).",
            (10, "ug/m3", 2030, "at_most"),
        ),
        (
            # a concentration "up to" a level is still a ceiling, unlike "up to 50 School Superzones"
            "Keep PM2.5 up to 10ug/m3 by 2030.",
            (10, "ug/m3", 2030, "at_most"),
        ),
        (
            "By 2041 all Londoners will do at least the twenty minutes of active travel each day.",
            (20, "minutes", 2041, "at_least"),
        ),
        (
            "Support the 2030 HIV goals (80% reduction in new HIV transmissions by 2025).",
            (80, "percent", 2025, "reduce_by"),
        ),
        (
            "The NHS will also cut fleet air pollutant emissions by 20% by 2023/24.",
            (20, "percent", 2024, "reduce_by"),
        ),
        (
            "Set out a target of ending all new Hep C infections in London by 2025 working with the NHS.",
            (0, "infections", 2025, "eliminate"),
        ),
        (
            "Deliver £4 billion Affordable Homes Programme for 2021-2026.",
            (4_000_000_000, "GBP", 2026, "reach"),
        ),
        (
            "Provide £43.5 million funding for specialist housing in 2021-22.",
            (43_500_000, "GBP", 2022, "reach"),
        ),
        ("Put £2bn into retrofit by 2030.", (2_000_000_000, "GBP", 2030, "reach")),
        (
            "79,000 new homes from 2021 onwards across the 2021-2026 and 2016-23 AHPs.",
            (79_000, "homes", None, "reach"),
        ),
        ("Over 50% of funding for homes set at social rent levels.", (50, "percent", None, "at_least")),
        (
            "Therapy will be accessed by 500 young people across London by 2022.",
            (500, "young people", 2022, "reach"),
        ),
        (
            "Offer small grants to 10 new and existing strategic food partnerships to support them.",
            (10, "food partnerships", None, "reach"),
        ),
        (
            "Invest in business support for up to 2,500 nurseries and childminders through the Hub.",
            (2500, "nurseries and childminders", None, "at_least"),
        ),
        ("London will be a net zero carbon city by 2030.", (0, "emissions", 2030, "eliminate")),
        (
            "Ensure a zero-emission bus fleet in London is achieved by 2034, three years earlier than planned.",
            (0, "emissions", 2034, "eliminate"),
        ),
        (
            "Ensure that Londoners live no more than a 10-minute walk from green space by 2050.",
            (10, "minutes", 2050, "at_most"),
        ),
        ("London's tree canopy cover will increase by 10 per cent by 2050.", (10, "percent", 2050, "reach")),
    ],
)
def test_quantified_or_dated_targets(text, expected):
    assert one(text) == expected


def test_living_wage_sentence_gives_three_targets_sharing_the_deadline():
    text = (
        "The Mayor will lead the campaign to make London a Living Wage City, targeting accreditation of an "
        "additional 1,600 employers, lifting at least 48,000 people onto the real Living Wage and putting "
        "£635m in Londoners' pay packets by 2024 (see 3.5)."
    )
    got = [(t.metric, t.target_value, t.unit, t.target_year, t.direction) for t in extract_targets(text)]
    assert got == [
        ("accreditation of additional employers", 1600, "employers", 2024, "reach"),
        ("lifting people onto the real Living Wage", 48000, "people", 2024, "at_least"),
        ("money in Londoners' pay packets", 635_000_000, "GBP", 2024, "reach"),
    ]


def test_metrics_are_short_phrases_for_what_is_counted():
    metric = lambda text: [t.metric for t in extract_targets(text)]
    assert metric(
        "Provide £100,000 funding for the Right to Thrive Innovation Fund, supporting projects."
    ) == ["funding for the Right to Thrive Innovation Fund"]
    assert metric("Meeting the WHO's interim target for PM2.5 (10ug/m3) by 2030.") == ["PM2.5 concentration"]
    assert metric("Support the goals (80% reduction in new HIV transmissions by 2025).") == [
        "new HIV transmissions"
    ]
    assert metric("ensure that at least 80 per cent of rough sleepers exit rough sleeping.") == [
        "rough sleepers exit rough sleeping"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Evaluate the programme, funded by the Mayor. This has delivered over 3,600 training sessions for staff.",
        "The expansion will start with supporting Superzones established in the 13 pilot boroughs.",
        "Support partners to maximise their share of government's £80m funding for those released from prison.",
        "As Chair of the C40 Cities network representing nearly 100 cities from around the world.",
        "Work through the Mayor's new duties under Part 4 of the Domestic Abuse Act 2021.",
        "Expand the ULEZ on 25 October 2021 to ensure London meets legal limits for NO<sub>2</sub>.",
        "It requires employers to provide at least four weeks' notice of shifts and 16 hours a week.",
        "Deliver the London Economic Framework's five pillars for action.",
        "Protect the most vulnerable from COVID-19 through the London Plan 2021.",
        "Produce a report since the 'Every Child a Healthy Weight - Ten Ambitions for London' was published in 2019.",
        "This commitment will be agreed after the sub-group report in early 2022 (see 4.2).",
        "Mind in London will continue working across their 18 local branches.",
        "Support boroughs to implement local zero emission zones in town centres from 2020.",
        "The NHS aims to be the world's first 'net zero' national health service.",
        "By 2024 young Londoners most in need will have access to a personal mentor.",
    ],
)
def test_not_targets(text):
    assert extract_targets(text) == []


def test_a_past_report_beside_a_forward_target_keeps_only_the_target():
    text = (
        "The programme has delivered over 3,600 training sessions. "
        "It will reach 500 young people across London by 2022."
    )
    assert [(t.target_value, t.target_year) for t in extract_targets(text)] == [(500, 2022)]
