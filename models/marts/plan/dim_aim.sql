-- One row per aim of the plan, with how many objectives, actions, key commitments and targets it has.
with aims as (
    select aim_id, aim_name, aim_vision
    from {{ ref('plan_aims') }}
),

objective_counts as (
    select aim_id, count(*) as objective_count
    from {{ ref('plan_objectives') }}
    group by aim_id
),

commitment_counts as (
    select
        aim_id,
        sum(case when kind = 'action' then 1 else 0 end) as action_count,
        sum(case when kind = 'key_commitment' then 1 else 0 end) as key_commitment_count
    from {{ ref('plan_commitments') }}
    group by aim_id
),

target_counts as (
    select c.aim_id, count(*) as target_count
    from {{ ref('plan_targets') }} as t
    inner join {{ ref('plan_commitments') }} as c on c.commitment_id = t.commitment_id
    group by c.aim_id
)

select
    a.aim_id,
    a.aim_name,
    a.aim_vision,
    cast(coalesce(o.objective_count, 0) as {{ dbt.type_int() }}) as objective_count,
    cast(coalesce(c.action_count, 0) as {{ dbt.type_int() }}) as action_count,
    cast(coalesce(c.key_commitment_count, 0) as {{ dbt.type_int() }}) as key_commitment_count,
    cast(coalesce(t.target_count, 0) as {{ dbt.type_int() }}) as target_count
from aims as a
left join objective_counts as o on o.aim_id = a.aim_id
left join commitment_counts as c on c.aim_id = a.aim_id
left join target_counts as t on t.aim_id = a.aim_id
