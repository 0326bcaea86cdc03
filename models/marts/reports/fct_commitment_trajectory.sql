-- The trajectory chart of each commitment's report page, for every commitment at once: London's headline series
-- of each linked indicator (fct_commitment_linked_indicator) and, for each target measured by an indicator, the
-- straight line from its baseline to its target level. London's series is the publisher's London row where
-- there is one, else the London value the progress marts derive from the boroughs; series published monthly
-- (air quality) are drawn as calendar-year means (fct_indicator_annual_mean), as the progress marts judge them.
-- Headline rows only (no sex other than persons, no category breakdown).
with annual as (
    select indicator_id, period_label, period_start, period_end, value
    from {{ ref('fct_indicator_annual_mean') }}
    where area_code = {{ london_code() }}
      and coalesce(category_type, '') = '' and coalesce(category, '') = ''
      and (sex is null or lower(sex) in ('persons', 'all', 'total'))
),

annualised_indicators as (
    select distinct indicator_id from annual
),

published as (
    select v.indicator_id, v.period_label, v.period_start, v.period_end, v.value
    from {{ ref('fct_indicator_value') }} as v
    where v.area_code = {{ london_code() }} and v.value is not null
      and v.indicator_id not in (select indicator_id from annualised_indicators)
      and coalesce(v.category_type, '') = '' and coalesce(v.category, '') = ''
      and (v.sex is null or lower(v.sex) in ('persons', 'all', 'total'))
),

derived as (
    select b.indicator_id, b.period_label, min(b.period_start) as period_start, max(b.period_end) as period_end,
        max(b.london_value) as value
    from {{ ref('fct_borough_indicator') }} as b
    left join published as p on p.indicator_id = b.indicator_id and p.period_label = b.period_label
    where b.london_value is not null
      and p.indicator_id is null
      and b.indicator_id not in (select indicator_id from annualised_indicators)
      and coalesce(b.category_type, '') = '' and coalesce(b.category, '') = ''
      and (b.sex is null or lower(b.sex) in ('persons', 'all', 'total'))
    group by b.indicator_id, b.period_label
),

observed as (
    select indicator_id, period_label, period_start, period_end, value, 'London (observed)' as series from published
    union all
    select indicator_id, period_label, period_start, period_end, value, 'London (observed)' from derived
    union all
    select indicator_id, period_label, period_start, period_end, value, 'London (observed, calendar-year mean)'
    from annual
),

baseline_points as (
    -- The baseline's dates: its period's where the label matches a charted period, else the year the label
    -- starts with (the progress mart may annualise monthly series, e.g. "2018").
    select p.commitment_id, p.indicator_id, p.target_id, p.target_year, p.target_level, p.baseline_value,
        p.baseline_period,
        coalesce(max(o.period_end), cast({{ dbt.concat(["substring(p.baseline_period, 1, 4)", "'-12-31'"]) }} as date))
            as baseline_date,
        coalesce(min(o.period_start), cast({{ dbt.concat(["substring(p.baseline_period, 1, 4)", "'-01-01'"]) }} as date))
            as baseline_start
    from {{ ref('fct_commitment_progress') }} as p
    left join observed as o on o.indicator_id = p.indicator_id and o.period_label = p.baseline_period
    where p.target_level is not null and p.baseline_value is not null
      and substring(p.baseline_period, 1, 4) between '1900' and '2999'
    group by p.commitment_id, p.indicator_id, p.target_id, p.target_year, p.target_level, p.baseline_value,
        p.baseline_period
),

target_year as (
    select commitment_id, indicator_id, target_id, target_level,
        cast(cast(target_year as integer) as {{ dbt.type_string() }}) as year_text
    from baseline_points
    where target_year is not null
),

charted as (
    select l.commitment_id, o.indicator_id, o.period_label, o.period_start, o.period_end, o.value, o.series
    from {{ ref('fct_commitment_linked_indicator') }} as l
    inner join observed as o on o.indicator_id = l.indicator_id
    union all
    select commitment_id, indicator_id, baseline_period, baseline_start, baseline_date, baseline_value,
        {{ dbt.concat(["'Trajectory to target '", "target_id"]) }}
    from baseline_points
    where target_year is not null
    union all
    select commitment_id, indicator_id, {{ dbt.concat(["year_text", "' (target)'"]) }},
        cast({{ dbt.concat(["year_text", "'-01-01'"]) }} as date), cast({{ dbt.concat(["year_text", "'-12-31'"]) }} as date),
        target_level, {{ dbt.concat(["'Trajectory to target '", "target_id"]) }}
    from target_year
)

select
    cast(commitment_id as {{ dbt.type_string() }}) as commitment_id,
    cast(indicator_id as {{ dbt.type_string() }}) as indicator_id,
    cast(series as {{ dbt.type_string() }}) as series,
    cast(period_label as {{ dbt.type_string() }}) as period_label,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(value as double) as value
from charted
