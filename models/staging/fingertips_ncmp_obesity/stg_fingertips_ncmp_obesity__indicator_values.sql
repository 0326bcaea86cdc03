-- generated from the source registry (ingest/registry/fingertips_ncmp_obesity.yml) by `his generate`: do not edit
-- National Child Measurement Programme - prevalence of obesity, Reception and Year 6: every indicator dataset of source fingertips_ncmp_obesity, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('fingertips_ncmp_obesity', 'ncmp_obesity_reception'),
    lake_source('fingertips_ncmp_obesity', 'ncmp_obesity_year6')
]) }}
