-- generated from the source registry (ingest/registry/dft_cw0302_cycling_by_la.yml) by `his generate`: do not edit
-- DfT table CW0302: proportion of adults who cycle, by purpose, frequency and local authority (Active Lives): every indicator dataset of source dft_cw0302_cycling_by_la, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('dft_cw0302_cycling_by_la', 'cycling_travel'),
    lake_source('dft_cw0302_cycling_by_la', 'cycling_leisure'),
    lake_source('dft_cw0302_cycling_by_la', 'cycling_any_purpose')
]) }}
