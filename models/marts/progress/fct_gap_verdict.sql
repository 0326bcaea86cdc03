-- One row per indicator: is the gap between London's most and least deprived boroughs narrowing? From the slope index
-- of inequality (fct_inequality_gap.sii) over time, for the indicator's headline breakdown (no category, persons or no
-- sex split, the most SII periods). Over the last five periods with an SII (at least var gap_trend_min_points, default
-- 3): an inverse-variance weighted linear fit of the SII on the period mid-year when every SII has a sampling standard
-- error (sii_ci_method sampling_se; z-test), else ordinary least squares (t-test on n - 2 df). Sign convention (PHE):
-- SII = modelled value at the least deprived end minus the most deprived end, so it has the opposite sign of the
-- fifths gap (most - least deprived). The gap narrows when the SII moves significantly towards zero, widens when
-- it moves significantly away from zero (docs/methods.md, "Gap verdicts").
{%- set z = z_value(0.95) %}
{%- set min_points = var('gap_trend_min_points', 3) %}
{%- set plan_start = var('plan_start_year', 2021) %}

with sii_points as (
    select
        indicator_id,
        {{ breakdown_key() }} as breakdown_key,
        {{ dbt.concat(['indicator_id', "'|'", breakdown_key()]) }} as gap_series_key,
        sex, age, category_type, category, period_label, period_start, period_end,
        {{ period_mid_year() }} as t,
        sii, gap,
        case when sii_ci_method = 'sampling_se' and sii_upper_ci > sii_lower_ci
            then (sii_upper_ci - sii_lower_ci) / (2 * {{ z }}) end as sii_se
    from {{ ref('fct_inequality_gap') }}
    where sii is not null
),

recent as (
    select * from (
        select sii_points.*,
            row_number() over (partition by gap_series_key order by period_start desc, period_end desc) as recency
        from sii_points
    ) as ranked
    where recency <= 5
),

series as (
    select
        gap_series_key,
        max(indicator_id) as indicator_id,
        max(sex) as sex, max(age) as age, max(category_type) as category_type, max(category) as category,
        max(case when coalesce(category_type, '') = '' and coalesce(category, '') = '' then 0 else 1 end) as has_category,
        max(case when sex is null or lower(sex) in ('persons', 'all', 'total') then 0 else 1 end) as is_split_by_sex,
        count(*) as n_points,
        count(sii_se) as n_with_se,
        max(case when recency = 1 then period_label end) as latest_period,
        max(case when recency = 1 then period_end end) as latest_period_end,
        max(case when recency = 1 then sii end) as latest_sii,
        max(case when recency = 1 then gap end) as latest_gap,
        max(case when recency = n_in_window then period_label end) as first_period,
        max(case when recency = n_in_window then sii end) as first_sii
    from (select recent.*, count(*) over (partition by gap_series_key) as n_in_window from recent) as r
    group by gap_series_key
),

headline as (
    select * from (
        select series.*,
            row_number() over (partition by indicator_id order by has_category, is_split_by_sex, n_points desc, gap_series_key) as pick
        from series
    ) as ranked
    where pick = 1
),

with_weights as (
    select recent.*, 1 / (sii_se * sii_se) as inverse_variance from recent where sii_se > 0
),

se_fit as ({{ weighted_linear_fit('with_weights', ['gap_series_key'], 't', 'sii', 'inverse_variance', 'sii_se') }}),

ols_fit as ({{ weighted_linear_fit('recent', ['gap_series_key'], 't', 'sii') }}),

fitted as (
    select
        h.*,
        case
            when h.n_points < {{ min_points }} then cast(null as {{ dbt.type_string() }})
            when h.n_with_se = h.n_points then 'weighted_linear_fit'
            else 'linear_fit'
        end as trend_method,
        se_fit.slope as se_slope, se_fit.slope_se_known as se_slope_se, se_fit.y_mean as se_y_mean,
        ols_fit.slope as ols_slope, ols_fit.slope_se_residual as ols_slope_se, ols_fit.residual_df as ols_df,
        ols_fit.y_mean as ols_y_mean
    from headline as h
    left join se_fit on h.gap_series_key = se_fit.gap_series_key
    left join ols_fit on h.gap_series_key = ols_fit.gap_series_key
),

tested as (
    select
        fitted.*,
        case trend_method when 'weighted_linear_fit' then se_slope when 'linear_fit' then ols_slope end as sii_slope_per_year,
        case trend_method when 'weighted_linear_fit' then se_slope_se when 'linear_fit' then ols_slope_se end as sii_slope_se,
        case trend_method when 'weighted_linear_fit' then se_y_mean when 'linear_fit' then ols_y_mean end as sii_mean,
        case trend_method
            when 'weighted_linear_fit' then abs(se_slope) > {{ z }} * se_slope_se
            when 'linear_fit' then case
                when ols_slope_se = 0 then ols_slope <> 0
                else abs(ols_slope) > {{ t_value_95('ols_df') }} * ols_slope_se end
        end as trend_is_significant,
        case when latest_period_end is not null and extract(year from latest_period_end) < {{ plan_start }}
            then true else false end as is_stale
    from fitted
),

judged as (
    select
        tested.*,
        case
            when trend_method is null then 'not_enough_data'
            when is_stale then 'stale'
            when not coalesce(trend_is_significant, false) then 'no_significant_change'
            when (sii_mean < 0 and sii_slope_per_year > 0) or (sii_mean > 0 and sii_slope_per_year < 0) then 'narrowing'
            else 'widening'
        end as gap_verdict,
        case trend_method
            when 'weighted_linear_fit' then 'method: linear fit weighted by the inverse variance of each SII'
            when 'linear_fit' then 'method: ordinary least-squares linear fit of the SII values'
        end as method_words
    from tested
)

select
    j.indicator_id,
    i.indicator_name,
    i.polarity,
    i.unit,
    j.sex,
    j.age,
    j.category_type,
    j.category,
    cast(j.n_points as integer) as n_sii_periods,
    j.first_period,
    cast(j.first_sii as double) as first_sii,
    j.latest_period,
    cast(j.latest_period_end as date) as latest_period_end,
    cast(j.latest_sii as double) as latest_sii,
    cast(j.latest_gap as double) as latest_gap,
    case when j.is_stale then 'stale' else 'current' end as data_state,
    j.trend_method,
    cast(j.sii_slope_per_year as double) as sii_slope_per_year,
    cast(j.sii_slope_se as double) as sii_slope_se,
    j.trend_is_significant,
    j.gap_verdict,
    case
        when j.trend_method is null then {{ dbt.concat([
            "'Not enough data: the slope index of inequality is available for '", 'cast(j.n_points as ' ~ dbt.type_string() ~ ')',
            "' period(s) up to '", 'j.latest_period', "'; a trend needs at least " ~ min_points ~ ".'"]) }}
        when j.is_stale then {{ dbt.concat([
            "'Stale: the latest SII is for '", 'j.latest_period', "', before the plan started in " ~ plan_start ~ ", so it is not judged as current.'"]) }}
        else {{ dbt.concat([
            "case j.gap_verdict when 'narrowing' then 'Narrowing: ' when 'widening' then 'Widening: ' else 'No significant change: ' end",
            "'the SII went from '", _fmt('j.first_sii'), "' ('", 'j.first_period', "') to '", _fmt('j.latest_sii'), "' ('",
            'j.latest_period', "') over '", 'cast(j.n_points as ' ~ dbt.type_string() ~ ')', "' periods, a change of '",
            _fmt('j.sii_slope_per_year'), "' a year'",
            "case when coalesce(j.trend_is_significant, false) then ' that is significant at 5% (' else ' that is not significant at 5% (' end",
            'j.method_words',
            "'). The SII is the modelled value at the least deprived end minus the most deprived end, so the further from zero, the wider the gap.'"]) }}
    end as verdict_rule
from judged as j
left join {{ ref('dim_indicator') }} as i on j.indicator_id = i.indicator_id
