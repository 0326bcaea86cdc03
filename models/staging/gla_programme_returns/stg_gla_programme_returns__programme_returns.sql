-- generated from the source registry (ingest/registry/gla_programme_returns.yml) by `his generate`: do not edit
-- GLA programme delivery returns compiled from public statements (Health Inequalities Strategy Implementation Plan 2021-24): returns dataset programme_returns, one row per reported figure, typed (macros/returns_staging.sql).
{{ config(tags=['returns']) }}
{{ returns_staging(lake_source('gla_programme_returns', 'programme_returns')) }}
