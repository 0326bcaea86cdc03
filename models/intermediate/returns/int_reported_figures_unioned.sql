-- Every programme returns table of the source registry (dataset kind `returns`: reported figures, not official
-- statistics), unioned: one row per reported figure, the returns columns (macros/returns_staging.sql). The models
-- come from reported_figures_models() (generated from the registry, checked against the 'returns' tag). Models
-- downstream read reported figures from here only.
{%- set models = reported_figures_models() %}
{%- if models %}
{%- for m in models %}
select * from {{ ref(m) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- else %}
-- no returns source in the registry: the columns, no rows
select
  {%- for name, type in returns_columns() %}
  cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
  {%- endfor %}
where 1 = 0
{%- endif %}
