-- Per-source availability written by `his ingest` (data/lake/source_status.csv), typed.
select
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(checked_at as timestamp) as checked_at
from {{ source('pipeline_records', 'source_status') }}
