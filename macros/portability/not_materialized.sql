{#-
  not_materialized(): the hint that keeps a common table expression inline, written as `name as {{ not_materialized() }} (`.
  DuckDB materialises a CTE that a query reads more than once: for a CTE that only selects or joins rows of a
  table, that writes every row (all columns) to memory a second time before the query can start, which at
  national scale cost fct_borough_indicator most of its time (70 s -> 25 s at 100M rows without it) and ran it
  out of memory. Inline, each reference just scans the table again. Spark SQL has no such hint and inlines CTEs.
-#}
{% macro not_materialized() -%}
  {{ return(adapter.dispatch('not_materialized', 'his')()) }}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}not materialized{%- endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}
