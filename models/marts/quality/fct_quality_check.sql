{{ config(materialized='view') }}
-- One row per expectation per quality-gate run. A view over the results file, so the reports always
-- see the latest run, including gate 2 (which runs after `dbt build`, on the candidate warehouse).
with results as (
    select * from {{ ref('stg_quality__gate_results') }}
),

latest as (
    select
        gate,
        dataset,
        max(run_at) as latest_run_at
    from results
    group by gate, dataset
)

select
    r.run_id,
    r.run_at,
    r.gate,
    r.dataset,
    r.snapshot_sha256,
    r.check_name,
    r.expectation,
    r.column_name,
    r.severity,
    r.success,
    case
        when r.success then 'passed'
        when r.severity = 'error' then 'failed'
        else 'warning'
    end as status,
    r.observed_value,
    r.unexpected_count,
    r.failing_rows_sample,
    r.expectation_kwargs,
    case when r.run_at = l.latest_run_at then true else false end as is_latest_run
from results as r
inner join latest as l
    on r.gate = l.gate and r.dataset = l.dataset
