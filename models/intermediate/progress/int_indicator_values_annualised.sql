{#- A view: yearly and longer rows (nearly all of them) pass straight through from int_indicator_values_enriched,
    so a table here was a second full copy of the progress rows (at national scale the largest write of the build);
    its readers either filter to London (pushed down into the enriched table) or read each series once. -#}
{{ config(materialized='view') }}
-- Series on a yearly (or longer) footing for trends and commitment progress. Values whose period is shorter than
-- a year (e.g. the monthly London air quality means) are averaged into calendar years, keeping only years with a
-- value for every month (n_sub_periods = 12) so a partial year never stands in for a year; yearly and multi-year
-- periods pass through unchanged, and so do series with one short reference period a year (ASHE's April month). Targets such as "10 ug/m3 by 2030" are annual means, hence this step.
{#- the columns of a value that passes through unchanged (both pass-through branches below) -#}
{%- set passed_through %}
select
    series_key, indicator_id, area_code, sex, age, category_type, category,
    period_label, period_start, period_end, period_mid_year,
    value, lower_ci, upper_ci, count, denominator, unit, value_type, is_derived,
    cast(1 as integer) as n_sub_periods,
    false as is_annualised
{%- endset %}

with values_all as {{ not_materialized() }} (
    select * from {{ ref('int_indicator_values_enriched') }}
    where value is not null
),

-- Periods shorter than a year (a small share of the rows: the monthly and quarterly series). Only these can be
-- sub-annual, so only these are joined to their series' months; yearly and longer rows pass straight through
-- (at national scale a join or window over every row was most of this model's time).
short_periods as (
    select
        values_all.*,
        cast(extract(year from values_all.period_start) as integer) as calendar_year,
        cast(extract(month from values_all.period_start) as integer) as start_month
    from values_all
    where {{ dbt.datediff('values_all.period_start', 'values_all.period_end', 'day') }} < 300
),

-- each series' first and last start month among its short periods: more than one start month means monthly or
-- quarterly; one short reference period a year (ASHE's April survey month) is a yearly series already
series_months as (
    select
        series_key,
        min(start_month) as min_start_month,
        max(start_month) as max_start_month
    from short_periods
    group by series_key
),

flagged as (
    select
        short_periods.*,
        case when sm.min_start_month <> sm.max_start_month then true else false end as is_sub_annual
    from short_periods
    inner join series_months as sm on short_periods.series_key is not distinct from sm.series_key
),

sub_annual as (
    select
        {{ dbt.concat(['series_key', "'|'", 'cast(calendar_year as ' ~ dbt.type_string() ~ ')']) }} as annual_key,
        series_key,
        max(indicator_id) as indicator_id,
        max(area_code) as area_code,
        max(sex) as sex,
        max(age) as age,
        max(category_type) as category_type,
        max(category) as category,
        calendar_year,
        {{ ordered_avg('value') }} as value,
        count(distinct start_month) as n_sub_periods,
        max(case when is_derived then 1 else 0 end) as derived_flag,
        max(unit) as unit,
        max(value_type) as value_type
    from flagged
    where is_sub_annual
    group by series_key, calendar_year
)

{{ passed_through }}
from values_all
where not coalesce({{ dbt.datediff('period_start', 'period_end', 'day') }} < 300, false)

union all

{{ passed_through }}
from flagged
where not is_sub_annual

union all

select
    series_key, indicator_id, area_code, sex, age, category_type, category,
    cast(calendar_year as {{ dbt.type_string() }}) as period_label,
    cast({{ dbt.concat(['cast(calendar_year as ' ~ dbt.type_string() ~ ')', "'-01-01'"]) }} as date) as period_start,
    cast({{ dbt.concat(['cast(calendar_year as ' ~ dbt.type_string() ~ ')', "'-12-31'"]) }} as date) as period_end,
    cast(calendar_year as double) + 0.5e0 as period_mid_year,
    value,
    cast(null as double) as lower_ci,
    cast(null as double) as upper_ci,
    cast(null as double) as count,
    cast(null as double) as denominator,
    unit, value_type,
    case when derived_flag = 1 then true else false end as is_derived,
    cast(n_sub_periods as integer) as n_sub_periods,
    true as is_annualised
from sub_annual
where n_sub_periods = 12
