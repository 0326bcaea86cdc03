{#- Trend labels from a fitted slope and its test (Fingertips "recent trend" style).
    direction: 'not_enough_data' when fewer than min_points points, 'no_significant_change' when the test is not
    significant at 5%, else 'increasing' / 'decreasing'. -#}
{% macro trend_direction(n_points, slope, is_significant, min_points=5) -%}
    (case
        when {{ n_points }} is null or {{ n_points }} < {{ min_points }} or {{ slope }} is null then 'not_enough_data'
        when not coalesce({{ is_significant }}, false) then 'no_significant_change'
        when {{ slope }} > 0 then 'increasing'
        when {{ slope }} < 0 then 'decreasing'
        else 'no_significant_change'
    end)
{%- endmacro %}

{#- Direction read through the indicator's polarity: 'improving' / 'worsening'; for no_judgement indicators the
    direction itself; 'not_enough_data' and 'no_significant_change' pass through. -#}
{% macro trend_assessment(direction, polarity) -%}
    (case
        when {{ direction }} in ('not_enough_data', 'no_significant_change') then {{ direction }}
        when {{ polarity }} = 'higher_is_better' then case when {{ direction }} = 'increasing' then 'improving' else 'worsening' end
        when {{ polarity }} = 'lower_is_better' then case when {{ direction }} = 'decreasing' then 'improving' else 'worsening' end
        else {{ direction }}
    end)
{%- endmacro %}

{#- Multiplier turning a proportion of 1 into the indicator's unit (percent -> 100). -#}
{% macro unit_multiplier(unit) -%}
    (case when lower({{ unit }}) in ('percent', '%', 'percentage') then 100 else 1 end)
{%- endmacro %}
