-- generated from the source registry (ingest/registry/fingertips_life_expectancy.yml) by `his generate`: do not edit
-- Life expectancy, healthy life expectancy and the slope index of inequality in life expectancy at birth: every indicator dataset of source fingertips_life_expectancy, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_life_expectancy', 'life_expectancy'),
    lake_source('fingertips_life_expectancy', 'healthy_life_expectancy'),
    lake_source('fingertips_life_expectancy', 'sii_life_expectancy')
]) }}
