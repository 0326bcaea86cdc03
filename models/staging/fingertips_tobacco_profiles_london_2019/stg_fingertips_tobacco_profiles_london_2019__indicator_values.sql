{{ config(tags=['indicator']) }}
-- Local Tobacco Control Profiles, London, 2019 (Fingertips export, full layout): every lake dataset of source fingertips_tobacco_profiles_london_2019, canonical columns with portable types.
{{ indicator_staging([
    lake_source('fingertips_tobacco_profiles_london_2019', 'tobacco_profiles_london_2019')
]) }}
