-- The recent trend of every series (indicator x area x breakdown) over its last five points (docs/methods.md):
--   chi_squared_trend   proportions whose five points all have a count and denominator (Armitage's test for trend);
--   weighted_linear_fit values whose five points all have a 95% CI (weights 1 / se^2, se = CI width / (2 * 1.96),
--                       slope z-test with the known variances);
--   linear_fit          otherwise: ordinary least squares, slope t-test on 3 degrees of freedom.
-- Points are yearly or longer (int_indicator_values_annualised: monthly values become calendar-year means).
-- Time is the period's mid-point in decimal years, so slopes are per year. Fewer than five points: not_enough_data.
{%- set z = z_value(0.95) %}

with points as (
    select
        series_key, indicator_id, area_code, sex, age, category_type, category, period_label, period_start,
        period_mid_year as t, value, lower_ci, upper_ci, count, denominator, unit, value_type,
        row_number() over (partition by series_key order by period_start desc, period_end desc) as recency
    from {{ ref('int_indicator_values_annualised') }}
    where value is not null
),

last_five as (
    select * from points where recency <= 5
),

series as (
    select
        series_key,
        max(indicator_id) as indicator_id,
        max(area_code) as area_code,
        max(sex) as sex,
        max(age) as age,
        max(category_type) as category_type,
        max(category) as category,
        max(unit) as unit,
        max(value_type) as value_type,
        count(*) as n_points,
        count(case when count is not null and denominator > 0 then 1 end) as n_with_counts,
        count(case when upper_ci > lower_ci then 1 end) as n_with_ci,
        max(case when recency = 1 then period_label end) as latest_period_label,
        max(case when recency = 1 then t end) as latest_mid_year,
        max(case when recency = 1 then value end) as latest_value,
        min(t) as first_mid_year
    from last_five
    group by series_key
),

with_counts as (
    select * from last_five where count is not null and denominator > 0
),

with_ci as (
    select
        last_five.*,
        1 / power((upper_ci - lower_ci) / (2 * {{ z }}), 2) as inverse_variance,
        (upper_ci - lower_ci) / (2 * {{ z }}) as se
    from last_five
    where upper_ci > lower_ci
),

chi as ({{ chi_squared_trend('with_counts', ['series_key'], 't', 'count', 'denominator') }}),

count_fit as ({{ weighted_linear_fit('with_counts', ['series_key'], 't', 'value', 'denominator') }}),

ci_fit as ({{ weighted_linear_fit('with_ci', ['series_key'], 't', 'value', 'inverse_variance', 'se') }}),

ols_fit as ({{ weighted_linear_fit('last_five', ['series_key'], 't', 'value') }}),

chosen as (
    select
        s.*,
        case
            when s.n_points < 5 then cast(null as {{ dbt.type_string() }})
            when s.value_type = 'proportion' and s.n_with_counts = s.n_points then 'chi_squared_trend'
            when s.n_with_ci = s.n_points then 'weighted_linear_fit'
            else 'linear_fit'
        end as trend_method,
        chi.chi_squared,
        count_fit.slope as count_slope, count_fit.x_mean as count_x_mean, count_fit.y_mean as count_y_mean,
        ci_fit.slope as ci_slope, ci_fit.slope_se_known as ci_slope_se, ci_fit.x_mean as ci_x_mean, ci_fit.y_mean as ci_y_mean,
        ols_fit.slope as ols_slope, ols_fit.slope_se_residual as ols_slope_se, ols_fit.residual_df as ols_df,
        ols_fit.x_mean as ols_x_mean, ols_fit.y_mean as ols_y_mean
    from series as s
    left join chi on s.series_key = chi.series_key
    left join count_fit on s.series_key = count_fit.series_key
    left join ci_fit on s.series_key = ci_fit.series_key
    left join ols_fit on s.series_key = ols_fit.series_key
),

tested as (
    select
        chosen.*,
        case trend_method
            when 'chi_squared_trend' then count_slope
            when 'weighted_linear_fit' then ci_slope
            when 'linear_fit' then ols_slope
        end as slope_per_year,
        case trend_method
            when 'weighted_linear_fit' then ci_slope_se
            when 'linear_fit' then ols_slope_se
        end as slope_se,
        case trend_method
            when 'chi_squared_trend' then chi_squared
            when 'weighted_linear_fit' then case when ci_slope_se > 0 then (ci_slope / ci_slope_se) * (ci_slope / ci_slope_se) end
            when 'linear_fit' then case when ols_slope_se > 0 then (ols_slope / ols_slope_se) * (ols_slope / ols_slope_se) end
        end as test_statistic,
        case trend_method
            when 'chi_squared_trend' then chi_squared > {{ chi_squared_1df_critical_95() }}
            when 'weighted_linear_fit' then abs(ci_slope) > {{ z }} * ci_slope_se
            when 'linear_fit' then case
                when ols_slope_se = 0 then ols_slope <> 0
                else abs(ols_slope) > {{ t_value_95('ols_df') }} * ols_slope_se end
        end as is_significant,
        case trend_method
            when 'chi_squared_trend' then count_x_mean
            when 'weighted_linear_fit' then ci_x_mean
            when 'linear_fit' then ols_x_mean
        end as fit_x_mean,
        case trend_method
            when 'chi_squared_trend' then count_y_mean
            when 'weighted_linear_fit' then ci_y_mean
            when 'linear_fit' then ols_y_mean
        end as fit_y_mean
    from chosen
)

select
    tested.series_key,
    tested.indicator_id,
    tested.area_code,
    tested.sex,
    tested.age,
    tested.category_type,
    tested.category,
    tested.n_points,
    tested.latest_period_label,
    tested.latest_mid_year,
    tested.latest_value,
    tested.first_mid_year,
    tested.trend_method,
    tested.slope_per_year,
    tested.slope_se,
    tested.test_statistic,
    tested.is_significant,
    tested.fit_x_mean,
    tested.fit_y_mean,
    {{ trend_direction('tested.n_points', 'tested.slope_per_year', 'tested.is_significant') }} as trend_direction,
    {{ trend_assessment(trend_direction('tested.n_points', 'tested.slope_per_year', 'tested.is_significant'), 'i.polarity') }} as trend_assessment
from tested
left join {{ ref('indicator_catalogue') }} as i on tested.indicator_id = i.indicator_id
