-- One row per registered source: whether it was available in the last ingest run, and why not when it was not
-- (for example: offline with no mirror copy). A stale source (its download failed, or the mirror lost its copy,
-- so the last accepted snapshot was used) carries that snapshot's date and age. The reports list unavailable
-- and stale sources from here. A source whose edition in use is older than its publisher's cadence allows
-- (registry field cadence, threshold overdue_after_days) is overdue for a new edition.
with status as (
    select
        source_id, status, reason, checked_at, snapshot_at, plain_reason, cadence, edition_at, overdue_after_days,
        row_number() over (partition by source_id order by checked_at desc) as recency
    from {{ ref('stg_pipeline_records__source_status') }}
)

select
    source_id,
    status,
    reason,
    checked_at,
    snapshot_at,
    cast({{ dbt.datediff('snapshot_at', 'checked_at', 'day') }} as {{ dbt.type_bigint() }}) as snapshot_age_days,
    plain_reason,
    cadence,
    edition_at,
    cast({{ dbt.datediff('edition_at', 'checked_at', 'day') }} as {{ dbt.type_bigint() }}) as edition_age_days,
    coalesce({{ dbt.datediff('edition_at', 'checked_at', 'day') }} > overdue_after_days, false) as is_overdue
from status
where recency = 1
