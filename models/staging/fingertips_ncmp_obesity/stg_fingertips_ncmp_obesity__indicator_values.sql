{{ config(tags=['indicator']) }}
-- National Child Measurement Programme - prevalence of obesity, Reception and Year 6: every lake dataset of source fingertips_ncmp_obesity, canonical columns with portable types.
{{ indicator_staging([
    lake_source('fingertips_ncmp_obesity', 'ncmp_obesity_reception'),
    lake_source('fingertips_ncmp_obesity', 'ncmp_obesity_year6')
]) }}
