-- The indicator catalogue (seed) as a dimension: one row per indicator the warehouse carries, with its place in
-- the plan's order. Every list of indicators in the reports sorts on plan_order and groups on plan_group: the
-- strategy-wide indicators (life expectancy) first, then aim 1 to 5, within an aim the plan's objective order
-- (the indicator's first objective), within an objective the catalogue's order_in_objective (empty: after the
-- numbered ones, by name).
with catalogue as (
    select
        indicator_id,
        indicator_name,
        definition,
        unit,
        value_type,
        polarity,
        value_min,
        value_max,
        source_id,
        dataset_id,
        fingertips_id,
        aim_id,
        objective_ids,
        licence,
        order_in_objective,
        case when objective_ids is null or trim(objective_ids) = '' then cast(null as {{ dbt.type_string() }})
            else trim({{ dbt.split_part('objective_ids', "'|'", 1) }}) end as first_objective_id
    from {{ ref('indicator_catalogue') }}
),

placed as (
    select
        c.*,
        a.aim_name,
        o.objective_number,
        row_number() over (
            order by
                case when c.aim_id is null then 0 else 1 end,
                c.aim_id,
                case when o.objective_number is null then 0 else 1 end,
                o.objective_number,
                case when c.order_in_objective is null then 1 else 0 end,
                c.order_in_objective,
                c.indicator_name,
                c.indicator_id
        ) as plan_order
    from catalogue as c
    left join {{ ref('dim_aim') }} as a on a.aim_id = c.aim_id
    left join {{ ref('dim_objective') }} as o on o.objective_id = c.first_objective_id
)

select
    cast(p.indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(p.indicator_name as {{ dbt.type_string() }}) as indicator_name,
    cast(p.definition as {{ dbt.type_string() }}) as definition,
    cast(p.unit as {{ dbt.type_string() }}) as unit,
    cast(p.value_type as {{ dbt.type_string() }}) as value_type,
    cast(p.polarity as {{ dbt.type_string() }}) as polarity,
    cast(p.value_min as double) as value_min,
    cast(p.value_max as double) as value_max,
    cast(p.source_id as {{ dbt.type_string() }}) as source_id,
    cast(p.dataset_id as {{ dbt.type_string() }}) as dataset_id,
    cast(p.fingertips_id as integer) as fingertips_id,
    cast(p.aim_id as integer) as aim_id,
    cast(p.objective_ids as {{ dbt.type_string() }}) as objective_ids,
    cast(p.licence as {{ dbt.type_string() }}) as licence,
    cast(p.aim_name as {{ dbt.type_string() }}) as aim_name,
    cast(p.first_objective_id as {{ dbt.type_string() }}) as first_objective_id,
    cast(p.order_in_objective as integer) as order_in_objective,
    cast(p.plan_order as integer) as plan_order,
    cast(case
        when p.aim_id is null then coalesce(g.label, 'The whole strategy')
        else {{ dbt.concat(["'Aim '", 'cast(p.aim_id as ' ~ dbt.type_string() ~ ')', "': '", 'p.aim_name']) }}
    end as {{ dbt.type_string() }}) as plan_group
from placed as p
left join {{ ref('labels') }} as g on g.label_set = 'indicator_group' and g.code = 'strategy_wide'
