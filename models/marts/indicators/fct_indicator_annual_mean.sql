-- Calendar-year means of the indicators published more often than yearly (the monthly London air quality
-- concentrations), for charts that would otherwise draw hundreds of monthly points: one row per series and year,
-- kept only when all 12 months have a value (int_indicator_values_annualised decides which series are
-- sub-annual and averages them). Yearly and longer series are not repeated here: fct_indicator_value has them.
select
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(sex as {{ dbt.type_string() }}) as sex,
    cast(age as {{ dbt.type_string() }}) as age,
    cast(category_type as {{ dbt.type_string() }}) as category_type,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(period_label as {{ dbt.type_string() }}) as period_label,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(value as double) as value,
    cast(n_sub_periods as integer) as n_months,
    cast(is_derived as boolean) as is_derived
from {{ ref('int_indicator_values_annualised') }}
where is_annualised
