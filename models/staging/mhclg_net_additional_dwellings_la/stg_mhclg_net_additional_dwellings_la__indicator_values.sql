-- generated from the source registry (ingest/registry/mhclg_net_additional_dwellings_la.yml) by `his generate`: do not edit
-- Net additional dwellings by local authority district (Live Table 122) and region (Live Table 118), England: every indicator dataset of source mhclg_net_additional_dwellings_la, canonical columns with portable types.
{{ config(tags=['indicator']) }}
{{ indicator_staging([
    lake_source('mhclg_net_additional_dwellings_la', 'net_additional_dwellings')
]) }}
