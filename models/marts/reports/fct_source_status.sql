-- One row per registered source: whether it was available in the last ingest run, and why not when it was not
-- (for example: offline with no mirror copy). The reports list unavailable sources from here.
with status as (
    select
        source_id, status, reason, checked_at,
        row_number() over (partition by source_id order by checked_at desc) as recency
    from {{ ref('stg_pipeline_records__source_status') }}
)

select source_id, status, reason, checked_at
from status
where recency = 1
