-- The indicators a commitment's report page shows: those its targets are measured by (fct_commitment_progress),
-- or, for a commitment with no measured target, those of its objective's scorecard. One row per commitment and
-- indicator. Computed here once so the page (one of ~200 prerendered commitment pages) reads a filtered table.
with direct as (
    select distinct commitment_id, indicator_id
    from {{ ref('fct_commitment_progress') }}
    where indicator_id is not null
),

via_objective as (
    select distinct c.commitment_id, s.indicator_id
    from {{ ref('dim_commitment') }} as c
    inner join {{ ref('fct_objective_scorecard') }} as s
        on cast(c.objective_id as {{ dbt.type_string() }}) = s.objective_id
    where s.indicator_id is not null
      and c.commitment_id not in (select commitment_id from direct)
)

select
    cast(commitment_id as {{ dbt.type_string() }}) as commitment_id,
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast('target' as {{ dbt.type_string() }}) as linked_through
from direct
union all
select
    cast(commitment_id as {{ dbt.type_string() }}),
    cast(indicator_id as {{ dbt.type_string() }}),
    cast('objective' as {{ dbt.type_string() }})
from via_objective
