{{ config(tags=['indicator']) }}
-- Fraction of mortality attributable to particulate air pollution (PM2.5), UK SDG 3.9.1: every lake dataset of source ons_sdg_air_pollution_mortality, canonical columns with portable types.
{{ indicator_staging([
    lake_source('ons_sdg_air_pollution_mortality', 'pm25_mortality_fraction')
]) }}
