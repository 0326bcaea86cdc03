{#- ordered_sum(expr) / ordered_avg(expr): sum and mean of a floating-point expression whose last bit does not
    depend on the order rows reach the aggregate. Floating-point addition is not associative, and DuckDB's
    parallel hash aggregation adds a group's rows in whatever order its threads deliver them, so two builds of
    the same inputs could differ in the last bit (seen in fct_inequality_gap). The DuckDB version sums the
    values sorted by value (a total order: ties are equal values), one after the other; nulls are skipped and
    an all-null or empty group gives null, as sum() does. Other adapters use plain sum() (Spark's own order is
    not pinned here; the determinism test builds on DuckDB). -#}
{% macro ordered_sum(expr) -%}
  {{ return(adapter.dispatch('ordered_sum')(expr)) }}
{%- endmacro %}

{% macro default__ordered_sum(expr) -%}
  sum({{ expr }})
{%- endmacro %}

{% macro duckdb__ordered_sum(expr) -%}
  list_sum(list({{ expr }} order by {{ expr }}))
{%- endmacro %}

{% macro ordered_avg(expr) -%}
  ({{ ordered_sum(expr) }} / nullif(count({{ expr }}), 0))
{%- endmacro %}

