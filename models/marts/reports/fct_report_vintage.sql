{{ config(materialized='view') }}
-- One row for the footer of every report page: the latest indicator period in the warehouse and the outcome of
-- the latest quality-gate run of each dataset. A view (like fct_quality_check, which it reads), so it includes gate 2,
-- which runs after `dbt build`; the report stage snapshots it once, and each of the ~300 pages reads one row.
with checks as (
    -- the latest run of each gate and dataset (fct_quality_check.is_latest_run): an unchanged dataset keeps the
    -- run that last checked it, so a rebuild with nothing changed gives the same counts
    select
        count(*) as n_checks,
        sum(case when not success and severity = 'error' then 1 else 0 end) as n_errors,
        sum(case when not success and severity = 'warn' then 1 else 0 end) as n_warnings,
        max(run_at) as last_check_at
    from {{ ref('fct_quality_check') }}
    where is_latest_run
),

periods as (
    select max(period_end) as latest_period_end
    from {{ ref('fct_indicator_value') }}
    where value is not null
)

select
    cast(p.latest_period_end as date) as latest_period_end,
    cast(c.last_check_at as timestamp) as last_check_at,
    cast(coalesce(c.n_checks, 0) as integer) as n_checks,
    cast(coalesce(c.n_errors, 0) as integer) as n_errors,
    cast(coalesce(c.n_warnings, 0) as integer) as n_warnings,
    cast(case
        when coalesce(c.n_checks, 0) = 0 then 'not checked'
        when c.n_errors > 0 then 'failed checks'
        when c.n_warnings > 0 then 'passed with warnings'
        else 'passed'
    end as {{ dbt.type_string() }}) as quality_status
from periods as p
cross join checks as c
