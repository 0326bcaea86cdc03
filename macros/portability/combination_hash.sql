{#- combination_hash(columns): one 64-bit hash of several columns (a null hashes as a fixed value), for the
    two-stage unique_combination test (tests/dbt/generic/indicator_tests.sql). DuckDB's hash() is variadic;
    Spark's xxhash64() is too. A collision only costs the exact second stage some rows, never a false result. -#}
{% macro combination_hash(columns) -%}
  {{ return(adapter.dispatch('combination_hash')(columns)) }}
{%- endmacro %}

{% macro default__combination_hash(columns) -%}
  xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro duckdb__combination_hash(columns) -%}
  hash({{ columns | join(', ') }})
{%- endmacro %}
