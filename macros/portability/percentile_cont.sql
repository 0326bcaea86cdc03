{#- Continuous (interpolated) percentile of a column within a group, as an aggregate: DuckDB's quantile_cont,
    Spark's percentile (both interpolate linearly between the two nearest values). p is a literal in [0, 1]. -#}
{% macro percentile_cont(column, p) -%}
    {{ return(adapter.dispatch('percentile_cont', 'his')(column, p)) }}
{%- endmacro %}

{% macro default__percentile_cont(column, p) -%}
    quantile_cont({{ column }}, {{ p }})
{%- endmacro %}

{% macro spark__percentile_cont(column, p) -%}
    percentile({{ column }}, {{ p }})
{%- endmacro %}
