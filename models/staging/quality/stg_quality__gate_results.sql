-- Quality gate results as written by pipeline/quality/results.py, typed and with portable column names.
select
    cast(run_id as {{ dbt.type_string() }}) as run_id,
    cast(run_at as {{ dbt.type_timestamp() }}) as run_at,
    cast(gate as {{ dbt.type_string() }}) as gate,
    cast(dataset as {{ dbt.type_string() }}) as dataset,
    cast(snapshot_sha256 as {{ dbt.type_string() }}) as snapshot_sha256,
    cast(check_name as {{ dbt.type_string() }}) as check_name,
    cast(expectation as {{ dbt.type_string() }}) as expectation,
    cast({{ adapter.quote('column') }} as {{ dbt.type_string() }}) as column_name,
    cast(severity as {{ dbt.type_string() }}) as severity,
    cast(success as {{ dbt.type_boolean() }}) as success,
    cast(observed_value as {{ dbt.type_string() }}) as observed_value,
    cast(unexpected_count as {{ dbt.type_bigint() }}) as unexpected_count,
    cast(failing_rows_sample as {{ dbt.type_string() }}) as failing_rows_sample,
    cast(kwargs as {{ dbt.type_string() }}) as expectation_kwargs
from {{ source('quality', 'gate_results') }}
