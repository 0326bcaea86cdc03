{{ config(materialized='view') }}
-- Every indicator staging model of the source registry (indicator_staging_models(), checked against the 'indicator' tag)
-- unioned into the one canonical long table. All share the canonical columns in the same order and types.
-- A view, not a table: fct_indicator_value is the one materialised copy of these rows (at 10M rows a table here
-- was a second full copy; docs/performance.md), and its tests (keys, relationships) cover these rows.
{%- for m in indicator_staging_models() %}
select * from {{ ref(m) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
-- indicator series taken from reported figures (programme returns) through the curated seed reported_measure_indicator
union all
select * from {{ ref('int_reported_indicator_values') }}
