-- One row per indicator with a London value: London's headline series on a yearly footing
-- (int_indicator_values_annualised), the one the progress marts judge. Headline = persons (or no sex split), no
-- category, the longest such series (ties by series_key); an indicator published only by category (e.g. HIV late
-- diagnosis by ethnic group) falls back to its longest category series. With the latest period (label, end date,
-- value, 95% CI, derived or published) and the number of values.
with london_values as (
    select *
    from {{ ref('int_indicator_values_annualised') }}
    where area_code = {{ london_code() }} and value is not null
),

london_series as (
    select
        series_key,
        max(indicator_id) as indicator_id,
        max(case when coalesce(category_type, '') = '' and coalesce(category, '') = '' then 0 else 1 end) as has_category,
        max(case when sex is null or lower(sex) in ('persons', 'all', 'total') then 0 else 1 end) as is_split_by_sex,
        count(*) as n_values
    from london_values
    group by series_key
),

headline as (
    select series_key, indicator_id, n_values
    from (
        select
            london_series.*,
            row_number() over (
                partition by indicator_id order by has_category, is_split_by_sex, n_values desc, series_key
            ) as pick
        from london_series
    ) as ranked
    where pick = 1
),

latest as (
    select *
    from (
        select
            v.*,
            row_number() over (partition by v.series_key order by v.period_start desc, v.period_end desc) as latest_pick
        from london_values as v
        inner join headline as h on v.series_key = h.series_key
    ) as ranked
    where latest_pick = 1
)

select
    h.indicator_id,
    h.series_key,
    cast(h.n_values as integer) as n_values,
    l.sex,
    l.age,
    l.category_type,
    l.category,
    l.period_label as latest_period,
    cast(l.period_end as date) as latest_period_end,
    l.period_mid_year as latest_mid_year,
    l.value as latest_value,
    l.lower_ci as latest_lower_ci,
    l.upper_ci as latest_upper_ci,
    l.is_derived as latest_is_derived
from headline as h
inner join latest as l on h.series_key = l.series_key
