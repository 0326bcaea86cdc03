-- One row per commitment (key commitments and actions, nested ones included) with its aim and
-- objective names, how many direct child bullets it has and how many targets were found in it.
with commitments as (
    select
        commitment_id, aim_id, objective_id, parent_id, kind, lead,
        organisations, recovery_mission, text, source_line
    from {{ ref('plan_commitments') }}
),

child_counts as (
    select parent_id, count(*) as child_count
    from commitments
    where parent_id is not null
    group by parent_id
),

target_counts as (
    select commitment_id, count(*) as target_count
    from {{ ref('plan_targets') }}
    group by commitment_id
)

select
    c.commitment_id,
    c.kind,
    c.aim_id,
    a.aim_name,
    c.objective_id,
    o.title as objective_title,
    c.parent_id,
    c.parent_id is not null as is_nested,
    c.lead,
    c.organisations,
    c.recovery_mission,
    c.text,
    c.source_line,
    cast(coalesce(cc.child_count, 0) as {{ dbt.type_int() }}) as child_count,
    cast(coalesce(tc.target_count, 0) as {{ dbt.type_int() }}) as target_count
from commitments as c
inner join {{ ref('plan_aims') }} as a on a.aim_id = c.aim_id
left join {{ ref('plan_objectives') }} as o on o.objective_id = c.objective_id
left join child_counts as cc on cc.parent_id = c.commitment_id
left join target_counts as tc on tc.commitment_id = c.commitment_id
