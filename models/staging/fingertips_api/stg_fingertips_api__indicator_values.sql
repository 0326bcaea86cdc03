{{ config(tags=['indicator']) }}
-- OHID Fingertips API exports with confidence intervals, counts and denominators: every lake dataset of source fingertips_api, canonical columns with portable types.
{{ indicator_staging([
    lake_source('fingertips_api', 'excess_weight_reception'),
    lake_source('fingertips_api', 'excess_weight_year6'),
    lake_source('fingertips_api', 'pm25_population_weighted')
]) }}
