-- generated from the source registry (ingest/registry/dft_cw0301_walking_cycling_by_la.yml) by `his generate`: do not edit
-- DfT table CW0301: proportion of adults who walk or cycle, by frequency and local authority (Active Lives): every indicator dataset of source dft_cw0301_walking_cycling_by_la, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('dft_cw0301_walking_cycling_by_la', 'walking_or_cycling_any_purpose')
]) }}
