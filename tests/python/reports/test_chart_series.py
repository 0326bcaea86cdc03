"""The time-series helpers every trend chart uses (reports/components/chartSeries.js), run in node on hand-written
fixture series: a line is broken at a missing period (London's Year 6 obesity has no 2020/21 value: the academic
years 2019/20 and 2021/22 must not be joined), a regular every-other-year series is not broken, and the value axis
starts at zero unless the data sit far from it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[3] / "reports" / "components" / "chartSeries.js"


def _ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def _academic(start_year: int) -> dict:
    """One fixture point: an academic year (1 September to 31 August), at its mid-point."""
    start, end = date(start_year, 9, 1), date(start_year + 1, 8, 31)
    return {"label": f"{start_year}/{str(start_year + 1)[2:]}", "start": _ms(start), "end": _ms(end),
            "x": start_year + 0.67 + 0.5, "y": 20.0 + start_year % 5}


def _run(expression: str, arg) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run scripts/setup.sh (it installs the reports' toolchain)")
    script = (f"import * as m from {json.dumps(MODULE.as_uri())};"
              f"const arg = JSON.parse(process.argv[1]); console.log(JSON.stringify({expression}));")
    out = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(arg)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_missing_period_breaks_the_line():
    # 2017/18, 2018/19, 2019/20, [2020/21 missing], 2021/22, 2022/23
    series = [_academic(y) for y in (2017, 2018, 2019, 2021, 2022)]
    result = _run("m.breakAtMissingPeriods(arg)", series)
    ys = [p["y"] for p in result["points"]]
    assert ys.count(None) == 1 and ys.index(None) == 3, ys  # a null between 2019/20 and 2021/22
    assert result["breaks"] == [{"after": "2019/20", "before": "2021/22"}]


def test_consecutive_and_every_other_year_series_are_not_broken():
    every_year = [_academic(y) for y in (2017, 2018, 2019, 2020, 2021)]
    every_other = [_academic(y) for y in (2013, 2015, 2017, 2019)]
    assert _run("m.breakAtMissingPeriods(arg).breaks", every_year) == []
    assert _run("m.breakAtMissingPeriods(arg).breaks", every_other) == []
    # undated points fall back to the mid-points: a two-year hole in a yearly series breaks it
    undated = [{"x": x + 0.5, "y": 1.0, "label": str(x), "start": None, "end": None} for x in (2015, 2016, 2017, 2020, 2021)]
    assert _run("m.breakAtMissingPeriods(arg).breaks", undated) == [{"after": "2017", "before": "2020"}]


def test_axis_starts_at_zero_unless_the_data_sit_far_from_it():
    assert _run("m.axisStart(arg)", [2.0, 5.0, 9.0]) == 0          # spread 7 > lowest 2: zero
    assert _run("m.axisStart(arg)", [19.6, 21.0, 23.4]) == 19      # far from zero: a round number below
    assert _run("m.axisStart(arg)", [-1.0, 3.0]) is None            # both signs: the chart fits them
