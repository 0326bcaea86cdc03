{#- Wilson score interval for a proportion x / n (Wilson 1927; Newcombe 1998, method 3), as used by
    PHEindicatormethods::phe_proportion and the Fingertips technical guidance:
        (2x + z^2 -/+ z * sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))    times the multiplier (1 = proportion, 100 = percent).
    Null when x or n is null, n <= 0, x < 0 or x > n. Arguments are SQL expressions. -#}
{% macro wilson_lower(x, n, multiplier=1, confidence=0.95) -%}
    {{ _wilson_bound(x, n, multiplier, confidence, '-') }}
{%- endmacro %}

{% macro wilson_upper(x, n, multiplier=1, confidence=0.95) -%}
    {{ _wilson_bound(x, n, multiplier, confidence, '+') }}
{%- endmacro %}

{% macro _wilson_bound(x, n, multiplier, confidence, sign) -%}
    {%- set z = z_value(confidence) -%}
    {%- set xd = "cast(" ~ x ~ " as double)" -%}
    {%- set nd = "cast(" ~ n ~ " as double)" -%}
    (case when {{ nd }} > 0 and {{ xd }} >= 0 and {{ xd }} <= {{ nd }} then
        ({{ multiplier }}) * (2 * {{ xd }} + {{ z }} * {{ z }}
            {{ sign }} {{ z }} * sqrt({{ z }} * {{ z }} + 4 * {{ xd }} * (1 - {{ xd }} / {{ nd }})))
        / (2 * ({{ nd }} + {{ z }} * {{ z }}))
    end)
{%- endmacro %}

{#- Proportion x / n times the multiplier, null when n is not positive. -#}
{% macro proportion_value(x, n, multiplier=1) -%}
    (case when cast({{ n }} as double) > 0 then ({{ multiplier }}) * cast({{ x }} as double) / cast({{ n }} as double) end)
{%- endmacro %}
