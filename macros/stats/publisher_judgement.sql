{#- The publisher's own judgements (Fingertips' comparison words) beside ours (docs/methods.md, "Comparison with a
    benchmark"). Nothing here recomputes or inverts a publisher's word: "Worse" stays worse.

    publisher_comparison_word(col): the publisher's comparison in the warehouse's vocabulary: better, similar, worse,
      higher, lower (Fingertips' words, any case, also with a significance level such as "Better 95%"), not_compared
      for "Not compared" and any other word; null where the publisher gives none.
    displayed_comparison(computed, published): ours where it can be computed (better/similar/worse/higher/lower),
      else the publisher's judged word, else not_compared.
    comparison_source(computed, published): whose comparison displayed_comparison shows: computed, publisher, none. -#}
{% macro _judged_words() -%}('better', 'similar', 'worse', 'higher', 'lower'){%- endmacro %}

{% macro publisher_comparison_word(col) -%}
    (case
        when {{ col }} is null then cast(null as {{ dbt.type_string() }})
        when lower(trim({{ col }})) like 'better%' then 'better'
        when lower(trim({{ col }})) like 'similar%' then 'similar'
        when lower(trim({{ col }})) like 'worse%' then 'worse'
        when lower(trim({{ col }})) like 'higher%' then 'higher'
        when lower(trim({{ col }})) like 'lower%' then 'lower'
        else 'not_compared'
    end)
{%- endmacro %}

{% macro displayed_comparison(computed, published) -%}
    (case
        when {{ computed }} in {{ _judged_words() }} then {{ computed }}
        when {{ published }} in {{ _judged_words() }} then {{ published }}
        else 'not_compared'
    end)
{%- endmacro %}

{% macro comparison_source(computed, published) -%}
    (case
        when {{ computed }} in {{ _judged_words() }} then 'computed'
        when {{ published }} in {{ _judged_words() }} then 'publisher'
        else 'none'
    end)
{%- endmacro %}
