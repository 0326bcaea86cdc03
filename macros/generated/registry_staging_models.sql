{#- generated from the source registry (ingest/registry/*.yml) by `his generate`: do not edit.
    registry_staging_models(): the indicator staging models of the registry's sources, in registry order;
    int_indicator_values_unioned unions them (macros/indicator_staging_models.sql). -#}
{% macro registry_staging_models() -%}
  {{ return([
    'stg_dft_cw0301_walking_cycling_by_la__indicator_values',
    'stg_dft_cw0302_cycling_by_la__indicator_values',
    'stg_fingertips_api__indicator_values',
    'stg_fingertips_life_expectancy__indicator_values',
    'stg_fingertips_lifestyle__indicator_values',
    'stg_fingertips_ncmp_obesity__indicator_values',
    'stg_fingertips_suicide_prevention_london_2019__indicator_values',
    'stg_fingertips_tobacco_profiles_london_2019__indicator_values',
    'stg_gla_his_indicators__indicator_values',
    'stg_gla_london_air_quality__indicator_values',
    'stg_mhclg_affordable_housing_supply_la__indicator_values',
    'stg_mhclg_net_additional_dwellings_la__indicator_values',
    'stg_ons_ashe_living_wage__indicator_values',
    'stg_ons_sdg_air_pollution_mortality__indicator_values'
  ]) }}
{%- endmacro %}
