-- generated from the source registry (ingest/registry/ons_sdg_air_pollution_mortality.yml) by `his generate`: do not edit
-- Fraction of mortality attributable to particulate air pollution (PM2.5), UK SDG 3.9.1: every indicator dataset of source ons_sdg_air_pollution_mortality, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('ons_sdg_air_pollution_mortality', 'pm25_mortality_fraction')
]) }}
