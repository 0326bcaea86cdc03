{#- Keys and time helpers shared by the progress models. -#}

{#- A string key for one series' breakdown (sex, age, category), null-safe, so joins never need IS NOT DISTINCT FROM. -#}
{% macro breakdown_key(sex='sex', age='age', category_type='category_type', category='category') -%}
    {{ dbt.concat(["coalesce(" ~ sex ~ ", '')", "'|'", "coalesce(" ~ age ~ ", '')", "'|'",
                   "coalesce(" ~ category_type ~ ", '')", "'|'", "coalesce(" ~ category ~ ", '')"]) }}
{%- endmacro %}

{#- The midpoint of a period as a decimal year from whole months: (start year + (start month - 1)/12 + end year +
    end month/12) / 2, so calendar 2021 -> 2021.5 and academic 2014/15 (Sep-Aug) -> 2015.1667; consecutive annual
    periods are exactly 1 apart. Portable: EXTRACT(YEAR/MONTH FROM date) exists on DuckDB and Spark. -#}
{% macro period_mid_year(period_start='period_start', period_end='period_end') -%}
    ((cast(extract(year from {{ period_start }}) as double) + (cast(extract(month from {{ period_start }}) as double) - 1) / 12
      + cast(extract(year from {{ period_end }}) as double) + cast(extract(month from {{ period_end }}) as double) / 12) / 2)
{%- endmacro %}

{#- GSS codes of the benchmarks. -#}
{% macro london_code() -%}'E12000007'{%- endmacro %}
{% macro england_code() -%}'E92000001'{%- endmacro %}
