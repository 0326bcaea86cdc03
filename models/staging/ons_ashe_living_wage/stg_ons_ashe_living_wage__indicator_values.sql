-- generated from the source registry (ingest/registry/ons_ashe_living_wage.yml) by `his generate`: do not edit
-- Number and proportion of employee jobs with hourly pay below the Living Wage, by work geography (ASHE): every indicator dataset of source ons_ashe_living_wage, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('ons_ashe_living_wage', 'living_wage_jobs_below')
]) }}
