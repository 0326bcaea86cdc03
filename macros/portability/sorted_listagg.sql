{#- sorted_listagg(expr, delimiter): the non-null values of a group joined by a delimiter, sorted by the values
    themselves, so both engines give the same text (Spark's collect_list has no order; dbt's listagg cannot order
    on Spark). -#}
{% macro sorted_listagg(expr, delimiter) -%}
  {{ return(adapter.dispatch('sorted_listagg', 'his')(expr, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_listagg(expr, delimiter) -%}
  string_agg({{ expr }}, {{ delimiter }} order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_listagg(expr, delimiter) -%}
  array_join(array_sort(collect_list({{ expr }})), {{ delimiter }})
{%- endmacro %}
