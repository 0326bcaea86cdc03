{#-
  lake_source() on Spark (dispatched from macros/lake_source.sql): the dbt source itself, exactly as on
  DuckDB. The difference is only in how that name is backed: on DuckDB, dbt-duckdb reads the source's
  `meta.external_location`; on Spark, the on-run-start hook register_external_sources()
  (macros/portability/external_sources.sql) has registered `<source>.<table>` as an external Parquet
  table over that same lake file. So both engines read the same Parquet files through one macro.
-#}
{% macro spark__lake_source(source_name, table_name) -%}
  {{ return(source(source_name, table_name)) }}
{%- endmacro %}
