-- Value revisions as written by pipeline/quality/plausibility.py, typed.
select
    cast(run_id as {{ dbt.type_string() }}) as run_id,
    cast(run_at as {{ dbt.type_timestamp() }}) as run_at,
    cast(dataset as {{ dbt.type_string() }}) as dataset,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(period_label as {{ dbt.type_string() }}) as period_label,
    cast(sex as {{ dbt.type_string() }}) as sex,
    cast(age as {{ dbt.type_string() }}) as age,
    cast(category_type as {{ dbt.type_string() }}) as category_type,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(old_value as double) as old_value,
    cast(new_value as double) as new_value,
    cast(revision_kind as {{ dbt.type_string() }}) as revision_kind,
    cast(is_scale_change as {{ dbt.type_boolean() }}) as is_scale_change,
    cast(old_snapshot_sha256 as {{ dbt.type_string() }}) as old_snapshot_sha256,
    cast(new_snapshot_sha256 as {{ dbt.type_string() }}) as new_snapshot_sha256,
    cast(outcome as {{ dbt.type_string() }}) as outcome
from {{ source('quality', 'value_revisions') }}
