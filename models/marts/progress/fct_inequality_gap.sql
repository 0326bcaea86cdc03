-- One row per indicator, period and breakdown with borough values: inequality between London boroughs by
-- deprivation, the IMD of the English Indices of Deprivation edition var inequality_imd_edition (default 2025;
-- 2019 reproduces older analyses; the edition is in column imd_edition). Fifth means are unweighted means of the
-- borough values in the most deprived fifth (dim_area.imd<edition>_fifth = 1) and the least deprived fifth (5);
-- gap = most - least, ratio = most / least. The slope index of inequality ranks boroughs by the same edition's
-- IMD rank of average score (most deprived first), weights them by population and gives the modelled least-
-- minus most-deprived difference with a 95% CI (docs/methods.md).
-- Coverage rule: gap, ratio and SII are given only when at least var inequality_min_boroughs (default 25 of 33)
-- boroughs have a value and each end fifth has at least var inequality_min_per_fifth (default 2), so a year with a
-- handful of published boroughs (e.g. NCMP 2020/21) does not produce a spurious gap. Counts (value_type count) have
-- no rows: a gap between boroughs' counts measures their size, not inequality.
{%- set z = z_value(0.95) %}
{%- set min_boroughs = var('inequality_min_boroughs', 25) %}
{%- set min_fifth = var('inequality_min_per_fifth', 2) %}
{%- set edition = var('inequality_imd_edition', 2025) | string %}
{%- if edition not in ['2025', '2019'] %}
{{ exceptions.raise_compiler_error("var inequality_imd_edition must be 2025 or 2019 (the IoD editions in dim_area), got " ~ edition) }}
{%- endif %}

with borough_values as (
    select
        v.comparison_key, v.indicator_id, v.period_label, v.period_start, v.period_end,
        v.sex, v.age, v.category_type, v.category, v.value, v.lower_ci, v.upper_ci,
        case when v.upper_ci > v.lower_ci then (v.upper_ci - v.lower_ci) / (2 * {{ z }}) end as se,
        a.imd{{ edition }}_fifth as deprivation_fifth,
        a.imd{{ edition }}_rank_of_average_score as imd_rank,
        a.population
    from {{ ref('int_indicator_values_enriched') }} as v
    inner join {{ ref('dim_area') }} as a on v.area_code = a.area_code
    where a.is_london_borough and v.value is not null
        -- counts (e.g. dwellings completed) are left out: a borough's count follows its size, so a gap or slope
        -- between boroughs' counts is not an inequality (docs/methods.md)
        and coalesce(v.value_type, '') <> 'count'
),

fifths as (
    select
        comparison_key,
        max(indicator_id) as indicator_id,
        max(period_label) as period_label,
        max(period_start) as period_start,
        max(period_end) as period_end,
        max(sex) as sex,
        max(age) as age,
        max(category_type) as category_type,
        max(category) as category,
        count(*) as n_boroughs,
        {{ ordered_avg('case when deprivation_fifth = 1 then value end') }} as most_deprived_fifth_mean,
        count(case when deprivation_fifth = 1 then value end) as n_most_deprived,
        {{ ordered_avg('case when deprivation_fifth = 5 then value end') }} as least_deprived_fifth_mean,
        count(case when deprivation_fifth = 5 then value end) as n_least_deprived
    from borough_values
    group by comparison_key
),

sii as (
    {{ slope_index_of_inequality('borough_values', ['comparison_key'], 'imd_rank', 'value', 'population', 'se') }}
)

{%- set covered = '(f.n_boroughs >= ' ~ min_boroughs ~ ' and f.n_most_deprived >= ' ~ min_fifth ~ ' and f.n_least_deprived >= ' ~ min_fifth ~ ')' %}
select
    f.comparison_key as inequality_key,
    f.indicator_id,
    f.period_label,
    cast(f.period_start as date) as period_start,
    cast(f.period_end as date) as period_end,
    f.sex,
    f.age,
    f.category_type,
    f.category,
    cast(f.n_boroughs as integer) as n_boroughs,
    cast(f.n_most_deprived as integer) as n_most_deprived,
    cast(f.n_least_deprived as integer) as n_least_deprived,
    cast(f.most_deprived_fifth_mean as double) as most_deprived_fifth_mean,
    cast(f.least_deprived_fifth_mean as double) as least_deprived_fifth_mean,
    case when {{ covered }} then {{ inequality_gap('f.most_deprived_fifth_mean', 'f.least_deprived_fifth_mean') }} end as gap,
    case when {{ covered }} then {{ inequality_ratio('f.most_deprived_fifth_mean', 'f.least_deprived_fifth_mean') }} end as ratio,
    case when {{ covered }} and s.n_units >= 3 then s.sii end as sii,
    case when {{ covered }} and s.n_units >= 3 then s.sii_lower_ci end as sii_lower_ci,
    case when {{ covered }} and s.n_units >= 3 then s.sii_upper_ci end as sii_upper_ci,
    case when {{ covered }} and s.n_units >= 3 then s.sii_ci_method end as sii_ci_method,
    i.polarity,
    i.unit,
    cast('IoD{{ edition }}' as {{ dbt.type_string() }}) as imd_edition
from fifths as f
left join sii as s on f.comparison_key = s.comparison_key
left join {{ ref('dim_indicator') }} as i on f.indicator_id = i.indicator_id
