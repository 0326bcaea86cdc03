"""Run the real command line (``pipeline.cli.main``) in this process, optionally wired for SYNTHETIC data.

``python -m benchmarks.stagerun [--synthetic] -- <his arguments>`` is what the benchmark spawns for each
measured step, so every step is the project's own CLI in a fresh interpreter.

With ``--synthetic`` the synthetic source (:mod:`benchmarks.synthetic`) is added to the build through
the seams the stages already have, for this process only (nothing on disk changes, a real build never
sees it):

- source registry, as the quality gate reads it (``pipeline.quality.stage.load_registry``, the function the
  gate's own tests replace): the registry plus one ``synthetic_benchmark`` source whose indicator dataset
  ``synthetic_indicator_values`` carries the catalogue's indicator ids;
- area types: the synthetic data covers all of England, so besides borough/region/country its rows for
  local authorities outside London have ``area_type = local_authority`` and the gate accepts that type;
- dbt (``pipeline.warehouse.invoke``): ``dbt build`` gets ``--vars`` enabling the synthetic staging model
  (``models/staging/synthetic_benchmark/``, disabled unless var ``synthetic_benchmark`` is true) and
  adding it to ``indicator_staging_models``. Its rows for areas outside the warehouse's geography stay in the
  lake, as a real national source's would (``fct_indicator_value`` keeps the areas of ``dim_area``), so every
  dbt test runs, the fact's relationships to ``dim_area`` included.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from benchmarks import synthetic


def _staging_models() -> list[str]:
    """The registry's indicator staging models (what macros/generated/registry_staging_models.sql lists)."""
    from ingest.sources.registry import load_registry
    from pipeline.codegen import indicator_sources, staging_model_name

    return [staging_model_name(s) for s in indicator_sources(load_registry())]


def dbt_build_args() -> list[str]:
    """Extra ``dbt build`` arguments that bring the synthetic staging model into the build."""
    dbt_vars = {"synthetic_benchmark": True,
                "indicator_staging_models": [*_staging_models(), synthetic.STAGING_MODEL]}
    return ["--vars", json.dumps(dbt_vars)]


def _synthetic_registry(registry: Any) -> Any:
    """The real registry plus the synthetic source (same classes, so the gate treats it like any other)."""
    from ingest.config import PROJECT_ROOT
    from ingest.sources import registry as reg

    catalogue = synthetic.catalogue_indicators(PROJECT_ROOT)
    dataset = reg.Dataset(
        id=synthetic.DATASET_ID, source_id=synthetic.SOURCE_ID, kind="indicator", file_ids=[],
        area_level="borough", key_columns=list(reg.INDICATOR_KEY),
        indicator_specs=[reg.Indicator(id=i.id, options={}) for i in catalogue], options={},
        description="SYNTHETIC benchmark rows (benchmarks/synthetic.py); never part of a real build")
    source = reg.Source(
        id=synthetic.SOURCE_ID, title="SYNTHETIC benchmark data", publisher="benchmarks/synthetic.py (not real data)",
        licence="n/a (synthetic)", homepage="", required=False, format="synthetic", options={}, files=[],
        datasets=[dataset])
    return dataclasses.replace(registry, sources=[*registry.sources, source])


def wire_synthetic() -> None:
    """Install the synthetic source's wiring (see the module docstring) in this process."""
    try:
        from pipeline.quality import stage as gate
        from pipeline.quality import suites
    except ImportError:
        gate = suites = None  # no quality gate on this branch yet
    if gate is not None:
        real_load = gate.load_registry
        gate.load_registry = lambda: _synthetic_registry(real_load())
        if "local_authority" not in suites.AREA_TYPES:
            suites.AREA_TYPES = [*suites.AREA_TYPES, "local_authority"]

    from pipeline import warehouse as dbt_runner

    real_invoke = dbt_runner.invoke

    def invoke(cfg: Any, args: list[str], warehouse: Any = None, **kwargs: Any) -> Any:
        if args and args[0] == "build":
            args = [*args, *dbt_build_args()]
        return real_invoke(cfg, args, warehouse=warehouse, **kwargs)

    dbt_runner.invoke = invoke


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    use_synthetic = False
    while argv and argv[0] != "--":
        flag = argv.pop(0)
        if flag == "--synthetic":
            use_synthetic = True
        else:
            raise SystemExit(f"benchmarks.stagerun: unknown option {flag}")
    if argv and argv[0] == "--":
        argv.pop(0)
    if use_synthetic:
        wire_synthetic()
    from pipeline.cli import main as his_main

    return his_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
