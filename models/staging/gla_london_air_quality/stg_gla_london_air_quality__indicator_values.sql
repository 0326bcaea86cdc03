{{ config(tags=['indicator']) }}
-- London average air quality levels (London Air Quality Network), London-wide monthly means: every lake dataset of source gla_london_air_quality, canonical columns with portable types.
{{ indicator_staging([
    lake_source('gla_london_air_quality', 'london_air_quality_monthly')
]) }}
