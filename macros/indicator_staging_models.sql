{#-
  indicator_staging_models(): the staging models that int_indicator_values_unioned unions, from the
  project var `indicator_staging_models` (dbt_project.yml). The list must be a var because dbt resolves
  ref() while parsing, before its graph exists. At run time the list is checked against the graph: every
  staging model tagged 'indicator' must be listed and every listed model must carry the tag, so a new
  source cannot be silently left out of fct_indicator_value.
-#}
{% macro indicator_staging_models() -%}
  {%- set listed = var('indicator_staging_models', []) | sort -%}
  {%- if execute -%}
    {%- set tagged = [] -%}
    {%- for node in graph.nodes.values() -%}
      {%- if node.resource_type == 'model' and 'indicator' in node.tags and node.name.startswith('stg_') -%}
        {%- do tagged.append(node.name) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set missing = tagged | reject('in', listed) | list -%}
    {%- set untagged = listed | reject('in', tagged) | list -%}
    {%- if missing or untagged -%}
      {{ exceptions.raise_compiler_error(
          "var indicator_staging_models (dbt_project.yml) is out of step with the staging models tagged 'indicator': "
          ~ ("not listed: " ~ (missing | join(', ')) ~ ". " if missing else "")
          ~ ("listed but not tagged 'indicator': " ~ (untagged | join(', ')) if untagged else "")) }}
    {%- endif -%}
  {%- endif -%}
  {{ return(listed) }}
{%- endmacro %}
