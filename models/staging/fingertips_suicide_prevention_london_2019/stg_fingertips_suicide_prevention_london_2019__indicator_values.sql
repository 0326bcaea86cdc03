-- generated from the source registry (ingest/registry/fingertips_suicide_prevention_london_2019.yml) by `his generate`: do not edit
-- Suicide Prevention Profile, London, 2019 (Fingertips export with CIs, counts and the publisher's comparisons): every indicator dataset of source fingertips_suicide_prevention_london_2019, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_suicide_prevention_london_2019', 'suicide_prevention_london_2019')
]) }}
