-- One row per London borough with its boundary as GeoJSON text (WGS84), for the reports' borough maps.
-- The report stage turns these rows into the GeoJSON file the maps load, so the site needs no map service.
select
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(geometry_geojson as {{ dbt.type_string() }}) as geometry_geojson
from {{ ref('stg_ons_london_boroughs_boundaries__boroughs') }}
