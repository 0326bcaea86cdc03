-- generated from the source registry (ingest/registry/fingertips_lifestyle.yml) by `his generate`: do not edit
-- Smoking prevalence and physical activity (Fingertips extracts): every indicator dataset of source fingertips_lifestyle, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_lifestyle', 'adult_smoking'),
    lake_source('fingertips_lifestyle', 'active_adults'),
    lake_source('fingertips_lifestyle', 'inactive_adults'),
    lake_source('fingertips_lifestyle', 'active_children')
]) }}
