{{ config(tags=['indicator'], enabled=var('synthetic_benchmark', false)) }}
-- SYNTHETIC benchmark rows (benchmarks/synthetic.py), canonical columns with portable types, exactly like
-- every real indicator source. Enabled only by the benchmark (dbt var synthetic_benchmark).
{{ indicator_staging([
    lake_source('synthetic_benchmark', 'synthetic_indicator_values')
]) }}
