-- IoD2025: for the IMD and each domain, the rank of average score and the rank of average rank run 1..N over
-- the N districts with no gaps or ties (rank 1 = most deprived), and all 33 London boroughs are present.
{%- set indices = ['imd', 'income', 'employment', 'education', 'health', 'crime', 'barriers',
                   'living_environment', 'idaci', 'idaopi'] %}
{%- set rank_columns = [] %}
{%- for index in indices %}
{%- for measure in ['rank_of_average_score', 'rank_of_average_rank'] %}
{%- do rank_columns.append(index ~ '_' ~ measure) %}
{%- endfor %}
{%- endfor %}
with districts as (
    select * from {{ ref('stg_mhclg_imd2025__lad_summaries') }}
),

checks as (
    {%- for column in rank_columns %}
    select
        '{{ column }}' as rank_column,
        count(*) as n_districts,
        min({{ column }}) as min_rank,
        max({{ column }}) as max_rank,
        count(distinct {{ column }}) as n_distinct
    from districts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select rank_column, n_districts, min_rank, max_rank, n_distinct
from checks
where min_rank <> 1 or max_rank <> n_districts or n_distinct <> n_districts
union all
select 'london boroughs present' as rank_column, count(*), null, null, null
from districts
where area_code like 'E09%'
having count(*) <> 33
