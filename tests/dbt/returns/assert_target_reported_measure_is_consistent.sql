-- The curated seed target_reported_measure: one row per target and measure; a restated level comes with its
-- direction (and the other way round); only a numeric target can be answered. Returns the offending rows.
with seed as (
    select * from {{ ref('target_reported_measure') }}
),
dupes as (
    select target_id, measure, 'the target and measure appear more than once' as problem
    from seed
    group by target_id, measure
    having count(*) > 1
),
levels as (
    select target_id, measure, 'level_in_measure_unit and success_when_in_measure_unit must be given together' as problem
    from seed
    where (level_in_measure_unit is null) <> (success_when_in_measure_unit is null)
),
unnumbered as (
    select s.target_id, s.measure, 'the target has no number to answer' as problem
    from seed as s
    inner join {{ ref('plan_targets') }} as t on s.target_id = t.target_id
    where t.target_value is null and s.fit <> 'context'
)
select * from dupes
union all
select * from levels
union all
select * from unnumbered
