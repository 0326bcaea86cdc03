-- One row per linked outcome indicator (commitment_indicator_map role 'outcome') of an objective, a commitment or the
-- strategy as a whole: is London's outcome improving? From the recent trend of London's headline series
-- (int_london_headline_series, int_indicator_trends_fitted: the last five comparable points; chi-squared test for
-- trend for proportions with counts and denominators, an inverse-variance weighted fit when all five have CIs, else
-- ordinary least squares), read through the indicator's polarity. Verdicts (docs/methods.md, "Outcome verdicts"):
--   not_enough_data        no values, no London value, fewer than five points, or no polarity to read the trend by;
--   stale                  the latest London period ended before the plan's start year (var plan_start_year): never
--                          judged as current; the trend to that period is kept in trend_assessment as history;
--   improving / worsening  the trend is significant at 5% in the better / worse direction;
--   no_significant_change  otherwise.
{%- set plan_start = var('plan_start_year', 2021) %}

with links as (
    select commitment_or_objective_id as scope_id, indicator_id
    from {{ ref('commitment_indicator_map') }}
    where role = 'outcome'
),

scopes as (
    select cast(objective_id as {{ dbt.type_string() }}) as scope_id, 'objective' as scope_type,
        cast(aim_id as integer) as aim_id, title as scope_title
    from {{ ref('dim_objective') }}
    union all
    select commitment_id, kind, cast(aim_id as integer), substring(text, 1, 200)
    from {{ ref('dim_commitment') }}
    union all
    select 'strategy', 'strategy', cast(null as integer), 'The Health Inequalities Strategy as a whole'
),

values_any as (
    select indicator_id, count(*) as n_values_any
    from {{ ref('int_indicator_values_enriched') }}
    where value is not null
    group by indicator_id
),

joined as (
    select
        l.scope_id,
        s.scope_type,
        s.aim_id,
        s.scope_title,
        l.indicator_id,
        i.indicator_name,
        i.polarity,
        i.unit,
        i.source_id,
        coalesce(va.n_values_any, 0) as n_values_any,
        h.series_key,
        h.sex,
        h.age,
        h.category_type,
        h.category,
        coalesce(h.n_values, 0) as n_london_values,
        h.latest_period,
        h.latest_period_end,
        h.latest_value,
        tr.n_points as trend_points,
        tr.trend_method,
        tr.trend_direction,
        tr.trend_assessment,
        tr.slope_per_year,
        tr.test_statistic,
        tr.is_significant as trend_is_significant,
        case when h.latest_period_end is not null and extract(year from h.latest_period_end) < {{ plan_start }}
            then true else false end as is_stale
    from links as l
    left join scopes as s on l.scope_id = s.scope_id
    left join {{ ref('dim_indicator') }} as i on l.indicator_id = i.indicator_id
    left join values_any as va on l.indicator_id = va.indicator_id
    left join {{ ref('int_london_headline_series') }} as h on l.indicator_id = h.indicator_id
    left join {{ ref('int_indicator_trends_fitted') }} as tr on h.series_key = tr.series_key
),

judged as (
    select
        joined.*,
        case
            when n_values_any = 0 or n_london_values = 0 then 'not_enough_data'
            when is_stale then 'stale'
            when trend_direction is null or trend_direction = 'not_enough_data' then 'not_enough_data'
            when trend_direction = 'no_significant_change' then 'no_significant_change'
            when polarity not in ('higher_is_better', 'lower_is_better') then 'not_enough_data'
            else trend_assessment
        end as outcome_verdict,
        case trend_method
            when 'chi_squared_trend' then 'method: chi-squared test for trend on the counts and denominators'
            when 'weighted_linear_fit' then 'method: linear fit weighted by the inverse variance from the 95% CIs'
            when 'linear_fit' then 'method: ordinary least-squares linear fit, as not every point has a CI or counts'
        end as method_words,
        case polarity when 'higher_is_better' then 'higher is better' when 'lower_is_better' then 'lower is better'
            else 'no polarity' end as polarity_words
    from joined
)

select
    {{ dbt.concat(['scope_id', "'|'", 'indicator_id']) }} as outcome_verdict_key,
    scope_id,
    scope_type,
    aim_id,
    scope_title,
    indicator_id,
    indicator_name,
    polarity,
    unit,
    source_id,
    sex,
    age,
    category_type,
    category,
    cast(n_london_values as integer) as n_london_values,
    latest_period,
    cast(latest_period_end as date) as latest_period_end,
    cast(latest_value as double) as latest_value,
    case when n_london_values = 0 then 'no_data' when is_stale then 'stale' else 'current' end as data_state,
    cast(trend_points as integer) as trend_points,
    trend_method,
    trend_direction,
    trend_assessment,
    cast(slope_per_year as double) as slope_per_year,
    cast(test_statistic as double) as test_statistic,
    trend_is_significant,
    outcome_verdict,
    case
        when n_values_any = 0 then {{ dbt.concat([
            "'Not enough data: there are no values for '", 'indicator_id', "' in the warehouse; its source '",
            "coalesce(source_id, 'unknown')", "' is unavailable (not in the offline mirror) or not yet ingested.'"]) }}
        when n_london_values = 0 then {{ dbt.concat([
            "'Not enough data: there is no London value for '", 'indicator_id',
            "' (none published and too few boroughs to derive one).'"]) }}
        when is_stale then {{ dbt.concat([
            "'Stale: the latest London value is for '", 'latest_period', "', before the plan started in '",
            "cast(" ~ plan_start ~ " as " ~ dbt.type_string() ~ ")", "', so it is not judged as current'",
            "case when trend_method is not null then " ~ dbt.concat([
                "'; up to then the trend over the last 5 periods was '", 'trend_assessment', "' ('", 'method_words', "').'"])
            ~ " else " ~ dbt.concat([
                "'; London has '", 'cast(n_london_values as ' ~ dbt.type_string() ~ ')',
                "' period(s), so there is no trend either (a trend needs five).'"])
            ~ " end"]) }}
        when trend_direction is null or trend_direction = 'not_enough_data' then {{ dbt.concat([
            "'Not enough data: London has '", 'cast(n_london_values as ' ~ dbt.type_string() ~ ')',
            "' comparable period(s) up to '", 'latest_period', "'; a trend needs five.'"]) }}
        when trend_direction = 'no_significant_change' then {{ dbt.concat([
            "'No significant change: over the last 5 periods to '", 'latest_period',
            "' the trend is not significant at 5% ('", 'method_words', "').'"]) }}
        when polarity not in ('higher_is_better', 'lower_is_better') then {{ dbt.concat([
            "'Not enough data: the trend is '", 'trend_direction', "' but the indicator has no polarity to judge it by.'"]) }}
        else {{ dbt.concat([
            "case when outcome_verdict = 'improving' then 'Improving: ' else 'Worsening: ' end",
            "'over the last 5 periods to '", 'latest_period', "' the value is '", 'trend_direction',
            "', significant at 5% ('", 'method_words', "'), and '", 'polarity_words', "'.'"]) }}
    end as verdict_rule
from judged
