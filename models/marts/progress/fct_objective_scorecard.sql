-- One row per objective (and 'strategy', the strategy as a whole) and linked indicator breakdown: the latest
-- London value (publisher's or derived from boroughs), its comparison with England (ours where computable, else the
-- publisher's, saying whose), the London trend and the
-- latest inequality gap between the most and least deprived fifths of boroughs (fct_inequality_gap: IoD2025
-- IMD fifths). Objectives with no linked indicator get one row with a null indicator so the scorecard shows the
-- gap in evidence.
with objectives as (
    select cast(objective_id as {{ dbt.type_string() }}) as objective_id, cast(aim_id as integer) as aim_id,
        title as objective_title, 'objective' as scope
    from {{ ref('dim_objective') }}
    union all
    select 'strategy', cast(null as integer), 'The Health Inequalities Strategy as a whole', 'strategy'
),

map as (
    select commitment_or_objective_id, indicator_id, role from {{ ref('commitment_indicator_map') }}
),

london_values as (
    select * from {{ ref('int_indicator_values_enriched') }}
    where area_code = {{ london_code() }} and value is not null
        and coalesce(category_type, '') = '' and coalesce(category, '') = ''
),

london_latest as (
    select *
    from (
        select london_values.*,
            row_number() over (partition by series_key order by period_start desc, period_end desc) as latest_pick
        from london_values
    ) as ranked
    where latest_pick = 1
),

england as (
    select comparison_key, value as england_value
    from {{ ref('int_indicator_values_enriched') }}
    where area_code = {{ england_code() }}
),

gaps_latest as (
    select *
    from (
        select g.*,
            row_number() over (
                partition by g.indicator_id, {{ breakdown_key('g.sex', 'g.age', 'g.category_type', 'g.category') }}
                order by g.period_start desc, g.period_end desc
            ) as latest_pick
        from {{ ref('fct_inequality_gap') }} as g
        where g.gap is not null
    ) as ranked
    where latest_pick = 1
)

select
    {{ dbt.concat(['o.objective_id', "'|'", "coalesce(m.indicator_id, '')", "'|'", "coalesce(ll.breakdown_key, '')"]) }} as scorecard_key,
    o.objective_id,
    o.scope,
    o.aim_id,
    o.objective_title,
    m.indicator_id,
    i.indicator_name,
    m.role,
    i.unit,
    i.polarity,
    ll.sex,
    ll.age,
    ll.period_label as latest_period,
    cast(ll.value as double) as london_value,
    cast(ll.lower_ci as double) as london_lower_ci,
    cast(ll.upper_ci as double) as london_upper_ci,
    ll.is_derived as london_is_derived,
    cast(e.england_value as double) as england_value,
    ll.publisher_comparison_england,
    {{ compare_with_benchmark('ll.value', 'll.lower_ci', 'll.upper_ci', 'e.england_value', 'i.polarity') }} as computed_comparison_with_england,
    {{ displayed_comparison(compare_with_benchmark('ll.value', 'll.lower_ci', 'll.upper_ci', 'e.england_value', 'i.polarity'),
        publisher_comparison_word('ll.publisher_comparison_england')) }} as comparison_with_england,
    {{ comparison_source(compare_with_benchmark('ll.value', 'll.lower_ci', 'll.upper_ci', 'e.england_value', 'i.polarity'),
        publisher_comparison_word('ll.publisher_comparison_england')) }} as comparison_with_england_source,
    tr.trend_direction,
    tr.trend_assessment,
    tr.trend_method,
    tr.slope_per_year,
    g.period_label as inequality_period,
    g.most_deprived_fifth_mean,
    g.least_deprived_fifth_mean,
    g.gap as inequality_gap,
    g.ratio as inequality_ratio,
    g.sii,
    g.sii_lower_ci,
    g.sii_upper_ci,
    case
        when m.indicator_id is null then 'no published statistic is linked to this objective yet'
        when ll.value is null then 'no London figure has been published or could be worked out from the boroughs'
    end as evidence_note
from objectives as o
left join map as m on o.objective_id = m.commitment_or_objective_id
left join {{ ref('dim_indicator') }} as i on m.indicator_id = i.indicator_id
left join london_latest as ll on m.indicator_id = ll.indicator_id
left join england as e on ll.comparison_key = e.comparison_key
left join {{ ref('int_indicator_trends_fitted') }} as tr on ll.series_key = tr.series_key
left join gaps_latest as g
    on ll.indicator_id = g.indicator_id
    and ll.breakdown_key = {{ breakdown_key('g.sex', 'g.age', 'g.category_type', 'g.category') }}
