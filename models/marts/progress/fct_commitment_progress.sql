-- One row per commitment target and linked indicator (or one row with no indicator when none is linked):
-- baseline (London value nearest the plan start), latest value, the target, the straight trajectory from baseline
-- to target, the value projected at the target year from the recent trend, and a status with the rule that
-- produced it (docs/methods.md, status rules). Indicators linked directly to the commitment are used; when a
-- commitment has none, those of its objective. Values are London's (publisher's or derived from boroughs), for
-- the indicator's headline breakdown (persons, no category, the longest such series), on a yearly footing
-- (int_indicator_values_annualised). Only curated pairs in target_indicator_measure count as measuring a target.
-- Baseline and latest are never the same period when the series has more than one; a latest period that ended
-- before the plan's start (var plan_start_year) makes the row stale (data_state), never judged as current.
{%- set plan_start = var('plan_start_year', 2021) %}

with targets as (
    select t.target_id, t.commitment_id, t.metric, t.target_value, t.unit, t.target_year, t.direction, c.objective_id
    from {{ ref('fct_commitment_target') }} as t
    left join {{ ref('dim_commitment') }} as c on t.commitment_id = c.commitment_id
),

map as (
    select commitment_or_objective_id, indicator_id, role from {{ ref('commitment_indicator_map') }}
),

measures as (
    select target_id, indicator_id from {{ ref('target_indicator_measure') }}
),

links_direct as (
    select t.target_id, m.indicator_id, m.role, 'commitment' as link_level
    from targets as t
    inner join map as m on t.commitment_id = m.commitment_or_objective_id
),

targets_linked_directly as (
    select distinct target_id from links_direct
),

links_objective as (
    select t.target_id, m.indicator_id, m.role, 'objective' as link_level
    from targets as t
    inner join map as m on t.objective_id = m.commitment_or_objective_id
    left join targets_linked_directly as d on t.target_id = d.target_id
    where d.target_id is null
),

links as (
    select * from links_direct
    union all
    select * from links_objective
),

london_values as (
    select *
    from {{ ref('int_indicator_values_annualised') }}
    where area_code = {{ london_code() }} and value is not null
),

headline as (
    select series_key, indicator_id, n_values from {{ ref('int_london_headline_series') }}
),

headline_values_ranked as (
    select
        v.*,
        h.n_values,
        row_number() over (partition by v.series_key order by v.period_start desc, v.period_end desc) as latest_pick
    from london_values as v
    inner join headline as h on v.series_key = h.series_key
),

-- Baseline: the period nearest mid plan-start year, but never the latest period itself when the series has more
-- than one (so a series ending before the plan still has a baseline earlier than its latest value).
headline_values as (
    select
        headline_values_ranked.*,
        case when latest_pick = 1 and n_values > 1 then null else
            row_number() over (
                partition by series_key, case when latest_pick = 1 and n_values > 1 then 1 else 0 end
                order by abs(period_mid_year - ({{ plan_start }} + 0.5e0)), period_mid_year
            )
        end as baseline_pick
    from headline_values_ranked
),

per_indicator as (
    select
        h.indicator_id,
        h.series_key,
        h.n_values,
        max(case when hv.baseline_pick = 1 then hv.period_label end) as baseline_period,
        max(case when hv.baseline_pick = 1 then hv.period_mid_year end) as baseline_mid_year,
        max(case when hv.baseline_pick = 1 then hv.value end) as baseline_value,
        max(case when hv.latest_pick = 1 then hv.period_label end) as latest_period,
        max(case when hv.latest_pick = 1 then hv.period_end end) as latest_period_end,
        max(case when hv.latest_pick = 1 then hv.period_mid_year end) as latest_mid_year,
        max(case when hv.latest_pick = 1 then hv.value end) as latest_value,
        max(case when hv.latest_pick = 1 then hv.lower_ci end) as latest_lower_ci,
        max(case when hv.latest_pick = 1 then hv.upper_ci end) as latest_upper_ci,
        max(case when hv.latest_pick = 1 then case when hv.is_derived then 1 else 0 end end) as latest_derived_flag
    from headline as h
    inner join headline_values as hv on h.series_key = hv.series_key
    group by h.indicator_id, h.series_key, h.n_values
),

indicator_values_any as (
    select indicator_id, count(*) as n_values_any
    from {{ ref('int_indicator_values_enriched') }}
    where value is not null
    group by indicator_id
),

joined as (
    select
        t.target_id,
        t.commitment_id,
        t.metric as target_metric,
        t.target_value,
        t.unit as target_unit,
        t.target_year,
        t.direction as target_direction,
        l.indicator_id,
        l.role,
        l.link_level,
        i.unit as indicator_unit,
        i.indicator_name,
        i.source_id as indicator_source_id,
        rs.publisher as source_publisher,
        p.series_key,
        coalesce(p.n_values, 0) as n_london_values,
        coalesce(va.n_values_any, 0) as n_values_any,
        p.baseline_period,
        p.baseline_mid_year,
        p.baseline_value,
        p.latest_period,
        p.latest_mid_year,
        p.latest_value,
        p.latest_lower_ci,
        p.latest_upper_ci,
        case when p.latest_period_end is null then null
            when extract(year from p.latest_period_end) < {{ plan_start }} then true else false end as latest_is_stale,
        cast({{ plan_start }} as integer) as plan_start_year,
        case when p.latest_derived_flag = 1 then true when p.latest_derived_flag = 0 then false end as latest_is_derived,
        tr.n_points as trend_points,
        tr.trend_method,
        tr.trend_direction,
        tr.is_significant as trend_is_significant,
        tr.slope_per_year,
        tr.fit_x_mean,
        tr.fit_y_mean,
        tr.first_mid_year as trend_first_mid_year,
        tr.latest_mid_year as trend_latest_mid_year,
        cast(t.target_year as double) + 0.5e0 as target_mid_year,
        case when ms.target_id is not null then true else false end as indicator_measures_target
    from targets as t
    left join links as l on t.target_id = l.target_id
    left join {{ ref('dim_indicator') }} as i on l.indicator_id = i.indicator_id
    left join {{ ref('registry_sources') }} as rs on i.source_id = rs.source_id
    left join per_indicator as p on l.indicator_id = p.indicator_id
    left join {{ ref('int_indicator_trends_fitted') }} as tr on p.series_key = tr.series_key
    left join measures as ms on t.target_id = ms.target_id and l.indicator_id = ms.indicator_id
    left join indicator_values_any as va on l.indicator_id = va.indicator_id
),

levels as (
    select
        joined.*,
        case target_direction
            when 'eliminate' then cast(0 as double)
            when 'reduce_by' then baseline_value - target_value
            else target_value
        end as target_level,
        case
            when target_direction in ('at_most', 'reduce_by', 'eliminate') then 'at_most'
            when target_direction = 'at_least' then 'at_least'
            when target_direction = 'reach' and baseline_value > target_value then 'at_most'
            else 'at_least'
        end as success_when
    from joined
),

computed as (
    select
        levels.*,
        case when indicator_measures_target and target_mid_year > baseline_mid_year then
            baseline_value + (target_level - baseline_value)
                * (latest_mid_year - baseline_mid_year) / (target_mid_year - baseline_mid_year)
        end as trajectory_value_at_latest,
        case when indicator_measures_target and trend_method is not null then
            fit_y_mean + slope_per_year * (target_mid_year - fit_x_mean)
        end as projected_value_at_target_year
    from levels
),

-- A projected value is shown only where it is earned (DESIGN.md section 4): the trend is significant, the data does
-- not end before the plan started, and the target year is no further beyond the last point than the trend's points
-- span. projection_note says why there is none otherwise.
projected as (
    select
        computed.*,
        case when projected_value_at_target_year is not null
            and coalesce(trend_is_significant, false)
            and not coalesce(latest_is_stale, false)
            and target_mid_year - trend_latest_mid_year <= trend_latest_mid_year - trend_first_mid_year
            then true else false end as projection_is_earned,
        case
            when target_value is null then 'there is no number to project towards'
            when indicator_id is null then 'no published statistic is linked'
            when not indicator_measures_target then 'no published statistic counts what this target counts'
            when trend_method is null then 'a trend needs five figures'
            when coalesce(latest_is_stale, false) then {{ dbt.concat([
                "'the figures end before the plan began in '", _str('plan_start_year')]) }}
            when not coalesce(trend_is_significant, false) then 'the trend is not statistically significant'
            when target_mid_year - trend_latest_mid_year > trend_latest_mid_year - trend_first_mid_year then {{ dbt.concat([
                "'the target year is '", _str('cast(round(target_mid_year - trend_latest_mid_year, 0) as integer)'),
                "' years beyond the last figure, further than the '", _str('cast(round(trend_latest_mid_year - trend_first_mid_year, 0) as integer)'),
                "' years the figures span'"]) }}
        end as projection_note
    from computed
)

select
    {{ dbt.concat(['target_id', "'|'", "coalesce(indicator_id, '')"]) }} as progress_key,
    target_id,
    commitment_id,
    target_metric,
    cast(target_value as double) as target_value,
    target_unit,
    cast(target_year as integer) as target_year,
    target_direction,
    indicator_id,
    role,
    link_level,
    indicator_unit,
    indicator_measures_target,
    cast(n_london_values as integer) as n_london_values,
    baseline_period,
    cast(baseline_value as double) as baseline_value,
    latest_period,
    cast(latest_value as double) as latest_value,
    latest_is_derived,
    cast(latest_lower_ci as double) as latest_lower_ci,
    cast(latest_upper_ci as double) as latest_upper_ci,
    case
        when n_london_values = 0 then 'no_data'
        when latest_is_stale then 'stale'
        else 'current'
    end as data_state,
    cast(case when indicator_measures_target then target_level end as double) as target_level,
    success_when,
    trajectory_value_at_latest,
    projected_value_at_target_year,
    cast(case when projection_is_earned then projected_value_at_target_year end as double) as projected_value_shown,
    case when projection_is_earned then cast(null as {{ dbt.type_string() }}) else projection_note end as projection_note,
    cast(trend_points as integer) as trend_points,
    trend_method,
    trend_direction,
    trend_is_significant,
    slope_per_year,
    {{ progress_status() }} as status,
    {{ progress_not_enough_data_reason() }} as not_enough_data_reason,
    {{ progress_status_rule() }} as status_rule
from projected
