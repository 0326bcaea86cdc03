{#-
  Generic tests for the configuration that refers to programme returns (seeds/reference/_reference__returns_seeds.yml).
-#}

{% test relationships_when_returns_present(model, column_name, to, field) %}
{#- Every value of column_name is a value of `to`.`field`, checked only when `to` has rows. The returns sources are
    not required: when none could be read (e.g. a build with no mirror and no public download) the union of returns
    is empty, the curated seeds still name their measures, and the targets simply have no reported figure; that
    must not fail the build. When returns are present, a seed row naming a measure no return has fails. -#}
select m.{{ column_name }}
from {{ model }} as m
where m.{{ column_name }} is not null
  and exists (select 1 from {{ to }})
  and not exists (select 1 from {{ to }} as t where t.{{ field }} = m.{{ column_name }})
{% endtest %}
