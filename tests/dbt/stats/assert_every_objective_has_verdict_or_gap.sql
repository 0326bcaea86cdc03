-- Every objective and key commitment of the plan is answered: at least one outcome indicator with a verdict
-- (improving, worsening or no_significant_change in fct_outcome_verdict) or a row in fct_data_gap naming what would
-- measure it. Returns the ones with neither.
with answered as (
    select scope_id from {{ ref('fct_outcome_verdict') }}
    where outcome_verdict in ('improving', 'worsening', 'no_significant_change')
    union all
    select scope_id from {{ ref('fct_data_gap') }}
),

scopes as (
    select cast(objective_id as {{ dbt.type_string() }}) as scope_id from {{ ref('dim_objective') }}
    union all
    select commitment_id from {{ ref('dim_commitment') }} where kind = 'key_commitment'
)

select s.scope_id
from scopes as s
left join (select distinct scope_id from answered) as a on s.scope_id = a.scope_id
where a.scope_id is null
