-- Indicator series taken from reported figures (programme returns), in the canonical indicator shape, so the
-- outcome-verdict rules judge them like any other series: the curated seed reported_measure_indicator says which
-- returns measure is a value of which catalogued indicator (e.g. the CHAIN annual headline counts of people seen
-- rough sleeping in London). Where two figures give the same indicator, area and period, the one that counts by the
-- reported-figures rule is kept (the more official publisher, then the later publication, then the lower return
-- id); the value note names its publisher and says it is a reported figure, not an official statistic.
with figures as (
    select f.*, m.indicator_id, coalesce(p.standing, 'other') as publisher_standing
    from {{ ref('int_reported_figures_unioned') }} as f
    inner join {{ ref('reported_measure_indicator') }} as m on f.measure = m.measure
    left join {{ ref('reported_publisher') }} as p on f.publisher = p.publisher
    where f.period_start is not null and f.period_end is not null
),

ranked as (
    select
        figures.*,
        row_number() over (
            partition by indicator_id, area_code, period_start, period_end
            order by case publisher_standing when 'official' then 1 when 'programme_partner' then 2 else 3 end,
                case when published is null then 1 else 0 end, published desc, source_id, return_id
        ) as pick
    from figures
),

labelled as (
    select
        ranked.*,
        cast(extract(year from period_start) as integer) as start_year,
        cast(extract(year from period_end) as integer) as end_year,
        cast(extract(month from period_start) as integer) as start_month,
        cast(extract(day from period_start) as integer) as start_day,
        cast(extract(month from period_end) as integer) as end_month,
        cast(extract(day from period_end) as integer) as end_day
    from ranked
    where pick = 1
)

select
    l.indicator_id,
    l.area_code,
    a.area_name,
    case when a.area_type is not null then a.area_type when l.area_code = {{ london_code() }} then 'region' else 'borough' end
        as area_type,
    -- financial years (1 April to 31 March) as "2022/23" (several as "2020/21-2021/22"), calendar years as "2022",
    -- anything else as its dates
    case
        when l.start_month = 4 and l.start_day = 1 and l.end_month = 3 and l.end_day = 31 and l.end_year = l.start_year + 1 then
            {{ dbt.concat(['cast(l.start_year as ' ~ dbt.type_string() ~ ')', "'/'",
                'substring(cast(l.end_year as ' ~ dbt.type_string() ~ '), 3, 2)']) }}
        when l.start_month = 4 and l.start_day = 1 and l.end_month = 3 and l.end_day = 31 then
            {{ dbt.concat(['cast(l.start_year as ' ~ dbt.type_string() ~ ')', "'/'",
                'substring(cast(l.start_year + 1 as ' ~ dbt.type_string() ~ '), 3, 2)', "'-'",
                'cast(l.end_year - 1 as ' ~ dbt.type_string() ~ ')', "'/'",
                'substring(cast(l.end_year as ' ~ dbt.type_string() ~ '), 3, 2)']) }}
        when l.start_month = 1 and l.start_day = 1 and l.end_month = 12 and l.end_day = 31 and l.end_year = l.start_year then
            cast(l.start_year as {{ dbt.type_string() }})
        else {{ dbt.concat(['cast(l.period_start as ' ~ dbt.type_string() ~ ')', "' to '", 'cast(l.period_end as ' ~ dbt.type_string() ~ ')']) }}
    end as period_label,
    cast(l.period_start as date) as period_start,
    cast(l.period_end as date) as period_end,
    cast(null as {{ dbt.type_string() }}) as sex,
    cast(null as {{ dbt.type_string() }}) as age,
    cast(null as {{ dbt.type_string() }}) as category_type,
    cast(null as {{ dbt.type_string() }}) as category,
    cast(l.value as double) as value,
    cast(null as double) as lower_ci,
    cast(null as double) as upper_ci,
    cast(null as double) as lower_ci_99_8,
    cast(null as double) as upper_ci_99_8,
    cast(null as double) as {{ adapter.quote('count') }},
    cast(null as double) as denominator,
    {{ dbt.concat(["'Reported figure, not an official statistic: '", 'l.publisher', "', '", 'l.page_title']) }} as value_note,
    cast(null as {{ dbt.type_string() }}) as publisher_comparison_england,
    cast(null as {{ dbt.type_string() }}) as publisher_comparison_london,
    cast(null as {{ dbt.type_string() }}) as publisher_trend,
    l.source_id,
    l.snapshot_sha256
from labelled as l
left join {{ ref('london_areas') }} as a on l.area_code = a.area_code
