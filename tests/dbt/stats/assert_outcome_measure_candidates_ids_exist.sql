-- Every row of seeds/reference/outcome_measure_candidates.csv names a real objective or key commitment, and its
-- source_id, when given, is a source the pipeline knows (fct_source_status: the sources of the registry).
select c.commitment_or_objective_id, c.source_id
from {{ ref('outcome_measure_candidates') }} as c
left join {{ ref('dim_objective') }} as o on c.commitment_or_objective_id = cast(o.objective_id as {{ dbt.type_string() }})
left join {{ ref('dim_commitment') }} as k on c.commitment_or_objective_id = k.commitment_id and k.kind = 'key_commitment'
left join {{ ref('fct_source_status') }} as s on c.source_id = s.source_id
where (o.objective_id is null and k.commitment_id is null)
    or (c.source_id is not null and s.source_id is null)
