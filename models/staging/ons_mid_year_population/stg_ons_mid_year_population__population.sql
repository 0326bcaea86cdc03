-- ONS mid-year population estimates: one row per area and year.
select
  cast(area_code as {{ dbt.type_string() }}) as area_code,
  cast(area_name as {{ dbt.type_string() }}) as area_name,
  cast(geography as {{ dbt.type_string() }}) as geography,
  cast(year as integer) as year,
  cast(population as bigint) as population
from {{ lake_source('ons_mid_year_population', 'mid_year_population') }}
