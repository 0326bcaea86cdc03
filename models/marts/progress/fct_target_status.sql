-- One answer per target of the plan, the one the site's counts and pages read: the status from official
-- statistics (fct_commitment_progress: an indicator that measures the target; of several, off track before
-- uncertain before on track, as the home page counts) when it judges the target, otherwise the status from
-- reported figures (fct_target_reported_status), otherwise not enough data. Each row says which kind of evidence
-- gave the answer (evidence_kind: 'official statistic' or 'reported figure', never mixed), its rule in words, and
-- for a reported figure the figure, its date, publisher, page and quote (docs/methods.md, "One answer per target").
with official_ranked as (
    select
        p.*,
        row_number() over (
            partition by p.target_id
            order by case p.status when 'off_track' then 1 when 'uncertain' then 2 when 'on_track' then 3
                when 'not_enough_data' then 4 else 5 end, p.indicator_id
        ) as pick
    from {{ ref('fct_commitment_progress') }} as p
),

official as (
    select * from official_ranked where pick = 1
),

reported as (
    select * from {{ ref('fct_target_reported_status') }}
)

select
    r.target_id,
    r.commitment_id,
    r.target_metric,
    r.target_value,
    r.target_unit,
    r.target_year,
    r.target_direction,
    case
        when o.status in ('on_track', 'uncertain', 'off_track') then o.status
        else r.status
    end as status,
    case
        when o.status in ('on_track', 'uncertain', 'off_track') or r.status in ('achieved', 'on_track', 'uncertain', 'off_track')
            then cast(null as {{ dbt.type_string() }})
        when r.status = 'no_numeric_target' then cast(null as {{ dbt.type_string() }})
        when r.not_enough_data_reason <> 'no_reported_figure' then r.not_enough_data_reason
        else coalesce(o.not_enough_data_reason, r.not_enough_data_reason)
    end as not_enough_data_reason,
    case
        when o.status in ('on_track', 'uncertain', 'off_track') then 'official statistic'
        when r.status in ('achieved', 'on_track', 'uncertain', 'off_track') then 'reported figure'
        else 'none'
    end as evidence_kind,
    case
        when o.status in ('on_track', 'uncertain', 'off_track') then o.status_rule
        when r.status in ('achieved', 'on_track', 'uncertain', 'off_track') then r.status_rule
        when r.status = 'no_numeric_target' then r.status_rule
        -- neither judges: the reported path's reason when some reported figure was found, else the official one's
        when r.not_enough_data_reason <> 'no_reported_figure' then r.status_rule
        else coalesce(o.status_rule, r.status_rule)
    end as status_rule,
    o.status as official_status,
    o.indicator_id as official_indicator_id,
    o.status_rule as official_status_rule,
    r.status as reported_status,
    r.status_rule as reported_status_rule,
    r.not_enough_data_reason as reported_not_enough_data_reason,
    r.fit as reported_fit,
    cast(r.value as double) as reported_value,
    r.unit as reported_unit,
    r.bound as reported_bound,
    cast(r.figure_date as date) as reported_figure_date,
    r.publisher as reported_publisher,
    r.page_title as reported_page_title,
    r.url as reported_url,
    r.measure as reported_measure,
    r.quote as reported_quote,
    r.has_conflict as reported_has_conflict
from reported as r
left join official as o on r.target_id = o.target_id
