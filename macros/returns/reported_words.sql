{#- Words for reported figures (docs/methods.md, "Targets judged on reported figures"): numbers with thousands
    separators and dates in words, so a status rule reads "465,000 Londoners by 10 September 2025". The two
    dialects format differently, hence adapter.dispatch; everything else in the returns models is standard SQL.
      number_words(expr)      a whole number with separators ("1,777"), else one decimal place ("17.2")
      date_words(expr)        "10 September 2025"
      month_position(expr)    a date as a decimal year to the month: year + month / 12 (end of that month), so the
                              end of 2024 is 2025.0 and consecutive year ends are exactly 1 apart
      reported_value_words(expr, unit)
                              a value in a returns unit: "£90,000", "38 per cent", "2,561 employers"
      reported_bound(value, quote, note)
                              'lower' ("more than", "over", "at least", "1,500+", or the note's "lower bound"),
                              'upper' ("nearly", "almost", "up to", "fewer than", "less than", "under", or the
                              note's "upper bound"), else 'exact'; the quote is read with separators and pound signs
                              removed and must have the qualifier right before the figure's digits. -#}
{% macro number_words(expr) -%}
  {{ return(adapter.dispatch('number_words', 'his')(expr)) }}
{%- endmacro %}

{% macro default__number_words(expr) -%}
  (case when {{ expr }} = round({{ expr }}, 0)
    then format('{:,}', cast(round({{ expr }}, 0) as bigint))
    else format('{:,.1f}', cast({{ expr }} as double)) end)
{%- endmacro %}

{% macro spark__number_words(expr) -%}
  (case when {{ expr }} = round({{ expr }}, 0)
    then format_number(cast(round({{ expr }}, 0) as bigint), 0)
    else format_number(cast({{ expr }} as double), 1) end)
{%- endmacro %}

{% macro date_words(expr) -%}
  {{ return(adapter.dispatch('date_words', 'his')(expr)) }}
{%- endmacro %}

{% macro default__date_words(expr) -%}
  strftime(cast({{ expr }} as date), '%-d %B %Y')
{%- endmacro %}

{% macro spark__date_words(expr) -%}
  date_format(cast({{ expr }} as date), 'd MMMM yyyy')
{%- endmacro %}

{% macro month_position(expr) -%}
  (cast(extract(year from {{ expr }}) as double) + cast(extract(month from {{ expr }}) as double) / 12)
{%- endmacro %}

{% macro reported_bound(value, quote, note) -%}
  {%- set digits -%}
    (case when {{ value }} = round({{ value }}, 0)
      then cast(cast(round({{ value }}, 0) as bigint) as {{ dbt.type_string() }})
      else cast({{ value }} as {{ dbt.type_string() }}) end)
  {%- endset -%}
  {%- set text = "lower(" ~ dbt.replace(dbt.replace(quote, "','", "''"), "'£'", "''") ~ ")" -%}
  (case
    when lower(coalesce({{ note }}, '')) like '%lower bound%' then 'lower'
    when lower(coalesce({{ note }}, '')) like '%upper bound%' then 'upper'
    {%- for q in ['more than ', 'over ', 'at least '] %}
    when {{ text }} like {{ dbt.concat(["'%" ~ q ~ "'", digits, "'%'"]) }} then 'lower'
    {%- endfor %}
    when {{ text }} like {{ dbt.concat(["'%'", digits, "'+%'"]) }} then 'lower'
    {%- for q in ['nearly ', 'almost ', 'up to ', 'fewer than ', 'less than ', 'under '] %}
    when {{ text }} like {{ dbt.concat(["'%" ~ q ~ "'", digits, "'%'"]) }} then 'upper'
    {%- endfor %}
    else 'exact'
  end)
{%- endmacro %}

{% macro reported_value_words(expr, unit='unit') -%}
  {{ dbt.concat(["case when " ~ unit ~ " = 'GBP' then '£' else '' end", number_words(expr),
      "case when " ~ unit ~ " = 'GBP' then '' when " ~ unit ~ " = 'percent' then ' per cent' else " ~ dbt.concat(["' '", unit]) ~ " end"]) }}
{%- endmacro %}
