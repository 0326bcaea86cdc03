{#-
  Seeds on Spark, made to load the same rows with the same types as on DuckDB.

  dbt-spark 1.11's own seed macros have two problems with `method: session` (the default local target):
  - the session cursor pastes bindings into the SQL as '<value>' without escaping, so any text with an
    apostrophe ("London's") breaks the INSERT, and an empty CSV cell becomes the string 'None';
  - an inferred whole-number column is created as bigint, where dbt-duckdb creates integer, so an
    enforced model contract over a seed column could hold on one engine and fail on the other.
  These overrides (found by dbt's dispatch before the adapter's own) write escaped literals and NULLs
  straight into the SQL (no bindings, so they work on every connection method: session, thrift, odbc)
  and infer whole numbers as int, like DuckDB. Explicit `column_types` in a seed's config still win.
-#}

{% macro his_spark_seed_type(agate_table, col_idx, col_name, column_override) -%}
  {%- if col_name in column_override -%}
    {{ return(column_override[col_name]) }}
  {%- endif -%}
  {%- set inferred = adapter.convert_type(agate_table, col_idx) -%}
  {{ return('int' if inferred == 'bigint' else inferred) }}
{%- endmacro %}

{% macro his_spark_literal(value) -%}
  {%- if value is none -%}
    null
  {%- else -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set type = his_spark_seed_type(agate_table, loop.index0, col_name, column_override) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
  {% endset %}

  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}

  {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set types = [] %}
  {% for col_name in agate_table.column_names %}
    {% do types.append(his_spark_seed_type(agate_table, loop.index0, col_name, column_override)) %}
  {% endfor %}

  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  cast({{ his_spark_literal(value) }} as {{ types[loop.index0] }})
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {% endset %}
      {% do adapter.add_query(sql, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}

  {# Return SQL so we can render it out into the compiled files #}
  {{ return(statements[0]) }}
{% endmacro %}
