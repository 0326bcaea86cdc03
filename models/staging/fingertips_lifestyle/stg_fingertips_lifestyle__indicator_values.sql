{{ config(tags=['indicator']) }}
-- Smoking prevalence and physical activity (Fingertips extracts): every lake dataset of source fingertips_lifestyle, canonical columns with portable types.
{{ indicator_staging([
    lake_source('fingertips_lifestyle', 'adult_smoking'),
    lake_source('fingertips_lifestyle', 'active_adults'),
    lake_source('fingertips_lifestyle', 'inactive_adults'),
    lake_source('fingertips_lifestyle', 'active_children')
]) }}
