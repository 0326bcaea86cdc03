-- Every row of the curated commitment_indicator_map points at real ids: the commitment or objective exists in the
-- plan seeds (or is 'strategy', the strategy as a whole) and the indicator exists in the catalogue.
-- Returns the offending rows (the test fails when any row comes back).
with map as (
    select commitment_or_objective_id, indicator_id from {{ ref('commitment_indicator_map') }}
),
known_ids as (
    select cast(commitment_id as {{ dbt.type_string() }}) as id from {{ ref('plan_commitments') }}
    union all
    select cast(objective_id as {{ dbt.type_string() }}) as id from {{ ref('plan_objectives') }}
    union all
    select 'strategy' as id
)
select map.commitment_or_objective_id, map.indicator_id,
    case when k.id is null then 'unknown commitment or objective id' else 'unknown indicator id' end as problem
from map
left join known_ids as k on map.commitment_or_objective_id = k.id
left join {{ ref('indicator_catalogue') }} as c on map.indicator_id = c.indicator_id
where k.id is null or c.indicator_id is null
