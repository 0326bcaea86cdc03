-- Every indicator value for the warehouse's geography (the areas of int_areas_ranked, as in dim_area: the 33
-- boroughs, Inner and Outer London, London and England),
-- plus London region rows derived from the boroughs where the publisher gives none,
-- with Wilson 95% intervals filled in where a count and denominator exist without a published CI, and the
-- publisher's own judgements (comparison with England and London, recent trend) word for word (null on derived rows).
-- London derivation (docs/methods.md): proportions with counts for every contributing borough use
-- sum(count) / sum(denominator); other proportions and means use the population-weighted mean of borough values
-- (weights: int_areas_ranked.population); counts (value_type count, e.g. affordable homes completed) are the sum of
-- the borough values, only when every London borough has a value (a sum over fewer would undercount);
-- rates and indicators listed in var london_not_derivable are not derived.
-- A derived proportion or mean needs at least var london_derivation_min_boroughs boroughs with a value.
-- Rows for other areas (a national source's other local authorities and regions) stay in the lake and in the view
-- int_indicator_values_unioned for analysts; like fct_indicator_value, this model keeps the warehouse's areas only
-- (at national scale the others are ~90% of the rows; reading the lake with this filter is cheap, writing them was not).
{%- set min_boroughs = var('london_derivation_min_boroughs', 30) %}
{%- set not_derivable = var('london_not_derivable', ['sii_life_expectancy']) %}

with values_published as (
    select * from {{ ref('int_indicator_values_unioned') }}
    where area_code in (select area_code from {{ ref('int_areas_ranked') }})
),

catalogue as (
    select indicator_id, unit, value_type from {{ ref('indicator_catalogue') }}
),

boroughs as (
    select area_code, population from {{ ref('int_areas_ranked') }} where is_london_borough
),

n_london_boroughs as (
    select count(*) as n_all_boroughs from boroughs
),

borough_values as (
    select v.*, b.population
    from values_published as v
    inner join boroughs as b on v.area_code = b.area_code
    where v.value is not null
),

london_published as (
    select distinct indicator_id, period_label, {{ breakdown_key() }} as breakdown_key
    from values_published
    where area_code = {{ london_code() }} and value is not null
),

borough_aggregates as (
    select
        indicator_id, period_label, period_start, period_end, sex, age, category_type, category,
        count(*) as n_boroughs,
        count(case when count is not null and denominator > 0 then 1 end) as n_with_counts,
        {{ ordered_sum('count') }} as sum_count,
        {{ ordered_sum('denominator') }} as sum_denominator,
        count(population) as n_with_population,
        {{ ordered_sum('value * population') }} / nullif({{ ordered_sum('case when population is not null then population end') }}, 0) as population_weighted_mean,
        {{ ordered_sum('value') }} as sum_value,
        max(source_id) as source_id,
        max(snapshot_sha256) as snapshot_sha256
    from borough_values
    group by indicator_id, period_label, period_start, period_end, sex, age, category_type, category
),

derived as (
    select
        a.indicator_id,
        {{ london_code() }} as area_code,
        'London' as area_name,
        'region' as area_type,
        a.period_label, a.period_start, a.period_end, a.sex, a.age, a.category_type, a.category,
        case
            when c.value_type = 'count' then a.sum_value
            when c.value_type = 'proportion' and a.n_with_counts = a.n_boroughs
                then {{ proportion_value('a.sum_count', 'a.sum_denominator', unit_multiplier('c.unit')) }}
            when a.n_with_population = a.n_boroughs then a.population_weighted_mean
        end as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        case when c.value_type = 'proportion' and a.n_with_counts = a.n_boroughs then a.sum_count end as count,
        case when c.value_type = 'proportion' and a.n_with_counts = a.n_boroughs then a.sum_denominator end as denominator,
        {{ dbt.concat(["'derived from '", 'cast(a.n_boroughs as ' ~ dbt.type_string() ~ ')', "' London boroughs'"]) }} as value_note,
        a.source_id,
        a.snapshot_sha256,
        true as is_derived,
        case
            when c.value_type = 'count' then 'sum_of_borough_counts'
            when c.value_type = 'proportion' and a.n_with_counts = a.n_boroughs then 'sum_counts_over_sum_denominators'
            else 'population_weighted_mean_of_boroughs'
        end as derivation_method,
        a.n_boroughs as n_boroughs_derived_from
    from borough_aggregates as a
    inner join catalogue as c on a.indicator_id = c.indicator_id
    cross join n_london_boroughs as nb
    left join london_published as lp
        on a.indicator_id = lp.indicator_id
        and a.period_label = lp.period_label
        and {{ breakdown_key('a.sex', 'a.age', 'a.category_type', 'a.category') }} = lp.breakdown_key
    where lp.indicator_id is null
        and a.n_boroughs >= {{ min_boroughs }}
        and c.value_type in ('proportion', 'mean', 'count')
        {% if not_derivable | length > 0 -%}
        and a.indicator_id not in ({% for i in not_derivable %}'{{ i }}'{% if not loop.last %}, {% endif %}{% endfor %})
        {%- endif %}
        and (
            (c.value_type = 'count' and a.n_boroughs = nb.n_all_boroughs)
            or (c.value_type = 'proportion' and a.n_with_counts = a.n_boroughs)
            or (c.value_type in ('proportion', 'mean') and a.n_with_population = a.n_boroughs)
        )
),

all_values as (
    select
        indicator_id, area_code, area_name, area_type, period_label, period_start, period_end,
        sex, age, category_type, category, value, lower_ci, upper_ci, count, denominator, value_note,
        publisher_comparison_england, publisher_comparison_london, publisher_trend,
        source_id, snapshot_sha256,
        false as is_derived,
        cast(null as {{ dbt.type_string() }}) as derivation_method,
        cast(null as integer) as n_boroughs_derived_from
    from values_published
    union all
    select
        indicator_id, area_code, area_name, area_type, period_label, period_start, period_end,
        sex, age, category_type, category, value, lower_ci, upper_ci, count, denominator, value_note,
        cast(null as {{ dbt.type_string() }}) as publisher_comparison_england,
        cast(null as {{ dbt.type_string() }}) as publisher_comparison_london,
        cast(null as {{ dbt.type_string() }}) as publisher_trend,
        source_id, snapshot_sha256, is_derived, derivation_method, n_boroughs_derived_from
    from derived
),

with_ci as (
    select
        v.*,
        c.unit,
        c.value_type,
        case
            when v.lower_ci is not null and v.upper_ci is not null then 'published'
            when c.value_type = 'proportion' and v.count is not null and v.denominator > 0 then 'wilson'
        end as ci_method,
        {{ wilson_lower('v.count', 'v.denominator', unit_multiplier('c.unit')) }} as wilson_lower_ci,
        {{ wilson_upper('v.count', 'v.denominator', unit_multiplier('c.unit')) }} as wilson_upper_ci
    from all_values as v
    left join catalogue as c on v.indicator_id = c.indicator_id
)

select
    indicator_id,
    area_code,
    area_name,
    area_type,
    period_label,
    period_start,
    period_end,
    {{ period_mid_year() }} as period_mid_year,
    sex,
    age,
    category_type,
    category,
    {{ breakdown_key() }} as breakdown_key,
    {{ dbt.concat(['indicator_id', "'|'", 'area_code', "'|'", breakdown_key()]) }} as series_key,
    {{ dbt.concat(['indicator_id', "'|'", 'period_label', "'|'", breakdown_key()]) }} as comparison_key,
    value,
    case when ci_method = 'published' then lower_ci when ci_method = 'wilson' then wilson_lower_ci end as lower_ci,
    case when ci_method = 'published' then upper_ci when ci_method = 'wilson' then wilson_upper_ci end as upper_ci,
    ci_method,
    count,
    denominator,
    value_note,
    publisher_comparison_england,
    publisher_comparison_london,
    publisher_trend,
    source_id,
    snapshot_sha256,
    unit,
    value_type,
    is_derived,
    derivation_method,
    n_boroughs_derived_from
from with_ci
