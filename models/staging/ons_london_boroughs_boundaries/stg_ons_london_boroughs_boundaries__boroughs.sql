-- The 33 London boroughs with their ONS inner/outer London classification and boundary.
select
  cast(area_code as {{ dbt.type_string() }}) as area_code,
  cast(area_name as {{ dbt.type_string() }}) as area_name,
  cast(inner_outer as {{ dbt.type_string() }}) as inner_outer,
  cast(hectares as double) as hectares,
  cast(geometry_geojson as {{ dbt.type_string() }}) as geometry_geojson
from {{ lake_source('ons_london_boroughs_boundaries', 'london_boroughs') }}
