{#- bounded_meets(value, bound, level): whether a reported figure meets `level` ('yes' / 'no' / 'unknown'), read
    through the direction of success (column success_when: at_least | at_most) and the figure's bound (column bound:
    lower for "more than", upper for "nearly", anything else exact). A lower bound at or above an at-least level
    meets it; below it, it says nothing ('unknown'); an upper bound works the other way round. Used for the target
    level and for the straight path to it (docs/methods.md, "Targets judged on reported figures"). -#}
{% macro bounded_meets(value, bound, level) -%}
    (case when success_when = 'at_least' then
        case
            when {{ bound }} = 'upper' and {{ value }} <= {{ level }} then 'no'
            when {{ bound }} = 'upper' then 'unknown'
            when {{ value }} >= {{ level }} then 'yes'
            when {{ bound }} = 'lower' then 'unknown'
            else 'no'
        end
    else
        case
            when {{ bound }} = 'lower' and {{ value }} >= {{ level }} then 'no'
            when {{ bound }} = 'lower' then 'unknown'
            when {{ value }} <= {{ level }} then 'yes'
            when {{ bound }} = 'upper' then 'unknown'
            else 'no'
        end
    end)
{%- endmacro %}
