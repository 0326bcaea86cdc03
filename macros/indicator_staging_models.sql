{#-
  indicator_staging_models(): the staging models that int_indicator_values_unioned unions: the registry's
  indicator sources (registry_staging_models(), generated from ingest/registry by `his generate`), or the var
  `indicator_staging_models` when a run overrides it (the scale benchmark adds its synthetic model). The list
  must be known while parsing (dbt resolves ref() before its graph exists). At run time it is checked against
  the graph: every enabled staging model tagged 'indicator' must be listed and every listed model must carry
  the tag, so a source cannot be silently left out of fct_indicator_value.
-#}
{% macro indicator_staging_models() -%}
  {{ return(tagged_staging_models(
      var('indicator_staging_models', registry_staging_models()), 'indicator',
      'macros/generated/registry_staging_models.sql, or the var indicator_staging_models')) }}
{%- endmacro %}

{#- tagged_staging_models(listed, tag, where_listed): `listed` sorted, after checking it at run time against the graph:
    every enabled staging model tagged `tag` must be listed and every listed model must carry the tag (a compiler
    error names both sides and where the list comes from). Shared by the indicator and the returns unions. -#}
{% macro tagged_staging_models(listed, tag, where_listed) -%}
  {%- set listed = listed | sort -%}
  {%- if execute -%}
    {%- set tagged = [] -%}
    {%- for node in graph.nodes.values() -%}
      {%- if node.resource_type == 'model' and tag in node.tags and node.name.startswith('stg_') -%}
        {%- do tagged.append(node.name) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set missing = tagged | reject('in', listed) | list -%}
    {%- set untagged = listed | reject('in', tagged) | list -%}
    {%- if missing or untagged -%}
      {{ exceptions.raise_compiler_error(
          "the " ~ tag ~ " staging models listed (" ~ where_listed ~ ") are out of step with the staging models tagged '"
          ~ tag ~ "' (run `his generate`): "
          ~ ("not listed: " ~ (missing | join(', ')) ~ ". " if missing else "")
          ~ ("listed but not tagged '" ~ tag ~ "': " ~ (untagged | join(', ')) if untagged else "")) }}
    {%- endif -%}
  {%- endif -%}
  {{ return(listed) }}
{%- endmacro %}
