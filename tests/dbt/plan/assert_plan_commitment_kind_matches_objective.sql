-- Key commitments belong to an aim (no objective, no parent); every action belongs to an objective of
-- the same aim, and a nested action shares its parent's objective. Returns the rows that break this.
select c.commitment_id, c.kind, c.aim_id, c.objective_id, c.parent_id
from {{ ref('plan_commitments') }} as c
left join {{ ref('plan_objectives') }} as o on o.objective_id = c.objective_id
left join {{ ref('plan_commitments') }} as p on p.commitment_id = c.parent_id
where (c.kind = 'key_commitment' and (c.objective_id is not null or c.parent_id is not null))
   or (c.kind = 'action' and (o.objective_id is null or o.aim_id <> c.aim_id))
   or (c.parent_id is not null and (p.commitment_id is null or p.objective_id <> c.objective_id))
