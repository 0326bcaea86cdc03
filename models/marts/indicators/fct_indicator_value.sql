-- Every indicator value in the warehouse, canonical shape, keyed to dim_indicator and dim_area. The grain is the
-- natural key (indicator, area, period, sex, age, category type, category), tested as one unique combination;
-- there is no hashed surrogate key (an md5 per row was a quarter of this model's cost at 10M rows).
with unioned as (
    select * from {{ ref('int_indicator_values_unioned') }}
)

select
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(area_type as {{ dbt.type_string() }}) as area_type,
    cast(period_label as {{ dbt.type_string() }}) as period_label,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(sex as {{ dbt.type_string() }}) as sex,
    cast(age as {{ dbt.type_string() }}) as age,
    cast(category_type as {{ dbt.type_string() }}) as category_type,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(value as double) as value,
    cast(lower_ci as double) as lower_ci,
    cast(upper_ci as double) as upper_ci,
    cast({{ adapter.quote("count") }} as double) as {{ adapter.quote("count") }},
    cast(denominator as double) as denominator,
    cast(value_note as {{ dbt.type_string() }}) as value_note,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(snapshot_sha256 as {{ dbt.type_string() }}) as snapshot_sha256
from unioned
