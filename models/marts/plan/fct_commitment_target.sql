-- One row per quantified or dated target in the plan, with the commitment, objective and aim it
-- belongs to and a coarse unit type so reports can format values (money, percent, ...).
with targets as (
    select target_id, commitment_id, metric, target_value, unit, target_year, direction
    from {{ ref('plan_targets') }}
)

select
    t.target_id,
    t.commitment_id,
    c.kind as commitment_kind,
    c.lead,
    c.aim_id,
    a.aim_name,
    c.objective_id,
    o.title as objective_title,
    t.metric,
    t.target_value,
    t.unit,
    case
        when t.unit = 'GBP' then 'money'
        when t.unit = 'percent' then 'percent'
        when t.unit like '%/m3' then 'concentration'
        when t.unit in ('minutes', 'hours', 'days', 'weeks', 'months', 'years') then 'duration'
        else 'count'
    end as unit_type,
    t.target_year,
    t.direction,
    c.text as commitment_text
from targets as t
inner join {{ ref('plan_commitments') }} as c on c.commitment_id = t.commitment_id
inner join {{ ref('plan_aims') }} as a on a.aim_id = c.aim_id
left join {{ ref('plan_objectives') }} as o on o.objective_id = c.objective_id
