-- Every indicator staging model (var indicator_staging_models, checked against the 'indicator' tag)
-- unioned into the one canonical long table. All share the canonical columns in the same order and types.
{%- for m in indicator_staging_models() %}
select * from {{ ref(m) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
