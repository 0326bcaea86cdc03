-- One row per lake dataset: the snapshot it was last parsed from (sha256, when it was retrieved, from which
-- official URL, how many bytes, whether from the network, the mirror or the cache) and how many rows it has.
with lake as (
    select
        cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        cast({{ adapter.quote('rows') }} as bigint) as row_count,
        cast(snapshot_sha256 as {{ dbt.type_string() }}) as snapshot_sha256,
        cast(parsed_at as timestamp) as parsed_at,
        row_number() over (partition by dataset_id order by parsed_at desc) as recency
    from {{ source('pipeline_records', 'lake_manifest') }}
),

raw as (
    select
        cast(sha256 as {{ dbt.type_string() }}) as sha256,
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        cast(url as {{ dbt.type_string() }}) as url,
        cast(retrieved_at as timestamp) as retrieved_at,
        cast(bytes as bigint) as bytes,
        cast(origin as {{ dbt.type_string() }}) as origin,
        row_number() over (partition by sha256 order by retrieved_at desc) as recency
    from {{ source('pipeline_records', 'raw_manifest') }}
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
