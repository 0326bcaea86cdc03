"""The generic indicator tests (tests/dbt/generic/) fail on a broken lake file, each on its own defect."""

from __future__ import annotations

import polars as pl
import pytest

from ingest import dbt_runner
from ingest.config import settings
from ingest.sources import stage


def _failed_tests(result) -> dict[str, int]:
    return {r.node.name: r.failures for r in result.result if str(r.status) == "fail"}


@pytest.mark.slow
def test_generic_tests_catch_area_range_ci_and_duplicate_defects(tmp_path, mirror_dir):
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    stage.run(cfg, {"source": ["fingertips_lifestyle"]})
    model = "stg_fingertips_lifestyle__indicator_values"
    ok = dbt_runner.invoke(cfg, ["build", "--select", f"indicator_catalogue {model}", "--indirect-selection", "cautious"], warehouse=cfg.warehouse)
    assert ok.success and not _failed_tests(ok)

    path = cfg.lake_dir / "fingertips_lifestyle" / "adult_smoking.parquet"
    df = pl.read_parquet(path).with_row_index("i")
    broken = df.with_columns(
        pl.when(pl.col("i") == 0).then(pl.lit("W06000001")).otherwise(pl.col("area_code")).alias("area_code"),
        pl.when(pl.col("i") == 1).then(pl.lit(150.0)).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("i") == 2).then(pl.col("value") + 1).otherwise(pl.col("lower_ci")).alias("lower_ci"),
    ).drop("i")
    pl.concat([broken, broken.slice(5, 1)]).write_parquet(path)

    bad = dbt_runner.invoke(cfg, ["test", "--select", model], warehouse=cfg.warehouse)
    failed = _failed_tests(bad)
    assert failed == {
        f"area_code_in_known_set_{model}_": 1,
        f"value_in_catalogue_range_{model}_": 1,
        f"ci_brackets_value_{model}_": 1,
        f"unique_combination_{model}_indicator_id__area_code__period_label__sex__age__category_type__category": 1,
    }
