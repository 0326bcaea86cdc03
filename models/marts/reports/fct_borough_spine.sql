-- The spine chart of each borough's report page, for every borough at once: the borough's latest value of each
-- indicator (headline breakdown: persons where the indicator has a persons row, no category), with London, England
-- and the spread of all boroughs for the same period (min, quartiles, max), and each point's position on a 0-100
-- scale for the chart: the centre (England, else London, else the middle of the spread) at 50, better to the right
-- (the scale is flipped when lower is better), the farthest borough at 5 or 95.
with persons as (
    select indicator_id,
        max(case when sex is null or lower(sex) in ('persons', 'all', 'total') then 1 else 0 end) as has_persons
    from {{ ref('fct_borough_indicator') }}
    group by indicator_id
),

headline as (
    select b.*
    from {{ ref('fct_borough_indicator') }} as b
    inner join persons as ip on b.indicator_id = ip.indicator_id
    where coalesce(b.category_type, '') = '' and coalesce(b.category, '') = ''
      and (ip.has_persons = 0 or b.sex is null or lower(b.sex) in ('persons', 'all', 'total'))
),

latest as (
    select *,
        row_number() over (
            partition by area_code, indicator_id, coalesce(sex, ''), coalesce(age, '') order by period_end desc
        ) as pick
    from headline
    where value is not null
),

spread as (
    select indicator_id, period_label, coalesce(sex, '') as sex_key, coalesce(age, '') as age_key,
        min(value) as min_value,
        {{ percentile_cont('value', 0.25) }} as p25,
        {{ percentile_cont('value', 0.75) }} as p75,
        max(value) as max_value
    from headline
    where value is not null
    group by indicator_id, period_label, coalesce(sex, ''), coalesce(age, '')
),

joined as (
    select
        t.area_code, t.indicator_id, t.period_label, t.sex, t.age, t.value, t.lower_ci, t.upper_ci,
        t.london_value, t.england_value, t.comparison_with_england, t.comparison_with_england_source,
        t.comparison_with_london, t.rank_among_boroughs, t.n_boroughs_ranked,
        s.min_value, s.p25, s.p75, s.max_value,
        coalesce(t.england_value, t.london_value, (s.min_value + s.max_value) / 2) as centre,
        case when t.polarity = 'lower_is_better' then -1 else 1 end as direction
    from latest as t
    inner join spread as s
        on t.indicator_id = s.indicator_id and t.period_label = s.period_label
        and coalesce(t.sex, '') = s.sex_key and coalesce(t.age, '') = s.age_key
    where t.pick = 1
),

scaled as (
    select *,
        greatest(abs(min_value - centre), abs(max_value - centre), abs(coalesce(london_value, centre) - centre), 1e-9)
            as half_width
    from joined
)

select
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(sex as {{ dbt.type_string() }}) as sex,
    cast(age as {{ dbt.type_string() }}) as age,
    cast(period_label as {{ dbt.type_string() }}) as period_label,
    cast(value as double) as value,
    cast(lower_ci as double) as lower_ci,
    cast(upper_ci as double) as upper_ci,
    cast(london_value as double) as london_value,
    cast(england_value as double) as england_value,
    cast(comparison_with_england as {{ dbt.type_string() }}) as comparison_with_england,
    cast(comparison_with_england_source as {{ dbt.type_string() }}) as comparison_with_england_source,
    cast(comparison_with_london as {{ dbt.type_string() }}) as comparison_with_london,
    cast(rank_among_boroughs as integer) as rank_among_boroughs,
    cast(n_boroughs_ranked as integer) as n_boroughs_ranked,
    cast(min_value as double) as min_value,
    cast(p25 as double) as p25,
    cast(p75 as double) as p75,
    cast(max_value as double) as max_value,
    cast(case when england_value is null then 'London' else 'England' end as {{ dbt.type_string() }}) as centre_label,
    cast(50 + 45 * direction * (min_value - centre) / half_width as double) as x_min,
    cast(50 + 45 * direction * (max_value - centre) / half_width as double) as x_max,
    cast(50 + 45 * direction * (p25 - centre) / half_width as double) as x_p25,
    cast(50 + 45 * direction * (p75 - centre) / half_width as double) as x_p75,
    cast(50 + 45 * direction * (value - centre) / half_width as double) as x_borough,
    cast(case when london_value is null then null else 50 + 45 * direction * (london_value - centre) / half_width end
        as double) as x_london
from scaled
