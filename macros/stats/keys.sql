{#- Keys and time helpers shared by the progress models. -#}

{#- A string key for one series' breakdown (sex, age, category), null-safe, so joins never need IS NOT DISTINCT FROM. -#}
{% macro breakdown_key(sex='sex', age='age', category_type='category_type', category='category') -%}
    {{ dbt.concat(["coalesce(" ~ sex ~ ", '')", "'|'", "coalesce(" ~ age ~ ", '')", "'|'",
                   "coalesce(" ~ category_type ~ ", '')", "'|'", "coalesce(" ~ category ~ ", '')"]) }}
{%- endmacro %}

{#- The midpoint of a period as a decimal year (e.g. 2021-01-01..2021-12-31 -> about 2021.5), for trends and
    trajectories. Portable: day differences from a fixed date through dbt.datediff. -#}
{% macro period_mid_year(period_start='period_start', period_end='period_end') -%}
    (2000 + cast({{ dbt.datediff("cast('2000-01-01' as date)", period_start, 'day') }}
               + {{ dbt.datediff("cast('2000-01-01' as date)", period_end, 'day') }} as double) / 730.5e0)
{%- endmacro %}

{#- GSS codes of the benchmarks. -#}
{% macro london_code() -%}'E12000007'{%- endmacro %}
{% macro england_code() -%}'E92000001'{%- endmacro %}
