-- Which commitments have evidence: one row per commitment with the number of indicators linked to it directly and
-- through its objective. coverage = 'none' lists the commitments with no indicator yet (the curation to-do list).
with map as (
    select commitment_or_objective_id, indicator_id from {{ ref('commitment_indicator_map') }}
),

direct as (
    select commitment_or_objective_id as id, count(distinct indicator_id) as n from map group by commitment_or_objective_id
)

select
    c.commitment_id,
    cast(c.aim_id as integer) as aim_id,
    cast(c.objective_id as {{ dbt.type_string() }}) as objective_id,
    c.kind,
    c.lead,
    cast(coalesce(d.n, 0) as integer) as n_indicators_direct,
    cast(coalesce(o.n, 0) as integer) as n_indicators_via_objective,
    case
        when coalesce(d.n, 0) > 0 then 'direct'
        when coalesce(o.n, 0) > 0 then 'via_objective'
        else 'none'
    end as coverage
from {{ ref('dim_commitment') }} as c
left join direct as d on c.commitment_id = d.id
left join direct as o on cast(c.objective_id as {{ dbt.type_string() }}) = o.id
