{#-
  Contract constraints on Spark.

  DuckDB enforces a contract's `not_null` (and `check`) constraints while it creates the table: a
  violating row fails the model. Spark's Parquet tables cannot carry constraints at all (only Delta
  Lake / Iceberg tables support ALTER COLUMN ... SET NOT NULL and CHECK), and dbt-spark skips them for
  any file_format but delta. So on Spark, for non-Delta tables, this override checks them right after
  the table is built, in one query: a violation drops the new table and fails the model with the
  column and the number of offending rows, as on DuckDB. Delta tables keep dbt-spark's own
  ALTER TABLE constraints. Other constraint types (unique, primary_key, foreign_key) are enforced by
  neither engine's dbt adapter in the same way; the models back keys with unique/relationships tests.
-#}
{% macro spark__persist_constraints(relation, model) %}
  {%- set contract_config = config.get('contract') -%}
  {%- if not contract_config.enforced -%}
    {{ return('') }}
  {%- endif -%}
  {%- if config.get('file_format', 'delta') == 'delta' -%}
    {% do alter_table_add_constraints(relation, model.constraints) %}
    {% do alter_column_set_constraints(relation, model.columns) %}
    {{ return('') }}
  {%- endif -%}

  {%- set checks = [] -%}
  {%- for column_name, column in model.columns.items() -%}
    {%- for constraint in column.get('constraints', []) -%}
      {%- set name = adapter.quote(column_name) if column.get('quote') else column_name -%}
      {%- if constraint.type == 'not_null' -%}
        {%- do checks.append((column_name ~ ' not_null', name ~ ' is null')) -%}
      {%- elif constraint.type == 'check' and constraint.expression -%}
        {%- do checks.append((column_name ~ ' check (' ~ constraint.expression ~ ')', 'not (' ~ constraint.expression ~ ')')) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for constraint in model.get('constraints', []) -%}
    {%- if constraint.type == 'check' and constraint.expression -%}
      {%- do checks.append(('check (' ~ constraint.expression ~ ')', 'not (' ~ constraint.expression ~ ')')) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not checks -%}
    {{ return('') }}
  {%- endif -%}

  {%- set sql -%}
    select
    {%- for label, violated in checks %}
      sum(case when {{ violated }} then 1 else 0 end) as v{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}
  {%- endset -%}
  {%- set row = run_query(sql).rows[0] -%}
  {%- set broken = [] -%}
  {%- for label, violated in checks -%}
    {%- if (row[loop.index0] or 0) > 0 -%}
      {%- do broken.append(label ~ ': ' ~ row[loop.index0] ~ ' row(s)') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if broken -%}
    {% do adapter.drop_relation(relation) %}
    {{ exceptions.raise_compiler_error('contract constraint violated in ' ~ relation ~ ' (table dropped): ' ~ (broken | join('; '))) }}
  {%- endif -%}
{% endmacro %}
