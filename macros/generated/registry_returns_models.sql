{#- generated from the source registry (ingest/registry/*.yml) by `his generate`: do not edit.
    registry_returns_models(): the returns staging models of the registry's returns datasets, in registry
    order; int_reported_figures_unioned unions them (macros/returns_staging.sql). -#}
{% macro registry_returns_models() -%}
  {{ return([
    'stg_gla_programme_returns__programme_returns'
  ]) }}
{%- endmacro %}
