-- One row per registered source, as a reader needs it to find and credit the data: the publisher's title,
-- publisher, official page and licence (from the registry, through the generated seed registry_sources),
-- whether the last ingest had it, and when its files were last retrieved.
with retrieved as (
    select source_id, max(retrieved_at) as last_retrieved_at
    from {{ ref('fct_dataset_snapshot') }}
    group by source_id
)

select
    cast(s.source_id as {{ dbt.type_string() }}) as source_id,
    cast(s.title as {{ dbt.type_string() }}) as title,
    cast(s.publisher as {{ dbt.type_string() }}) as publisher,
    cast(s.homepage_url as {{ dbt.type_string() }}) as homepage_url,
    cast(s.licence as {{ dbt.type_string() }}) as licence,
    cast(coalesce(st.status, 'unavailable') as {{ dbt.type_string() }}) as status,
    r.last_retrieved_at
from {{ ref('registry_sources') }} as s
left join {{ ref('fct_source_status') }} as st on s.source_id = st.source_id
left join retrieved as r on s.source_id = r.source_id
