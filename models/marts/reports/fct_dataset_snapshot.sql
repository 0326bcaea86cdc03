-- One row per lake dataset: the snapshot it was last parsed from (sha256, when it was retrieved, from which
-- official URL, how many bytes, whether from the network, the mirror or the cache) and how many rows it has.
with lake as (
    select
        dataset_id, source_id, row_count, snapshot_sha256, parsed_at,
        row_number() over (partition by dataset_id order by parsed_at desc) as recency
    from {{ ref('stg_pipeline_records__lake_manifest') }}
),

raw as (
    select
        sha256, source_id, url, retrieved_at, bytes, origin,
        row_number() over (partition by sha256 order by retrieved_at desc) as recency
    from {{ ref('stg_pipeline_records__raw_manifest') }}
)

select
    lake.dataset_id,
    lake.source_id,
    lake.row_count,
    lake.snapshot_sha256,
    lake.parsed_at,
    raw.url as source_url,
    raw.retrieved_at,
    raw.bytes,
    raw.origin
from lake
left join raw on lake.snapshot_sha256 = raw.sha256 and raw.recency = 1
where lake.recency = 1
