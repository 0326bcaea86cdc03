-- The labels seed as a mart: the words the reports show for each code the marts use.
select
    cast(label_set as {{ dbt.type_string() }}) as label_set,
    cast(code as {{ dbt.type_string() }}) as code,
    cast(label as {{ dbt.type_string() }}) as label
from {{ ref('labels') }}
