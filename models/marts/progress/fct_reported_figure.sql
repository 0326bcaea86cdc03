-- Every reported figure of the programme returns (not official statistics) with its provenance, one row per figure
-- and plan target it is mapped to in the curated seed target_reported_measure (one row with no target when it is
-- mapped to none): publisher and how official it is, page title, link, publication date, the verbatim quote and the
-- compiler's note, how well it answers the target (exact, proxy, context), whether it is a bound, whether another
-- figure for the same date disagrees, and whether it is the figure that counts for the target's status and why
-- (docs/methods.md, "Targets judged on reported figures").
with figures as (
    select * from {{ ref('int_reported_figures_unioned') }}
),

assessed as (
    select * from {{ ref('int_target_reported_figures') }}
),

unmapped as (
    select f.*
    from figures as f
    left join (select distinct source_id, return_id from assessed) as a
        on f.source_id = a.source_id and f.return_id = a.return_id
    where a.return_id is null
),

status as (
    select target_id, source_id as counting_source_id, return_id as counting_return_id, status from {{ ref('fct_target_reported_status') }}
),

rows_all as (
    select
        a.return_id, a.target_id, a.commitment_id, a.measure, a.series, a.fit, a.fit_rationale,
        a.value, a.unit, a.bound, a.basis, a.period_start, a.period_end, a.figure_date, a.area_code,
        a.publisher, a.publisher_label, a.publisher_standing, a.page_title, a.url, a.published, a.quote, a.note, a.target_ids,
        a.counting_order, a.n_conflicting, a.is_after_deadline, a.meets_target, a.source_id, a.snapshot_sha256
    from assessed as a
    union all
    select
        u.return_id, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), u.measure,
        cast(null as {{ dbt.type_string() }}), 'context', 'Not mapped to any target of the plan (context only)',
        u.value, u.unit, {{ reported_bound('u.value', 'u.quote', 'u.note') }}, u.basis, u.period_start, u.period_end,
        coalesce(u.period_end, u.published), u.area_code,
        u.publisher, coalesce(p.reader_name, u.publisher), coalesce(p.standing, 'other'), u.page_title, u.url, u.published, u.quote, u.note, u.target_ids,
        cast(null as integer), 0, false, cast(null as {{ dbt.type_string() }}), u.source_id, u.snapshot_sha256
    from unmapped as u
    left join {{ ref('reported_publisher') }} as p on u.publisher = p.publisher
)

select
    {{ dbt.concat(['r.source_id', "'|'", 'r.return_id', "'|'", "coalesce(r.target_id, '')"]) }} as reported_figure_key,
    r.return_id,
    r.target_id,
    r.commitment_id,
    r.measure,
    r.series,
    r.fit,
    r.fit_rationale,
    cast(r.value as double) as value,
    r.unit,
    r.bound,
    r.basis,
    cast(r.period_start as date) as period_start,
    cast(r.period_end as date) as period_end,
    cast(r.figure_date as date) as figure_date,
    r.area_code,
    r.publisher,
    r.publisher_label,
    r.publisher_standing,
    r.page_title,
    r.url,
    cast(r.published as date) as published,
    r.quote,
    r.note,
    r.target_ids as target_ids_as_published,
    case when r.n_conflicting > 0 then true else false end as has_conflict,
    -- the figures shown side by side share this key: target, series and date
    case when r.n_conflicting > 0 then {{ dbt.concat(['r.target_id', "'|'", 'r.series', "'|'", 'cast(r.figure_date as ' ~ dbt.type_string() ~ ')']) }}
    end as conflict_key,
    case when s.counting_source_id = r.source_id and s.counting_return_id = r.return_id then true else false end as is_counting,
    case
        when r.target_id is null then 'Not mapped to a target: shown as context.'
        when r.fit = 'context' then 'Context: it does not measure the target (see the fit rationale), so it never counts.'
        when s.counting_source_id = r.source_id and s.counting_return_id = r.return_id then
            'Counts: the first by the rule (exact before proxy, then the reviewer''s preferred series, then the latest figure dated by the deadline, then the more official publisher, the later publication and, still tied, the figure less favourable to the target).'
        when r.n_conflicting > 0 then
            'Does not count: another figure for the same date disagrees and wins on the rule (the more official publisher, then the later publication, then the figure less favourable to the target).'
        else {{ dbt.concat(["'Does not count: figure '", 'cast(r.counting_order as ' ~ dbt.type_string() ~ ')',
            "' in the rule''s order for this target (exact before proxy, then the preferred series, then the latest dated by the deadline).'"]) }}
    end as counting_reason,
    s.status as target_status,
    'reported figure' as evidence_kind,
    r.source_id,
    r.snapshot_sha256
from rows_all as r
left join status as s on r.target_id = s.target_id
