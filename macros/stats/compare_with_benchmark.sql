{#- Compare an area's value with a benchmark (London or England) the Fingertips way:
    'similar' when the benchmark value lies inside the area's 95% confidence interval (bounds inclusive);
    otherwise 'better' or 'worse' by the indicator's polarity (higher_is_better | lower_is_better);
    for polarity no_judgement, 'higher' or 'lower'.
    'not_compared' when the value or the benchmark is missing, or when the area has no confidence interval:
    without an interval a difference cannot be told from noise, so no judgement is made (documented choice).
    Arguments are SQL expressions; polarity is a column or a quoted literal. -#}
{% macro compare_with_benchmark(value, lower_ci, upper_ci, benchmark, polarity) -%}
    (case
        when {{ value }} is null or {{ benchmark }} is null then 'not_compared'
        when {{ lower_ci }} is null or {{ upper_ci }} is null then 'not_compared'
        when {{ benchmark }} >= {{ lower_ci }} and {{ benchmark }} <= {{ upper_ci }} then 'similar'
        when {{ polarity }} = 'higher_is_better' then
            case when {{ lower_ci }} > {{ benchmark }} then 'better' else 'worse' end
        when {{ polarity }} = 'lower_is_better' then
            case when {{ upper_ci }} < {{ benchmark }} then 'better' else 'worse' end
        when {{ polarity }} = 'no_judgement' then
            case when {{ lower_ci }} > {{ benchmark }} then 'higher' else 'lower' end
        else 'not_compared'
    end)
{%- endmacro %}
