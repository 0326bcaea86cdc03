-- generated from the source registry (ingest/registry/gla_his_indicators.yml) by `his generate`: do not edit
-- London Health Inequalities Strategy indicators (GLA/OHID London workbook, Nov 2024 update): every indicator dataset of source gla_his_indicators, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('gla_his_indicators', 'his_healthy_life_expectancy'),
    lake_source('gla_his_indicators', 'his_low_birth_weight'),
    lake_source('gla_his_indicators', 'his_school_readiness_fsm'),
    lake_source('gla_his_indicators', 'his_excess_weight_year6'),
    lake_source('gla_his_indicators', 'his_excess_weight_reception'),
    lake_source('gla_his_indicators', 'his_suicide_rate'),
    lake_source('gla_his_indicators', 'his_pm25_mortality_fraction'),
    lake_source('gla_his_indicators', 'his_employment_gap_ltc'),
    lake_source('gla_his_indicators', 'his_belonging'),
    lake_source('gla_his_indicators', 'his_hiv_late_diagnosis'),
    lake_source('gla_his_indicators', 'his_tb_incidence'),
    lake_source('gla_his_indicators', 'his_active_travel'),
    lake_source('gla_his_indicators', 'his_smoking_prevalence')
]) }}
