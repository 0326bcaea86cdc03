{#-
  External sources (files) on every engine.

  Sources whose yml `meta` has an `external_location` (the lake's Parquet files, the quality results,
  the pipeline's CSV records) are read in place:
  - duckdb: dbt-duckdb reads `external_location` itself whenever source() is rendered; nothing to do.
  - spark: Spark SQL has no such hook, so on-run-start (dbt_project.yml) registers each such source
    as an external table at the very name source() renders (`<source schema>.<identifier>`), over the
    same file: `create table ... using parquet|csv location '<path>'`. source() and lake_source() then
    resolve on Spark to the same files as on DuckDB, and unit tests can still mock source() inputs.

  Only the sources the selected nodes read are (re)registered, each drop + create so a changed file
  (new columns after an ingest) is seen. A missing file fails the run here with Spark's
  "Unable to infer schema" / "Path does not exist" naming the path (on DuckDB the model reading it
  fails instead). On a cluster the path must be one the cluster can read (HIS_DATA_DIR on shared
  storage: hdfs://, s3a://, abfss:// or a shared mount).

  Placeholders in external_location: {name}, {identifier}, {schema} (as dbt-duckdb). Format: meta
  `format` when given, else the file's extension (parquet, csv, json). CSV is read with a header and
  Spark's type inference, which can differ from DuckDB's sniffer: models over a CSV source must cast
  every column explicitly (dbt.safe_cast / cast) so both engines agree.
-#}

{% macro register_external_sources() -%}
  {{ return(adapter.dispatch('register_external_sources', 'his')()) }}
{%- endmacro %}

{% macro default__register_external_sources() -%}
  {{ return('') }}
{%- endmacro %}

{% macro his_external_location(node) -%}
  {%- set meta = node.meta or {} -%}
  {%- set source_meta = node.source_meta or {} -%}
  {%- set location = meta.get('external_location') or source_meta.get('external_location') -%}
  {%- if not location -%}{{ return(none) }}{%- endif -%}
  {{ return(location
      | replace('{name}', node.name)
      | replace('{identifier}', node.identifier)
      | replace('{schema}', node.schema)) }}
{%- endmacro %}

{% macro his_external_format(node, location) -%}
  {%- set meta = node.meta or {} -%}
  {%- set source_meta = node.source_meta or {} -%}
  {%- set fmt = meta.get('format') or source_meta.get('format') -%}
  {%- if not fmt -%}
    {%- set fmt = location.split('?')[0].split('.')[-1] | lower -%}
  {%- endif -%}
  {%- if fmt not in ('parquet', 'csv', 'json') or '(' in location -%}
    {{ exceptions.raise_compiler_error(
        "source " ~ node.source_name ~ "." ~ node.name ~ ": external_location '" ~ location
        ~ "' is not a plain parquet/csv/json file path, which is all the Spark target can register") }}
  {%- endif -%}
  {{ return(fmt) }}
{%- endmacro %}

{% macro his_sources_to_register() -%}
  {#- Source ids the selected nodes depend on (all external sources when nothing narrows the run). -#}
  {%- set wanted = [] -%}
  {%- set selected = selected_resources if selected_resources is defined else none -%}
  {%- for uid, node in graph.nodes.items() -%}
    {%- if selected is none or uid in selected -%}
      {%- for dep in node.depends_on.nodes -%}
        {%- if dep.startswith('source.') and dep not in wanted -%}{%- do wanted.append(dep) -%}{%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for uid in graph.sources -%}
    {%- if selected is not none and uid in selected and uid not in wanted -%}{%- do wanted.append(uid) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(wanted) }}
{%- endmacro %}

{% macro spark__register_external_sources() -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set schemas = [] -%}
  {%- set cwd = [] -%}
  {%- for uid in his_sources_to_register() -%}
    {%- set node = graph.sources[uid] -%}
    {%- set location = his_external_location(node) -%}
    {%- if location and not (location.startswith('/') or ':' in location.split('/')[0]) -%}
      {#- A relative path (plain `dbt build` from the project root, HIS_DATA_DIR unset): resolve it against the
          working directory, as DuckDB does. Spark would resolve a table location against the database's own
          directory under spark.sql.warehouse.dir instead. -#}
      {%- if not cwd -%}
        {%- do cwd.append(run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')").columns[0].values()[0]) -%}
      {%- endif -%}
      {%- set location = cwd[0] ~ '/' ~ location -%}
    {%- endif -%}
    {%- if location -%}
      {%- set fmt = his_external_format(node, location) -%}
      {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) -%}
      {%- if node.schema not in schemas -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(node.schema)) -%}
        {%- do schemas.append(node.schema) -%}
      {%- endif -%}
      {%- set path = location | replace("\\", "\\\\") | replace("'", "\\'") -%}
      {%- set existing = adapter.get_relation(database=none, schema=node.schema, identifier=node.identifier) -%}
      {%- if existing is not none -%}{%- do adapter.drop_relation(existing) -%}{%- endif -%}
      {%- if fmt == 'csv' -%}
        {#- CSV needs reader options (header, inferSchema), which only a table definition carries. -#}
        {%- do run_query('create table ' ~ relation ~ " using csv options (header 'true', inferSchema 'true')"
                         ~ " location '" ~ path ~ "'") -%}
      {%- else -%}
        {#- A view over the file: a table whose location is a file, not a directory, makes the Hive
            metastore log a long stack trace before Spark falls back to its own table format. -#}
        {%- do run_query('create view ' ~ relation ~ ' as select * from ' ~ fmt ~ '.`' ~ location ~ '`') -%}
      {%- endif -%}
      {{ log('registered ' ~ relation ~ ' over ' ~ location, info=false) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return('') }}
{%- endmacro %}
