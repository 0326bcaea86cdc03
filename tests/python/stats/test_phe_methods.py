"""The stats macros, compiled and run by real dbt, reproduce PHEindicatormethods' expected results
(../shared/data/phe_methods_testdata, read at test time): Wilson and Byar's intervals, proportions, and the
slope index of inequality (point estimates tightly, simulation-based CIs loosely)."""

from __future__ import annotations

import math

import pytest

from .conftest import dbt_show

pytestmark = pytest.mark.slow

TIGHT = 1e-9  # relative tolerance for closed-form results


def close(a, b, rel=TIGHT, abs_=1e-12) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_wilson_and_byars_cases(phe_warehouse):
    cfg, wh, tables = phe_warehouse
    sql = """
    select row_no, x, n, confidence, method,
        case when confidence = '95%' then {{ wilson_lower('x', 'n') }}
             else {{ wilson_lower('x', 'n', confidence=0.998) }} end as wilson_lower,
        case when confidence = '95%' then {{ wilson_upper('x', 'n') }}
             else {{ wilson_upper('x', 'n', confidence=0.998) }} end as wilson_upper,
        case when confidence = '95%' then {{ byars_lower('x') }} else {{ byars_lower('x', 0.998) }} end as byars_lower,
        case when confidence = '95%' then {{ byars_upper('x') }} else {{ byars_upper('x', 0.998) }} end as byars_upper
    from phe_byars_wilson order by row_no
    """
    got = {r["row_no"]: r for r in dbt_show(cfg, wh, sql)}
    expected = tables["phe_byars_wilson"]
    assert len(got) == len(expected) == 13
    diffs = []
    for i, exp in enumerate(expected):
        row = got[i]
        kind = "wilson" if exp["method"] == "Wilson" else "byars"
        for bound, col in (("lower", "lowercl"), ("upper", "uppercl")):
            mine, theirs = row[f"{kind}_{bound}"], exp[col]
            assert close(mine, theirs), f"{exp} {bound}: macro {mine} != PHE {theirs}"
            if theirs is not None:
                diffs.append(abs(mine - theirs))
    # Every expected bound is reproduced; the blank one (x = 1 at 99.8%) is null too.
    assert len(diffs) == 25 and max(diffs) < 1e-9
    print(f"Wilson/Byar: {len(diffs)} bounds, max abs diff {max(diffs):.3g}")


@pytest.mark.parametrize("table", ["phe_prop", "phe_prop_g"])
def test_proportions_with_wilson_intervals(phe_warehouse, table):
    cfg, wh, tables = phe_warehouse
    if table == "phe_prop":
        cols = """
        {{ wilson_lower('Numerator', 'Denominator', 'multiplier') }} as lower95,
        {{ wilson_upper('Numerator', 'Denominator', 'multiplier') }} as upper95,
        {{ wilson_lower('Numerator', 'Denominator', 'multiplier', 0.998) }} as lower998,
        {{ wilson_upper('Numerator', 'Denominator', 'multiplier', 0.998) }} as upper998"""
        pairs = {"lower95": "lower95_0cl", "upper95": "upper95_0cl", "lower998": "lower99_8cl", "upper998": "upper99_8cl"}
    else:
        cols = """
        {{ wilson_lower('Numerator', 'Denominator', 'multiplier') }} as lower95,
        {{ wilson_upper('Numerator', 'Denominator', 'multiplier') }} as upper95"""
        pairs = {"lower95": "lowercl", "upper95": "uppercl"}
    sql = f"""
    select row_no, {{{{ proportion_value('Numerator', 'Denominator', 'multiplier') }}}} as value, {cols}
    from {table} order by row_no"""
    got = dbt_show(cfg, wh, sql)
    expected = tables[table]
    assert len(got) == len(expected)
    compared = 0
    for row, exp in zip(got, expected):
        assert close(row["value"], exp["value"]), (exp, row)
        for mine, theirs in pairs.items():
            assert close(row[mine], exp[theirs]), f"{exp['Area']} {theirs}: macro {row[mine]} != PHE {exp[theirs]}"
            compared += exp[theirs] is not None
    # the rows with a missing numerator or denominator give nulls, like PHE's NA
    assert compared == (64 if table == "phe_prop" else 16)
    print(f"{table}: {compared} bounds reproduced")


# Scenarios our SII covers: untransformed values, population weights, CIs from each unit's standard error.
# (Log/logit transforms and the RII are PHE options we do not implement.)
SII_SCENARIOS = [
    "default (e.g. life expectancy) - default parameters",
    "default - testing quintiles",
    "default (e.g. life expectancy) - intercept",
    "rate (e.g. infant mortality) - default parameters",
    "rate (e.g. infant mortality) - intercept",
    "proportion (e.g. child obesity) - default parameters",
    "proportion (e.g. child obesity) - intercept",
]


def test_slope_index_of_inequality(phe_warehouse):
    cfg, wh, tables = phe_warehouse
    names = ", ".join("'" + s.replace("'", "''") + "'" for s in SII_SCENARIOS)
    # The fixture's Quantile 1 is the most deprived; each unit's SE comes from its 95% CI.
    sql = f"""
    with units as (
        select TestDescription as scenario, Area as area, Quantile as quantile, Population as population,
            Value as value, (UpperCL - LowerCL) / (2 * {{{{ z_value(0.95) }}}}) as se
        from phe_sii where TestDescription in ({names})
    ),
    sii as ({{{{ slope_index_of_inequality('units', ['scenario', 'area'], 'quantile', 'value', 'population', 'se') }}}})
    select * from sii order by scenario, area"""
    got = {(r["scenario"], r["area"]): r for r in dbt_show(cfg, wh, sql)}
    expected = {}
    for r in tables["phe_sii"]:
        if r["TestDescription"] in SII_SCENARIOS and r["sii"] is not None:
            expected[(r["TestDescription"], r["Area"])] = r
    assert set(got) == set(expected) and len(expected) == 14
    point_diffs, ci_rel = [], []
    for key, exp in expected.items():
        row = got[key]
        assert row["sii_ci_method"] == "sampling_se"
        assert close(row["sii"], exp["sii"], rel=1e-9), (key, row["sii"], exp["sii"])
        point_diffs.append(abs(row["sii"] - exp["sii"]))
        if exp["Intercept"] is not None:
            assert close(row["sii_intercept"], exp["Intercept"], rel=1e-9), (key, row["sii_intercept"], exp["Intercept"])
        if exp["sii_lowercl_1"] is not None:
            width = exp["sii_uppercl_1"] - exp["sii_lowercl_1"]
            for mine, theirs in ((row["sii_lower_ci"], exp["sii_lowercl_1"]), (row["sii_upper_ci"], exp["sii_uppercl_1"])):
                # PHE's CIs are simulated (100,000 draws): compare loosely, as a share of the CI width.
                ci_rel.append(abs(mine - theirs) / width)
    assert max(point_diffs) < 1e-9
    print(f"SII: {len(point_diffs)} point estimates, max abs diff {max(point_diffs):.3g}; "
          f"{len(ci_rel)} CI bounds within {max(ci_rel):.2%} of the CI width of PHE's simulation")
    n_int = sum(1 for e in expected.values() if e['Intercept'] is not None)
    assert n_int == 6
    assert ci_rel and max(ci_rel) < 0.03, f"SII CI bounds differ from PHE's simulation by up to {max(ci_rel):.3%} of the width"
