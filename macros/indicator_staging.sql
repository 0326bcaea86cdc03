{#-
  indicator_columns(): the canonical indicator value columns (DESIGN.md section 3), in contract order.
  indicator_staging(relations): one staging select over lake datasets that already have the canonical shape:
  the columns in canonical order with explicit portable types, unioned across the given relations.
-#}
{% macro indicator_columns() -%}
  {{ return([
    ('indicator_id', dbt.type_string()), ('area_code', dbt.type_string()), ('area_name', dbt.type_string()),
    ('area_type', dbt.type_string()), ('period_label', dbt.type_string()), ('period_start', 'date'),
    ('period_end', 'date'), ('sex', dbt.type_string()), ('age', dbt.type_string()),
    ('category_type', dbt.type_string()), ('category', dbt.type_string()), ('value', 'double'),
    ('lower_ci', 'double'), ('upper_ci', 'double'), ('lower_ci_99_8', 'double'), ('upper_ci_99_8', 'double'),
    ('count', 'double'), ('denominator', 'double'), ('value_note', dbt.type_string()),
    ('publisher_comparison_england', dbt.type_string()), ('publisher_comparison_london', dbt.type_string()),
    ('publisher_trend', dbt.type_string()), ('source_id', dbt.type_string()), ('snapshot_sha256', dbt.type_string())
  ]) }}
{%- endmacro %}

{% macro indicator_staging(relations) -%}
{%- for rel in relations %}
select
  {%- for name, type in indicator_columns() %}
  cast({{ adapter.quote(name) if name in ('count',) else name }} as {{ type }}) as {{ adapter.quote(name) if name in ('count',) else name }}{{ ',' if not loop.last }}
  {%- endfor %}
from {{ rel }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}
