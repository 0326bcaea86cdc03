-- The raw download manifest written by the fetch layer (data/raw/manifest.csv), typed: one row per raw snapshot
-- fetched (network, mirror or cache).
select
    cast(sha256 as {{ dbt.type_string() }}) as sha256,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(url as {{ dbt.type_string() }}) as url,
    cast(retrieved_at as timestamp) as retrieved_at,
    cast(bytes as bigint) as bytes,
    cast(origin as {{ dbt.type_string() }}) as origin
from {{ source('pipeline_records', 'raw_manifest') }}
