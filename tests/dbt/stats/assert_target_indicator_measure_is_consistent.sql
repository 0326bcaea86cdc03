-- Each curated (target, indicator) measurement pair: the target exists, the indicator exists, their units are the
-- same, and the indicator is linked to the target's commitment in commitment_indicator_map.
select m.target_id, m.indicator_id,
    case
        when t.target_id is null then 'unknown target'
        when c.indicator_id is null then 'unknown indicator'
        when lower(trim(t.unit)) <> lower(trim(c.unit)) then 'units differ'
        else 'indicator not linked to the commitment in commitment_indicator_map'
    end as problem
from {{ ref('target_indicator_measure') }} as m
left join {{ ref('plan_targets') }} as t on m.target_id = t.target_id
left join {{ ref('indicator_catalogue') }} as c on m.indicator_id = c.indicator_id
left join {{ ref('commitment_indicator_map') }} as l
    on l.commitment_or_objective_id = t.commitment_id and l.indicator_id = m.indicator_id
where t.target_id is null or c.indicator_id is null
    or lower(trim(t.unit)) <> lower(trim(c.unit)) or l.indicator_id is null
