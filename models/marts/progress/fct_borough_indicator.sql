-- One row per London borough, indicator, period and breakdown: the value with its 95% CI (published, or Wilson
-- from count/denominator), compared with London and England, ranked among the boroughs, with the borough's
-- deprivation fifth and IMD rank from the English Indices of Deprivation 2025 (dim_area.imd2025_*).
-- Comparisons come three ways (docs/methods.md): the publisher's own (word for word, and in our vocabulary), ours
-- (computed_comparison_with_*: from the CI, or a Wilson CI from count/denominator), and the displayed one
-- (comparison_with_*: ours where computable, else the publisher's) with comparison_with_*_source saying whose.
with values_all as {{ not_materialized() }} (
    select * from {{ ref('int_indicator_values_enriched') }}
),

boroughs as (
    select area_code, area_name, imd2025_fifth, imd2025_rank_of_average_score
    from {{ ref('dim_area') }}
    where is_london_borough
),

indicators as (
    select indicator_id, polarity from {{ ref('dim_indicator') }}
),

benchmarks as (
    select
        comparison_key,
        max(case when area_code = {{ london_code() }} then value end) as london_value,
        max(case when area_code = {{ london_code() }} then case when is_derived then 1 else 0 end end) as london_derived_flag,
        max(case when area_code = {{ england_code() }} then value end) as england_value
    from values_all
    where area_code in ({{ london_code() }}, {{ england_code() }})
    group by comparison_key
),

borough_values as {{ not_materialized() }} (
    select
        v.*, b.imd2025_fifth, b.imd2025_rank_of_average_score, i.polarity,
        {{ publisher_comparison_word('v.publisher_comparison_england') }} as publisher_england_word,
        {{ publisher_comparison_word('v.publisher_comparison_london') }} as publisher_london_word
    from values_all as v
    inner join boroughs as b on v.area_code = b.area_code
    left join indicators as i on v.indicator_id = i.indicator_id
),

compared as (
    select
        bv.*,
        {{ compare_with_benchmark('bv.value', 'bv.lower_ci', 'bv.upper_ci', 'bm.london_value', 'bv.polarity') }} as computed_london,
        {{ compare_with_benchmark('bv.value', 'bv.lower_ci', 'bv.upper_ci', 'bm.england_value', 'bv.polarity') }} as computed_england,
        bm.london_value, bm.london_derived_flag, bm.england_value
    from borough_values as bv
    left join benchmarks as bm on bv.comparison_key = bm.comparison_key
),

-- Ranks on a narrow projection (comparison, borough, the value in "better first" order), joined back: a window
-- over the wide rows held every column of every borough row in memory at once (out of memory at national scale).
-- Both windows share one partition and order (missing values sort last, so they never push a value's rank down),
-- so the engine sorts once.
rank_input as (
    select
        comparison_key,
        area_code,
        case when polarity = 'lower_is_better' then value else -value end as better_first
    from borough_values
),

ranks as (
    select
        comparison_key,
        area_code,
        case when better_first is not null then
            rank() over (partition by comparison_key order by better_first nulls last)
        end as rank_among_boroughs,
        count(better_first) over (
            partition by comparison_key order by better_first nulls last
            rows between unbounded preceding and unbounded following
        ) as n_boroughs_ranked
    from rank_input
),

ranked as (
    select c.*, rk.rank_among_boroughs, rk.n_boroughs_ranked
    from compared as c
    inner join ranks as rk on c.comparison_key = rk.comparison_key and c.area_code = rk.area_code
)

select
    {{ dbt.concat(['r.series_key', "'|'", 'r.period_label']) }} as borough_indicator_key,
    r.area_code,
    r.area_name,
    r.indicator_id,
    r.period_label,
    cast(r.period_start as date) as period_start,
    cast(r.period_end as date) as period_end,
    r.sex,
    r.age,
    r.category_type,
    r.category,
    cast(r.value as double) as value,
    cast(r.lower_ci as double) as lower_ci,
    cast(r.upper_ci as double) as upper_ci,
    r.ci_method,
    cast(r.count as double) as count,
    cast(r.denominator as double) as denominator,
    r.value_note,
    r.unit,
    r.polarity,
    cast(r.london_value as double) as london_value,
    case when r.london_derived_flag = 1 then true when r.london_derived_flag = 0 then false end as london_is_derived,
    r.publisher_comparison_london,
    r.computed_london as computed_comparison_with_london,
    {{ displayed_comparison('r.computed_london', 'r.publisher_london_word') }} as comparison_with_london,
    {{ comparison_source('r.computed_london', 'r.publisher_london_word') }} as comparison_with_london_source,
    cast(r.england_value as double) as england_value,
    r.publisher_comparison_england,
    r.computed_england as computed_comparison_with_england,
    {{ displayed_comparison('r.computed_england', 'r.publisher_england_word') }} as comparison_with_england,
    {{ comparison_source('r.computed_england', 'r.publisher_england_word') }} as comparison_with_england_source,
    r.publisher_trend,
    case
        when r.value is null then 'no value for this borough and period'
        when (r.lower_ci is null or r.upper_ci is null) and coalesce(r.publisher_england_word, r.publisher_london_word) is not null
            then 'no confidence interval published and no count/denominator to compute one: the publisher''s own comparison is shown'
        when r.lower_ci is null or r.upper_ci is null then 'no confidence interval published and no count/denominator to compute one'
    end as comparison_note,
    cast(r.rank_among_boroughs as integer) as rank_among_boroughs,
    cast(r.n_boroughs_ranked as integer) as n_boroughs_ranked,
    cast(r.imd2025_fifth as integer) as imd2025_fifth,
    cast(r.imd2025_rank_of_average_score as integer) as imd2025_rank_of_average_score,
    r.source_id
from ranked as r
