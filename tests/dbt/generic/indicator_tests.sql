{#-
  Generic tests applied to every indicator staging model (see each _<source>__models.yml).
  Written once here; each returns the failing rows.
-#}

{% test area_code_in_known_set(model, column_name='area_code') %}
{#- The warehouse geography, defined once in the london_areas seed: the 33 London boroughs, Inner and Outer
    London, London (E12000007) and England (E92000001). -#}
select *
from {{ model }}
where {{ column_name }} is null
   or {{ column_name }} not in (select area_code from {{ ref('london_areas') }})
{% endtest %}

{% test value_in_catalogue_range(model) %}
{#- Every indicator id is in the catalogue seed, and every value lies within its plausible range there. -#}
select m.indicator_id, m.area_code, m.period_label, m.value, c.value_min, c.value_max
from {{ model }} as m
left join {{ ref('indicator_catalogue') }} as c
  on m.indicator_id = c.indicator_id
where c.indicator_id is null
   or (m.value is not null and c.value_min is not null and m.value < c.value_min)
   or (m.value is not null and c.value_max is not null and m.value > c.value_max)
{% endtest %}

{% test ci_brackets_value(model) %}
{#- Where a confidence interval is given it contains the value (lower <= value <= upper). -#}
select indicator_id, area_code, period_label, value, lower_ci, upper_ci
from {{ model }}
where value is not null
  and ((lower_ci is not null and lower_ci > value)
    or (upper_ci is not null and upper_ci < value)
    or (lower_ci is not null and upper_ci is not null and lower_ci > upper_ci))
{% endtest %}

{% test unique_combination(model, combination) %}
{#- No two rows share the same values of these columns (nulls compared as equal). Two stages, so a 100M-row
    fact is not grouped by seven strings: first the groups of one 64-bit hash of the key columns that occur
    more than once (a small hash table of integers), then the exact key columns of only those rows, so a hash
    collision never reports a false duplicate. Returns each duplicated key once, with its number of rows. -#}
with suspects as (
    select {{ combination_hash(combination) }} as key_hash
    from {{ model }}
    group by {{ combination_hash(combination) }}
    having count(*) > 1
)
select {{ combination | join(', ') }}, count(*) as n_rows
from {{ model }}
where {{ combination_hash(combination) }} in (select key_hash from suspects)
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}

{% test not_null_columns(model, columns) %}
{#- None of these columns is null: one scan of the model for all of them (instead of one not_null test, and one
    scan, per column). Each failing row says which of the columns are null (null_columns), so the failure is as
    specific as the per-column tests'. -#}
select *
from (
    select
        {%- for c in columns %}
        case when {{ c }} is null then '{{ c }} ' else '' end{{ ' ||' if not loop.last }}
        {%- endfor %} as null_columns
        {%- for c in columns %}, {{ c }}{% endfor %}
    from {{ model }}
    where {% for c in columns %}{{ c }} is null{{ ' or ' if not loop.last }}{% endfor %}
) as failing
{% endtest %}
