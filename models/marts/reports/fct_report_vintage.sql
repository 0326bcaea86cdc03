{{ config(materialized='view') }}
-- One row for the footer of every report page: the latest indicator period in the warehouse and the outcome of
-- the latest run of each quality gate. A view (like fct_quality_check, which it reads), so it includes gate 2,
-- which runs after `dbt build`; the report stage snapshots it once, and each of the ~300 pages reads one row.
with latest_run as (
    select gate, max(run_at) as run_at
    from {{ ref('fct_quality_check') }}
    group by gate
),

checks as (
    select
        count(*) as n_checks,
        sum(case when not q.success and q.severity = 'error' then 1 else 0 end) as n_errors,
        sum(case when not q.success and q.severity = 'warn' then 1 else 0 end) as n_warnings,
        max(q.run_at) as last_check_at
    from {{ ref('fct_quality_check') }} as q
    inner join latest_run as l on q.gate = l.gate and q.run_at = l.run_at
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
