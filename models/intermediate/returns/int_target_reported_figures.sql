-- One row per numeric target and reported figure that the curated seed target_reported_measure maps to it (by the
-- returns' measure text): the figure with its provenance, how well it answers the target (fit: exact, proxy,
-- context), whether it is a lower or upper bound, its date as a decimal year, whether it meets the target, and its
-- place in the order that picks the one figure that counts (docs/methods.md, "Targets judged on reported figures").
-- Reads only int_reported_figures_unioned (the returns sources); never sums or derives a figure.
{%- set plan_start = var('plan_start_year', 2021) %}

with figures as (
    select * from {{ ref('int_reported_figures_unioned') }}
),

mapped as (
    select
        m.target_id,
        m.series,
        m.fit,
        cast(m.series_rank as integer) as series_rank,
        m.rationale as fit_rationale,
        cast(m.level_in_measure_unit as double) as level_in_measure_unit,
        m.success_when_in_measure_unit,
        f.*
    from {{ ref('target_reported_measure') }} as m
    inner join figures as f on m.measure = f.measure
),

targets as (
    select target_id, commitment_id, metric, target_value, unit, target_year, direction
    from {{ ref('plan_targets') }}
),

described as (
    select
        mapped.*,
        t.commitment_id,
        t.metric as target_metric,
        cast(t.target_value as double) as target_value,
        t.unit as target_unit,
        cast(t.target_year as integer) as target_year,
        t.direction as target_direction,
        coalesce(p.standing, 'other') as publisher_standing,
        -- the publisher as the reports name it (the seed's reader_name, else the returns' text)
        coalesce(p.reader_name, mapped.publisher) as publisher_label,
        {{ reported_bound('mapped.value', 'mapped.quote', 'mapped.note') }} as bound,
        coalesce(mapped.period_end, mapped.published) as figure_date,
        case when mapped.basis = 'cumulative_since_start' and mapped.unit <> 'percent' then true else false end
            as is_running_total,
        -- the level to reach in the figure's unit: the seed's restatement when the plan's number is in another unit
        -- (20 minutes a day -> 70 per cent of Londoners), 0 for an elimination, the plan's number for a level or a
        -- count; a reduction needs a baseline the plan does not give, so it has none
        case
            when mapped.level_in_measure_unit is not null then cast(mapped.level_in_measure_unit as double)
            when t.direction = 'eliminate' then cast(0 as double)
            when t.direction = 'reduce_by' then cast(null as double)
            else cast(t.target_value as double)
        end as target_level,
        coalesce(mapped.success_when_in_measure_unit,
            case when t.direction in ('at_most', 'eliminate', 'reduce_by') then 'at_most' else 'at_least' end) as success_when
    from mapped
    inner join targets as t on mapped.target_id = t.target_id
    left join {{ ref('reported_publisher') }} as p on mapped.publisher = p.publisher
),

positioned as (
    select
        described.*,
        case when figure_date is not null then {{ month_position('figure_date') }} end as figure_position,
        case when target_year is not null then cast(target_year as double) + 1 end as deadline_position,
        case when period_start is not null
            then cast(extract(year from period_start) as double) + (cast(extract(month from period_start) as double) - 1) / 12
        end as start_position,
        case when target_level is null then 'unknown'
            else {{ bounded_meets('value', 'bound', 'target_level') }}
        end as meets_target
    from described
),

flagged as (
    select
        positioned.*,
        case when figure_position is not null and deadline_position is not null and figure_position > deadline_position
            then true else false end as is_after_deadline,
        case fit when 'exact' then 1 when 'proxy' then 2 else 3 end as fit_order,
        case publisher_standing when 'official' then 1 when 'programme_partner' then 2 else 3 end as standing_order
    from positioned
),

ranked as (
    select
        flagged.*,
        case when fit = 'context' then cast(null as integer) else cast(row_number() over (
            partition by target_id
            order by
                fit_order,
                series_rank,
                -- a running total after the deadline that is still short of the target settles "not reached"
                case when is_running_total and is_after_deadline and meets_target = 'no' then 0 else 1 end,
                case when figure_position is null then 3 when is_after_deadline then 2 else 1 end,
                case when figure_position is not null and not is_after_deadline then -figure_position else 0 end,
                case when is_after_deadline then figure_position else 0 end,
                case when figure_position is null and is_running_total then -value else 0 end,
                standing_order,
                case when published is null then 1 else 0 end,
                published desc,
                case when success_when = 'at_least' then value else -value end,
                source_id,
                return_id
        ) as integer) end as counting_order
    from flagged
),

-- conflicts: another figure of the same target and series for the same date with a different value
conflicts as (
    select a.target_id, a.source_id, a.return_id, count(*) as n_conflicting
    from ranked as a
    inner join ranked as b
        on a.target_id = b.target_id and a.series = b.series
        and not (a.source_id = b.source_id and a.return_id = b.return_id)
        and a.figure_date = b.figure_date and a.value <> b.value
    group by a.target_id, a.source_id, a.return_id
)

select
    r.*,
    coalesce(c.n_conflicting, 0) as n_conflicting
from ranked as r
left join conflicts as c on r.target_id = c.target_id and r.source_id = c.source_id and r.return_id = c.return_id
