-- generated from the source registry (ingest/registry/fingertips_tobacco_profiles_london_2019.yml) by `his generate`: do not edit
-- Local Tobacco Control Profiles, London, 2019 (Fingertips export with CIs, counts and the publisher's comparisons): every indicator dataset of source fingertips_tobacco_profiles_london_2019, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_tobacco_profiles_london_2019', 'tobacco_profiles_london_2019')
]) }}
