{#- Byar's approximation to the exact Poisson interval for a count x (Breslow & Day 1987), as used by
    PHEindicatormethods::byars_lower/byars_upper and the Fingertips technical guidance:
        lower = x * (1 - 1/(9x) - z/(3 sqrt(x)))^3
        upper = (x + 1) * (1 - 1/(9(x + 1)) + z/(3 sqrt(x + 1)))^3
    For a rate, divide both by the denominator and apply the multiplier (see byars_rate_lower/upper).
    Lower is 0 when x = 0 and null when the bracket is negative (x = 1 at 99.8%: the approximation is undefined,
    PHE's expected value is blank too). Null when x is null or negative. -#}
{% macro byars_lower(x, confidence=0.95) -%}
    {%- set z = z_value(confidence) -%}
    {%- set xd = "cast(" ~ x ~ " as double)" -%}
    (case
        when {{ xd }} = 0 then cast(0 as double)
        when {{ xd }} > 0 and 1 - 1 / (9 * {{ xd }}) - {{ z }} / (3 * sqrt({{ xd }})) >= 0 then
            {{ xd }} * power(1 - 1 / (9 * {{ xd }}) - {{ z }} / (3 * sqrt({{ xd }})), 3)
    end)
{%- endmacro %}

{% macro byars_upper(x, confidence=0.95) -%}
    {%- set z = z_value(confidence) -%}
    {%- set xd = "(cast(" ~ x ~ " as double) + 1)" -%}
    (case when {{ xd }} >= 1 then
        {{ xd }} * power(1 - 1 / (9 * {{ xd }}) + {{ z }} / (3 * sqrt({{ xd }})), 3)
    end)
{%- endmacro %}

{#- Byar's interval for a crude rate count / denominator * multiplier (e.g. per 100,000). -#}
{% macro byars_rate_lower(x, denominator, multiplier=100000, confidence=0.95) -%}
    ({{ byars_lower(x, confidence) }} / nullif(cast({{ denominator }} as double), 0) * ({{ multiplier }}))
{%- endmacro %}

{% macro byars_rate_upper(x, denominator, multiplier=100000, confidence=0.95) -%}
    ({{ byars_upper(x, confidence) }} / nullif(cast({{ denominator }} as double), 0) * ({{ multiplier }}))
{%- endmacro %}
