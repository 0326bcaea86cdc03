"""Benchmarks of the build: ``python -m benchmarks [all|mirror|scale]``.

- :mod:`benchmarks.mirror`: each build stage, a cold build and an unchanged rebuild on the real mirror;
- :mod:`benchmarks.scale`: SYNTHETIC national data (:mod:`benchmarks.synthetic`) at growing sizes through
  lake -> gate -> dbt, against the pandas and polars baselines (:mod:`benchmarks.baseline`,
  :mod:`benchmarks.baseline_polars`), with the equal-work line per size (:mod:`benchmarks.equal_work`: the four
  dbt models that do the baselines' work against polars, once both produced the same rows);
- :mod:`benchmarks.harness`: wall time and peak memory of one step run in a child process;
- :mod:`benchmarks.stagerun`: the real CLI in a child process, with the synthetic source wired in on demand.

Synthetic data is used by the benchmarks only; it never reaches a real build (docs/performance.md).
"""
