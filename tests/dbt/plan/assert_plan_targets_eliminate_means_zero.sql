-- An elimination target is a target of zero, and only eliminations are zero; percentages lie in 0-100.
select target_id, direction, target_value, unit
from {{ ref('plan_targets') }}
where (direction = 'eliminate' and target_value <> 0)
   or (direction <> 'eliminate' and target_value <= 0)
   or (unit = 'percent' and target_value > 100)
