-- generated from the source registry (ingest/registry/mhclg_affordable_housing_supply_la.yml) by `his generate`: do not edit
-- Affordable housing supply: completions by local authority and tenure, England, 1991-92 to 2023-24: every indicator dataset of source mhclg_affordable_housing_supply_la, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('mhclg_affordable_housing_supply_la', 'affordable_housing_completions')
]) }}
