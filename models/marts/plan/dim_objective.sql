-- One row per objective, with its aim's name, its position within the aim and its action/target counts.
with objectives as (
    select objective_id, aim_id, title
    from {{ ref('plan_objectives') }}
),

action_counts as (
    select
        objective_id,
        count(*) as action_count,
        sum(case when parent_id is null then 1 else 0 end) as top_level_action_count
    from {{ ref('plan_commitments') }}
    where kind = 'action'
    group by objective_id
),

target_counts as (
    select c.objective_id, count(*) as target_count
    from {{ ref('plan_targets') }} as t
    inner join {{ ref('plan_commitments') }} as c on c.commitment_id = t.commitment_id
    where c.objective_id is not null
    group by c.objective_id
)

select
    o.objective_id,
    o.aim_id,
    a.aim_name,
    cast({{ dbt.split_part('o.objective_id', "'.'", 2) }} as {{ dbt.type_int() }}) as objective_number,
    o.title,
    cast(coalesce(ac.action_count, 0) as {{ dbt.type_int() }}) as action_count,
    cast(coalesce(ac.top_level_action_count, 0) as {{ dbt.type_int() }}) as top_level_action_count,
    cast(coalesce(tc.target_count, 0) as {{ dbt.type_int() }}) as target_count
from objectives as o
inner join {{ ref('plan_aims') }} as a on a.aim_id = o.aim_id
left join action_counts as ac on ac.objective_id = o.objective_id
left join target_counts as tc on tc.objective_id = o.objective_id
