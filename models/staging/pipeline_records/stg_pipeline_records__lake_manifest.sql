-- The lake manifest written by `his ingest` (data/lake/manifest.csv), typed: one row per lake dataset written
-- (history kept; the latest row per dataset is the current one).
select
    cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast({{ adapter.quote('rows') }} as bigint) as row_count,
    cast(snapshot_sha256 as {{ dbt.type_string() }}) as snapshot_sha256,
    cast(parsed_at as timestamp) as parsed_at
from {{ source('pipeline_records', 'lake_manifest') }}
