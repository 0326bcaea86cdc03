-- One row per target of the plan: its status judged on reported figures (programme returns, not official
-- statistics), the one figure that counts with its date, publisher, page and quote, the baseline and straight path
-- it was compared with, and the rule in words (docs/methods.md, "Targets judged on reported figures"). Which figure
-- answers which target, and how well, is the curated seed target_reported_measure; the figure that counts is picked
-- in int_target_reported_figures (counting_order = 1). A proxy figure says at most "uncertain".
{%- set plan_start = var('plan_start_year', 2021) %}

with targets as (
    select target_id, commitment_id, metric, target_value, unit, target_year, direction
    from {{ ref('fct_commitment_target') }}
),

figures as (
    select * from {{ ref('int_target_reported_figures') }}
),

mapped_counts as (
    select
        target_id,
        count(*) as n_figures,
        count(case when fit <> 'context' then 1 end) as n_judging_figures
    from figures
    group by target_id
),

counting as (
    select * from figures where counting_order = 1
),

-- baseline of a level (not a running total): the figure of the same series nearest the middle of the plan's start
-- year, dated before the figure that counts
baseline_candidates as (
    select
        b.target_id,
        b.value as baseline_value,
        b.figure_date as baseline_date,
        b.figure_position as baseline_position,
        b.publisher as baseline_publisher,
        b.bound as baseline_bound,
        row_number() over (
            partition by b.target_id
            order by abs(b.figure_position - ({{ plan_start }} + 0.5e0)), b.standing_order,
                case when b.published is null then 1 else 0 end, b.published desc, b.source_id, b.return_id
        ) as baseline_pick
    from figures as b
    inner join counting as c
        on b.target_id = c.target_id and b.series = c.series
        and not (b.source_id = c.source_id and b.return_id = c.return_id)
    where b.fit <> 'context' and b.figure_position is not null and c.figure_position is not null
        and b.figure_position < c.figure_position and not c.is_running_total
),

joined as (
    select
        t.target_id,
        t.commitment_id,
        t.metric as target_metric,
        cast(t.target_value as double) as target_value,
        t.unit as target_unit,
        cast(t.target_year as integer) as target_year,
        t.direction as target_direction,
        coalesce(mc.n_figures, 0) as n_figures,
        coalesce(mc.n_judging_figures, 0) as n_judging_figures,
        c.source_id,
        c.return_id,
        c.measure,
        c.series,
        c.fit,
        c.fit_rationale,
        c.value,
        c.unit,
        c.bound,
        c.basis,
        c.period_start,
        c.period_end,
        c.figure_date,
        c.figure_position,
        c.deadline_position,
        c.publisher,
        c.publisher_label,
        c.publisher_standing,
        c.page_title,
        c.url,
        c.published,
        c.quote,
        c.note,
        c.target_level,
        c.success_when,
        c.meets_target,
        c.is_running_total,
        c.is_after_deadline,
        c.n_conflicting,
        -- a running total starts from nothing when its count starts (or at the plan's start when it does not say)
        case when c.is_running_total then cast(0 as double) else bl.baseline_value end as baseline_value,
        case when c.is_running_total then c.period_start else bl.baseline_date end as baseline_date,
        case when c.is_running_total then coalesce(c.start_position, {{ plan_start }} + 0.5e0)
            else bl.baseline_position end as baseline_position,
        case when c.is_running_total then c.publisher else bl.baseline_publisher end as baseline_publisher
    from targets as t
    left join mapped_counts as mc on t.target_id = mc.target_id
    left join counting as c on t.target_id = c.target_id
    left join baseline_candidates as bl on t.target_id = bl.target_id and bl.baseline_pick = 1
),

pathed as (
    select
        joined.*,
        case when baseline_position is not null and figure_position is not null and deadline_position is not null
                and target_level is not null and baseline_value is not null
                and figure_position > baseline_position and deadline_position > baseline_position
                and figure_position <= deadline_position then
            baseline_value + (target_level - baseline_value)
                * (figure_position - baseline_position) / (deadline_position - baseline_position)
        end as path_value_at_figure
    from joined
),

met as (
    select
        pathed.*,
        case
            when path_value_at_figure is null then cast(null as {{ dbt.type_string() }})
            else {{ bounded_meets('value', 'bound', 'path_value_at_figure') }}
        end as meets_path
    from pathed
),

-- the status before a proxy is capped, and the reason when there is not enough data
judged as (
    select
        met.*,
        case
            when target_value is null then 'no_numeric_target'
            when return_id is null then 'not_enough_data'
            when target_level is null then 'not_enough_data'
            when target_year is null then case when meets_target = 'yes' then 'achieved' else 'not_yet_reached' end
            when figure_position is null then case when meets_target = 'yes' then 'reached_date_unknown' else 'not_enough_data' end
            when is_after_deadline then
                case
                    when is_running_total and meets_target = 'no' then 'off_track'
                    when is_running_total and meets_target = 'yes' then 'reached_date_unknown'
                    else 'not_enough_data'
                end
            when meets_target = 'yes' then 'achieved'
            when figure_position >= deadline_position and meets_target = 'no' then 'off_track'
            when meets_path is null then 'not_enough_data'
            when meets_path = 'yes' then 'on_track'
            when meets_path = 'no' then 'off_track'
            else 'floor_below_path'
        end as raw_status,
        case
            when target_value is null then cast(null as {{ dbt.type_string() }})
            when return_id is null and coalesce(n_figures, 0) = 0 then 'no_reported_figure'
            when return_id is null then 'only_context_figures'
            when target_level is null then 'target_level_unknown'
            when target_year is null then cast(null as {{ dbt.type_string() }})
            when figure_position is null and meets_target <> 'yes' then 'undated_figure'
            when figure_position is null then cast(null as {{ dbt.type_string() }})
            when is_after_deadline and not (is_running_total and meets_target in ('yes', 'no')) then 'figure_after_deadline'
            when is_after_deadline then cast(null as {{ dbt.type_string() }})
            when meets_target = 'yes' then cast(null as {{ dbt.type_string() }})
            when figure_position >= deadline_position and meets_target = 'no' then cast(null as {{ dbt.type_string() }})
            when meets_path is null then 'no_baseline'
        end as not_enough_data_reason
    from met
),

statused as (
    select
        judged.*,
        case
            when raw_status in ('no_numeric_target', 'not_enough_data') then raw_status
            when fit = 'proxy' then 'uncertain'
            when raw_status in ('not_yet_reached', 'reached_date_unknown', 'floor_below_path') then 'uncertain'
            else raw_status
        end as status
    from judged
),

worded as (
    select
        statused.*,
        {{ dbt.concat(["case when bound = 'lower' then 'more than ' when bound = 'upper' then 'nearly ' else '' end",
            reported_value_words('value')]) }}
            as figure_words,
        {{ dbt.concat([
            "case when target_level = 0 then 'zero' else " ~ dbt.concat([
                "case when success_when = 'at_most' then 'at most ' else 'at least ' end", reported_value_words('target_level')]) ~ " end",
            "case when target_year is null then '' else " ~ dbt.concat(["' by the end of '", 'cast(target_year as ' ~ dbt.type_string() ~ ')']) ~ " end"]) }}
            as target_words,
        case
            when figure_date is null then 'at a date the page does not give'
            when basis = 'in_period' and period_start is not null and period_end is not null then
                {{ dbt.concat(["'for '", date_words('period_start'), "' to '", date_words('period_end')]) }}
            when basis = 'cumulative_since_start' and period_start is not null then
                {{ dbt.concat(["'from '", date_words('period_start'), "' to '", date_words('figure_date')]) }}
            when basis = 'cumulative_since_start' then {{ dbt.concat(["'by '", date_words('figure_date')]) }}
            else {{ dbt.concat(["'as at '", date_words('figure_date')]) }}
        end as date_phrase
    from statused
)

select
    target_id,
    commitment_id,
    target_metric,
    target_value,
    target_unit,
    target_year,
    target_direction,
    cast(n_figures as integer) as n_figures,
    cast(n_judging_figures as integer) as n_judging_figures,
    status,
    not_enough_data_reason,
    case
        when target_value is null then 'The plan states no number for this target.'
        when not_enough_data_reason = 'no_reported_figure' then 'No reported figure answers this target yet.'
        when not_enough_data_reason = 'only_context_figures' then
            'The reported figures found measure something else (shown as context), so none can judge this target.'
        when not_enough_data_reason = 'target_level_unknown' then {{ dbt.concat([
            'publisher_label', "' reported '", 'figure_words', "' '", 'date_phrase',
            "', but the plan gives no starting level for the reduction it seeks, so there is no level to compare it with.'"]) }}
        when not_enough_data_reason = 'undated_figure' then {{ dbt.concat([
            'publisher_label', "' reported '", 'figure_words', "' on a page that gives no date, short of the target of '",
            'target_words', "', so it cannot be set against the path to the deadline.'"]) }}
        when not_enough_data_reason = 'figure_after_deadline' then {{ dbt.concat([
            "'The only figure, '", 'figure_words', "' from '", 'publisher_label', "' '", 'date_phrase',
            "', is dated after the deadline and does not show where things stood at the deadline (target '", 'target_words', "').'"]) }}
        when not_enough_data_reason = 'no_baseline' then {{ dbt.concat([
            'publisher_label', "' reported '", 'figure_words', "' '", 'date_phrase',
            "', but there is no earlier figure of the same measure to draw a straight path to the target of '", 'target_words', "' from.'"]) }}
        else {{ dbt.concat([
            'publisher_label', "' reported '", 'figure_words', "' ('", 'measure', "') '", 'date_phrase',
            "case"
            ~ " when raw_status = 'achieved' then ', which meets the target of '"
            ~ " when raw_status = 'not_yet_reached' and bound = 'lower' then ', a floor below the target of '"
            ~ " when raw_status = 'not_yet_reached' then ', short of the target of '"
            ~ " when raw_status = 'reached_date_unknown' then ', which meets the target of '"
            ~ " when raw_status = 'off_track' and is_after_deadline then ', after the deadline and still short of the target of '"
            ~ " when raw_status = 'off_track' and meets_path is null then ', at the deadline and short of the target of '"
            ~ " else ', against the target of ' end",
            'target_words',
            "case"
            ~ " when raw_status = 'not_yet_reached' and success_when = 'at_least' and target_level > 0 then "
            ~ dbt.concat(["' ('", "case when bound = 'lower' then 'at least ' else '' end",
                'cast(cast(floor(100 * value / target_level) as integer) as ' ~ dbt.type_string() ~ ')',
                "' per cent of it), and the plan sets no date for it'"])
            ~ " when raw_status = 'not_yet_reached' then ', and the plan sets no date for it'"
            ~ " when raw_status = 'reached_date_unknown' and figure_position is null then ', but the page gives no date, so whether it was met by the deadline is not known'"
            ~ " when raw_status = 'reached_date_unknown' then ', but only after the deadline, so whether it was met by the deadline is not known'"
            ~ " when raw_status = 'off_track' and is_after_deadline then ', and a running total only grows, so it was short at the deadline too'"
            ~ " when meets_path is not null then " ~ dbt.concat([
                "case meets_path when 'yes' then ', on or ahead of' when 'no' then ', behind' else ', a floor below' end",
                "' the straight path from '",
                "case when is_running_total then 'nothing' else " ~ reported_value_words('baseline_value') ~ " end",
                "case when baseline_date is null then ' at the plan''s start' when is_running_total then "
                ~ dbt.concat(["' on '", date_words('baseline_date')]) ~ " else " ~ dbt.concat(["' (figure to '", date_words('baseline_date'), "')'"]) ~ " end",
                "' to the target, which stood at '",
                reported_value_words('case when abs(path_value_at_figure) >= 100 then round(path_value_at_figure, 0) else round(path_value_at_figure, 1) end'),
                "' then'"])
            ~ " else '' end",
            "case when fit = 'proxy' then " ~ dbt.concat(["'; it is a related figure, not the target''s own measure, so it cannot settle the target ('", 'fit_rationale', "')'"]) ~ " else '' end",
            "case when n_conflicting > 0 then '; another figure for the same date disagrees and is shown beside it' else '' end",
            "'.'"]) }}
    end as status_rule,
    source_id,
    return_id,
    measure,
    series,
    fit,
    fit_rationale,
    cast(value as double) as value,
    unit,
    bound,
    basis,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(figure_date as date) as figure_date,
    publisher,
    publisher_label,
    publisher_standing,
    page_title,
    url,
    cast(published as date) as published,
    quote,
    note,
    cast(target_level as double) as target_level,
    success_when,
    meets_target,
    meets_path,
    cast(baseline_value as double) as baseline_value,
    cast(baseline_date as date) as baseline_date,
    cast(path_value_at_figure as double) as path_value_at_figure,
    case when n_conflicting > 0 then true else false end as has_conflict,
    'reported figure' as evidence_kind
from worded
