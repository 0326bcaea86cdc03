-- generated from the source registry (ingest/registry/fingertips_api.yml) by `his generate`: do not edit
-- OHID Fingertips API exports with confidence intervals, counts and denominators: every indicator dataset of source fingertips_api, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_api', 'excess_weight_reception'),
    lake_source('fingertips_api', 'excess_weight_year6'),
    lake_source('fingertips_api', 'pm25_population_weighted')
]) }}
