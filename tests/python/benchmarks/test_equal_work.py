"""The equal-work line of the scale benchmark (benchmarks/equal_work.py) on a hand-made run_results.json.

The run_results.json files here are FIXTURES written by hand in dbt's format (only the fields the benchmark reads);
the numbers are invented for the test and are not measurements.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import equal_work


def _results(tmp_path: Path, nodes: list[tuple[str, str, float]]) -> Path:
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"},
        "results": [{"unique_id": uid, "status": status, "execution_time": secs, "timing": [], "thread_id": "T-1"}
                    for uid, status, secs in nodes],
        "elapsed_time": 99.0,
    }))
    return path


FIXTURE_NODES = [
    ("model.his.fct_indicator_value", "success", 1.5),
    ("model.his.int_indicator_values_enriched", "success", 3.25),
    ("model.his.fct_borough_indicator", "success", 2.75),
    ("model.his.fct_inequality_gap", "success", 1.0),
    # not part of the equal work: another model, and a test whose name contains a model's name
    ("model.his.int_indicator_trends_fitted", "success", 7.0),
    ("test.his.unique_fct_inequality_gap_inequality_key.abc123", "pass", 5.0),
    ("seed.his.indicator_catalogue", "success", 0.1),
]


def test_line_sums_the_four_models_by_name_and_reads_back(tmp_path: Path) -> None:
    secs = equal_work.model_seconds(_results(tmp_path, FIXTURE_NODES))
    assert secs == {"fct_indicator_value": 1.5, "int_indicator_values_enriched": 3.25,
                    "fct_borough_indicator": 2.75, "fct_inequality_gap": 1.0}
    polars_out = "conform_enrich_s=1.20 compare_s=0.50 gap_s=0.30 write_s=0.10 total_s=2.50 rows_in=10"
    polars = equal_work.polars_seconds(["noise", polars_out])
    assert polars == 2.5
    text = equal_work.line("10M", sum(secs.values()), polars)
    assert text == "equal-work ratio at 10M: dbt models 8.50 s, polars 2.50 s, 3.40x"
    m = equal_work.LINE_RE.match(text)
    assert m and m["size"] == "10M" and float(m["dbt"]) == 8.5 and float(m["polars"]) == 2.5
    assert float(m["ratio"]) == 3.4


def test_line_says_not_measured_when_rows_differ_or_a_figure_is_missing() -> None:
    why = equal_work.differences_note({"enriched": (10, 0, 0), "gap": (5, 2, 1)})
    assert why == "rows differ: gap: 2 rows only in dbt, 1 only in polars"
    assert equal_work.differences_note({"enriched": (10, 0, 0)}) == ""
    for text in (equal_work.line("1M", 8.5, 2.5, why), equal_work.line("1M", None, 2.5),
                 equal_work.line("1M", 8.5, None)):
        assert text.startswith("equal-work ratio at 1M: not measured (")
        assert equal_work.LINE_RE.match(text) is None


@pytest.mark.parametrize(("nodes", "message"), [
    ([n for n in FIXTURE_NODES if n[0] != "model.his.fct_inequality_gap"], "model fct_inequality_gap is not in"),
    ([*FIXTURE_NODES[:3], ("model.his.fct_inequality_gap", "error", 0.2)], "has status 'error'"),
    ([*FIXTURE_NODES, ("model.other_pkg.fct_borough_indicator", "success", 1.0)], "appears 2 times"),
])
def test_a_missing_failed_or_ambiguous_model_is_named(tmp_path: Path, nodes: list, message: str) -> None:
    path = _results(tmp_path, nodes)
    with pytest.raises(equal_work.EqualWorkError, match=message) as exc:
        equal_work.model_seconds(path)
    assert str(path) in str(exc.value)


def test_not_a_run_results_file(tmp_path: Path) -> None:
    bad = tmp_path / "run_results.json"
    bad.write_text("[1, 2]")
    with pytest.raises(equal_work.EqualWorkError, match="no 'results' list"):
        equal_work.model_seconds(bad)
    with pytest.raises(equal_work.EqualWorkError, match="cannot read"):
        equal_work.model_seconds(tmp_path / "missing.json")
    with pytest.raises(equal_work.EqualWorkError, match="no total_s"):
        equal_work.polars_seconds(["conform_enrich_s=1.0"])
