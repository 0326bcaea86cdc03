-- The indicator catalogue (seed) as a dimension: one row per indicator the warehouse carries.
select
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(indicator_name as {{ dbt.type_string() }}) as indicator_name,
    cast(definition as {{ dbt.type_string() }}) as definition,
    cast(unit as {{ dbt.type_string() }}) as unit,
    cast(value_type as {{ dbt.type_string() }}) as value_type,
    cast(polarity as {{ dbt.type_string() }}) as polarity,
    cast(value_min as double) as value_min,
    cast(value_max as double) as value_max,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(dataset_id as {{ dbt.type_string() }}) as dataset_id,
    cast(fingertips_id as integer) as fingertips_id,
    cast(aim_id as integer) as aim_id,
    cast(objective_ids as {{ dbt.type_string() }}) as objective_ids,
    cast(licence as {{ dbt.type_string() }}) as licence
from {{ ref('indicator_catalogue') }}
