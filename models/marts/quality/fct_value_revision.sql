{{ config(materialized='view') }}
-- One row per value a staged indicator dataset revised against its previous accepted snapshot, per gate-1 run
-- that compared them: what a reviewer reads to see what publishers changed, and what gate 1 stopped. A view over
-- the revisions file, like fct_quality_check, so a rejected candidate's revisions show without a dbt build.
with revisions as (
    select * from {{ ref('stg_quality__value_revisions') }}
)

select
    run_id,
    run_at,
    dataset,
    source_id,
    indicator_id,
    area_code,
    area_name,
    period_label,
    sex,
    age,
    category_type,
    category,
    old_value,
    new_value,
    new_value - old_value as change,
    case
        when old_value is null or old_value = 0 or new_value is null then null
        else (new_value - old_value) / abs(old_value)
    end as relative_change,
    revision_kind,
    is_scale_change,
    old_snapshot_sha256,
    new_snapshot_sha256,
    outcome
from revisions
