{#-
  lake_source(source_name, table_name): the relation of one lake dataset (data/lake/<source>/<dataset>.parquet).
  Staging models call this instead of source() or read_parquet(), so the lake resolves on every engine:
  - duckdb: the dbt source, whose meta.external_location points dbt-duckdb at the Parquet file;
  - default (and later spark__): source() as well, until the Spark target registers the files itself.
-#}
{% macro lake_source(source_name, table_name) -%}
  {{ return(adapter.dispatch('lake_source', 'his')(source_name, table_name)) }}
{%- endmacro %}

{% macro duckdb__lake_source(source_name, table_name) -%}
  {{ return(source(source_name, table_name)) }}
{%- endmacro %}

{% macro default__lake_source(source_name, table_name) -%}
  {{ return(source(source_name, table_name)) }}
{%- endmacro %}
