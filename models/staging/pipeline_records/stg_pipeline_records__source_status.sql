-- Per-source availability written by `his ingest` (data/lake/source_status.csv), typed. Empty cells of the
-- optional columns (snapshot_at, plain_reason, cadence, edition_at, overdue_after_days) become nulls.
select
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(checked_at as timestamp) as checked_at,
    cast(nullif(cast(snapshot_at as {{ dbt.type_string() }}), '') as timestamp) as snapshot_at,
    nullif(cast(plain_reason as {{ dbt.type_string() }}), '') as plain_reason,
    nullif(cast(cadence as {{ dbt.type_string() }}), '') as cadence,
    cast(nullif(cast(edition_at as {{ dbt.type_string() }}), '') as timestamp) as edition_at,
    cast(nullif(cast(overdue_after_days as {{ dbt.type_string() }}), '') as {{ dbt.type_int() }}) as overdue_after_days
from {{ source('pipeline_records', 'source_status') }}
