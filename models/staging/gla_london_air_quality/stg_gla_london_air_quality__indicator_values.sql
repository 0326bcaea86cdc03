-- generated from the source registry (ingest/registry/gla_london_air_quality.yml) by `his generate`: do not edit
-- London average air quality levels (London Air Quality Network), London-wide monthly means: every indicator dataset of source gla_london_air_quality, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('gla_london_air_quality', 'london_air_quality_monthly')
]) }}
