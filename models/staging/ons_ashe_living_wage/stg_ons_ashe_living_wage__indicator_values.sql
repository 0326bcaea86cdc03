{{ config(tags=['indicator']) }}
-- Number and proportion of employee jobs with hourly pay below the Living Wage, by work geography (ASHE): every lake dataset of source ons_ashe_living_wage, canonical columns with portable types.
{{ indicator_staging([
    lake_source('ons_ashe_living_wage', 'living_wage_jobs_below')
]) }}
