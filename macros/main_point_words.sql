{#- Small wording helpers for the main-point sentences (fct_main_point): verb agreement with a count, and a list of
    up to three names ("A", "A and B", "A, B and C", "A, B, C and 2 more") from columns <kind>_1.._3. -#}
{% macro _is_are(n) -%}
    case when {{ n }} = 1 then 'is' else 'are' end
{%- endmacro %}

{% macro _has_have(n) -%}
    case when {{ n }} = 1 then 'has' else 'have' end
{%- endmacro %}

{% macro _show(n) -%}
    case when {{ n }} = 1 then 'shows' else 'show' end
{%- endmacro %}

{% macro _names(kind, n) -%}
    case
        when {{ n }} = 1 then {{ kind }}_1
        when {{ n }} = 2 then {{ dbt.concat([kind ~ '_1', "' and '", kind ~ '_2']) }}
        when {{ n }} = 3 then {{ dbt.concat([kind ~ '_1', "', '", kind ~ '_2', "' and '", kind ~ '_3']) }}
        else {{ dbt.concat([kind ~ '_1', "', '", kind ~ '_2', "', '", kind ~ '_3', "' and '",
            'cast(' ~ n ~ ' - 3 as ' ~ dbt.type_string() ~ ')', "' more'"]) }}
    end
{%- endmacro %}

{#- "A, B and C" from the parts whose count is above zero, in the order given: parts is a list of [count expression,
    text expression]. Portable: each part is written with its separator, chosen by how many later parts are present. -#}
{% macro _parts(parts) -%}
    {%- set pieces = [] -%}
    {%- for count, text in parts -%}
        {%- set later = parts[loop.index:] -%}
        {%- set n_later -%}({% for c, _ in later %}case when {{ c }} > 0 then 1 else 0 end{% if not loop.last %} + {% endif %}{% endfor %}{% if not later %}0{% endif %}){%- endset -%}
        {%- do pieces.append("case when " ~ count ~ " > 0 then " ~ dbt.concat([text,
            "case when " ~ n_later ~ " = 0 then '' when " ~ n_later ~ " = 1 then ' and ' else ', ' end"]) ~ " else '' end") -%}
    {%- endfor -%}
    {{ dbt.concat(pieces) }}
{%- endmacro %}
