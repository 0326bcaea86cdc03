-- The main points: 3-6 plain sentences per scope (the plan as a whole, scope_type 'plan', and each aim) that open the
-- home page and each aim page, computed from the progress marts at build time (as an ONS bulletin's main points):
--   1 targets   how many numeric targets are achieved / on track / off track / uncertain (fct_target_status: one
--               answer per target, from official statistics or else from figures the programmes report), how many
--               cannot be judged;
--   2 unjudged  why those targets cannot be judged (no statistic or reported figure counts what the target counts,
--               the programme has published no figure, the data ends before the plan began, too few figures);
--   3 outcomes  how many outcome measures improve / worsen / show no significant change, naming the worsening ones;
--   4 gaps      which gaps between the most and least deprived boroughs widen or narrow (fct_gap_verdict, the tested
--               trend of the slope index of inequality: the same verdict the inequalities page shows);
--   5 objectives how many objectives have no outcome measure with a verdict (fct_data_gap).
-- Names are listed up to three, alphabetically, then "and N more". Portable SQL
-- (dbt cross-database macros only).
{%- set plan_start = var('plan_start_year', 2021) %}

with aims as (
    select cast(aim_id as integer) as aim_id from {{ ref('dim_aim') }}
),

-- every scope a sentence is written for: the plan, and each aim
scopes as (
    select 'plan' as scope_type, 'plan' as scope_id, cast(null as integer) as aim_id
    union all
    select 'aim', cast(aim_id as {{ dbt.type_string() }}), aim_id from aims
),

per_target as (
    select
        t.target_id,
        cast(c.aim_id as integer) as aim_id,
        case t.status when 'achieved' then 4 when 'off_track' then 3 when 'uncertain' then 2 when 'on_track' then 1
            else 0 end as judged,
        -- why a target cannot be judged, in four plain groups
        case
            when t.not_enough_data_reason = 'stale_data' then 4
            when t.not_enough_data_reason in ('too_few_periods', 'no_london_value', 'undated_figure', 'no_baseline',
                'figure_after_deadline', 'target_level_unknown') then 3
            when t.not_enough_data_reason in ('source_unavailable', 'no_reported_figure') then 2
            else 1
        end as reason_rank
    from {{ ref('fct_target_status') }} as t
    inner join {{ ref('dim_commitment') }} as c on t.commitment_id = c.commitment_id
    where t.status <> 'no_numeric_target'
),

target_counts as (
    select
        s.scope_type, s.scope_id,
        count(t.target_id) as n_targets,
        sum(case when t.judged = 4 then 1 else 0 end) as n_achieved,
        sum(case when t.judged = 1 then 1 else 0 end) as n_on,
        sum(case when t.judged = 2 then 1 else 0 end) as n_uncertain,
        sum(case when t.judged = 3 then 1 else 0 end) as n_off,
        sum(case when t.judged = 0 then 1 else 0 end) as n_unjudged,
        sum(case when t.judged = 0 and t.reason_rank = 1 then 1 else 0 end) as n_no_measure,
        sum(case when t.judged = 0 and t.reason_rank = 2 then 1 else 0 end) as n_unavailable,
        sum(case when t.judged = 0 and t.reason_rank = 3 then 1 else 0 end) as n_too_few,
        sum(case when t.judged = 0 and t.reason_rank = 4 then 1 else 0 end) as n_stale
    from scopes as s
    left join per_target as t on s.scope_type = 'plan' or t.aim_id = s.aim_id
    group by s.scope_type, s.scope_id
),

-- outcome measures: one verdict per indicator (the verdict is the indicator's London trend, the same for every
-- objective it is linked to), scoped to the aims of the objectives it measures
outcome_rows as (
    select distinct
        v.indicator_id,
        coalesce(v.indicator_name, v.indicator_id) as indicator_name,
        cast(v.aim_id as integer) as aim_id,
        v.outcome_verdict
    from {{ ref('fct_outcome_verdict') }} as v
    where v.scope_type = 'objective' and v.indicator_id is not null
),

outcome_scoped as (
    select distinct s.scope_type, s.scope_id, o.indicator_id, o.indicator_name, o.outcome_verdict
    from scopes as s
    inner join outcome_rows as o on s.scope_type = 'plan' or o.aim_id = s.aim_id
),

outcome_ranked as (
    select outcome_scoped.*,
        row_number() over (partition by scope_type, scope_id, outcome_verdict order by indicator_name) as name_rank
    from outcome_scoped
),

outcome_counts as (
    select
        s.scope_type, s.scope_id,
        count(o.indicator_id) as n_outcomes,
        sum(case when o.outcome_verdict = 'improving' then 1 else 0 end) as n_improving,
        sum(case when o.outcome_verdict = 'worsening' then 1 else 0 end) as n_worsening,
        sum(case when o.outcome_verdict = 'no_significant_change' then 1 else 0 end) as n_no_change,
        sum(case when o.outcome_verdict = 'stale' then 1 else 0 end) as n_stale,
        sum(case when o.outcome_verdict = 'not_enough_data' then 1 else 0 end) as n_not_enough,
        max(case when o.outcome_verdict = 'worsening' and o.name_rank = 1 then o.indicator_name end) as worsening_1,
        max(case when o.outcome_verdict = 'worsening' and o.name_rank = 2 then o.indicator_name end) as worsening_2,
        max(case when o.outcome_verdict = 'worsening' and o.name_rank = 3 then o.indicator_name end) as worsening_3
    from scopes as s
    left join outcome_ranked as o on s.scope_type = o.scope_type and s.scope_id = o.scope_id
    group by s.scope_type, s.scope_id
),

-- gaps between boroughs: every indicator with a gap verdict for the plan; for an aim, those linked to its objectives
-- or commitments
indicator_aims as (
    select distinct m.indicator_id, cast(o.aim_id as integer) as aim_id
    from {{ ref('commitment_indicator_map') }} as m
    inner join {{ ref('dim_objective') }} as o
        on m.commitment_or_objective_id = cast(o.objective_id as {{ dbt.type_string() }})
    union
    select distinct m.indicator_id, cast(c.aim_id as integer) as aim_id
    from {{ ref('commitment_indicator_map') }} as m
    inner join {{ ref('dim_commitment') }} as c on m.commitment_or_objective_id = c.commitment_id
),

gap_scoped as (
    select s.scope_type, s.scope_id, g.indicator_id, coalesce(g.indicator_name, g.indicator_id) as indicator_name, g.gap_verdict
    from scopes as s
    inner join {{ ref('fct_gap_verdict') }} as g on s.scope_type = 'plan'
    union all
    select s.scope_type, s.scope_id, g.indicator_id, coalesce(g.indicator_name, g.indicator_id), g.gap_verdict
    from scopes as s
    inner join indicator_aims as ia on s.aim_id = ia.aim_id
    inner join {{ ref('fct_gap_verdict') }} as g on ia.indicator_id = g.indicator_id
    where s.scope_type = 'aim'
),

gap_ranked as (
    select gap_scoped.*,
        row_number() over (partition by scope_type, scope_id, gap_verdict order by indicator_name) as name_rank
    from gap_scoped
),

gap_counts as (
    select
        s.scope_type, s.scope_id,
        count(g.indicator_id) as n_gaps,
        sum(case when g.gap_verdict = 'widening' then 1 else 0 end) as n_widening,
        sum(case when g.gap_verdict = 'narrowing' then 1 else 0 end) as n_narrowing,
        sum(case when g.gap_verdict = 'no_significant_change' then 1 else 0 end) as n_no_change,
        sum(case when g.gap_verdict in ('not_enough_data', 'stale') then 1 else 0 end) as n_unjudged,
        max(case when g.gap_verdict = 'widening' and g.name_rank = 1 then g.indicator_name end) as widening_1,
        max(case when g.gap_verdict = 'widening' and g.name_rank = 2 then g.indicator_name end) as widening_2,
        max(case when g.gap_verdict = 'widening' and g.name_rank = 3 then g.indicator_name end) as widening_3,
        max(case when g.gap_verdict = 'narrowing' and g.name_rank = 1 then g.indicator_name end) as narrowing_1,
        max(case when g.gap_verdict = 'narrowing' and g.name_rank = 2 then g.indicator_name end) as narrowing_2,
        max(case when g.gap_verdict = 'narrowing' and g.name_rank = 3 then g.indicator_name end) as narrowing_3
    from scopes as s
    left join gap_ranked as g on s.scope_type = g.scope_type and s.scope_id = g.scope_id
    group by s.scope_type, s.scope_id
),

objective_counts as (
    select
        s.scope_type, s.scope_id,
        count(o.objective_id) as n_objectives,
        count(d.scope_id) as n_without_verdict,
        sum(case when d.gap_reason = 'no_outcome_indicator' then 1 else 0 end) as n_no_indicator,
        sum(case when d.gap_reason = 'outcome_data_stale' then 1 else 0 end) as n_stale,
        sum(case when d.gap_reason = 'outcome_data_insufficient' then 1 else 0 end) as n_insufficient
    from scopes as s
    left join {{ ref('dim_objective') }} as o on s.scope_type = 'plan' or cast(o.aim_id as integer) = s.aim_id
    left join (
        select distinct scope_id, gap_reason from {{ ref('fct_data_gap') }}
        where scope_type = 'objective'
    ) as d on cast(o.objective_id as {{ dbt.type_string() }}) = d.scope_id
    group by s.scope_type, s.scope_id
),

counted as (
    select
        s.scope_type, s.scope_id, s.aim_id,
        coalesce(t.n_targets, 0) as n_targets, coalesce(t.n_achieved, 0) as n_achieved, coalesce(t.n_on, 0) as n_on, coalesce(t.n_uncertain, 0) as n_uncertain,
        coalesce(t.n_off, 0) as n_off, coalesce(t.n_unjudged, 0) as n_unjudged, coalesce(t.n_no_measure, 0) as n_no_measure,
        coalesce(t.n_unavailable, 0) as n_unavailable, coalesce(t.n_too_few, 0) as n_too_few,
        coalesce(t.n_stale, 0) as n_target_stale,
        coalesce(oc.n_outcomes, 0) as n_outcomes, coalesce(oc.n_improving, 0) as n_improving,
        coalesce(oc.n_worsening, 0) as n_worsening, coalesce(oc.n_no_change, 0) as n_outcome_no_change,
        coalesce(oc.n_stale, 0) as n_outcome_stale, coalesce(oc.n_not_enough, 0) as n_outcome_not_enough,
        oc.worsening_1, oc.worsening_2, oc.worsening_3,
        coalesce(g.n_gaps, 0) as n_gaps, coalesce(g.n_widening, 0) as n_widening, coalesce(g.n_narrowing, 0) as n_narrowing,
        coalesce(g.n_no_change, 0) as n_gap_no_change, coalesce(g.n_unjudged, 0) as n_gap_unjudged,
        g.widening_1, g.widening_2, g.widening_3, g.narrowing_1, g.narrowing_2, g.narrowing_3,
        coalesce(ob.n_objectives, 0) as n_objectives, coalesce(ob.n_without_verdict, 0) as n_objectives_without,
        coalesce(ob.n_no_indicator, 0) as n_objectives_no_indicator, coalesce(ob.n_stale, 0) as n_objectives_stale,
        coalesce(ob.n_insufficient, 0) as n_objectives_insufficient
    from scopes as s
    left join target_counts as t on s.scope_type = t.scope_type and s.scope_id = t.scope_id
    left join outcome_counts as oc on s.scope_type = oc.scope_type and s.scope_id = oc.scope_id
    left join gap_counts as g on s.scope_type = g.scope_type and s.scope_id = g.scope_id
    left join objective_counts as ob on s.scope_type = ob.scope_type and s.scope_id = ob.scope_id
),

sentences as (
    select scope_type, scope_id, aim_id, 1 as sentence_order, 'targets' as topic,
        case
            when n_targets = 0 then {{ dbt.concat(["case when scope_type = 'plan' then 'The plan' else 'This aim' end",
                "' sets no target with a number that a published statistic could be measured against.'"]) }}
            when n_achieved + n_on + n_off + n_uncertain = 0 then {{ dbt.concat([
                "case when n_targets = 1 then 'The 1 target with a number cannot be judged yet.' else " ~ dbt.concat([
                "'None of the '", _str('n_targets'), "' targets with a number can be judged yet.'"]) ~ " end"]) }}
            else {{ dbt.concat([
                "'Of the '", _str('n_targets'), "case when n_targets = 1 then ' target' else ' targets' end",
                "' with a number, '", "case when n_achieved > 0 then " ~ dbt.concat([_str('n_achieved'), "' '", "case when n_achieved = 1 then 'has' else 'have' end", "' been achieved (on figures the programmes report), '"]) ~ " else '' end",
                _str('n_on'), "' '", _is_are('n_on'), "' on track, '", _str('n_off'), "' off track and '",
                _str('n_uncertain'), "' uncertain; '", _str('n_unjudged'), "' cannot be judged yet.'"]) }}
        end as sentence
    from counted
    union all
    select scope_type, scope_id, aim_id, 2, 'unjudged',
        {{ dbt.concat([
            "case when n_unjudged = 1 then 'Why it cannot be judged: ' else 'Why they cannot be judged: ' end",
            _parts([
                ['n_no_measure', dbt.concat([_str('n_no_measure'), "' '", _has_have('n_no_measure'), "' no published statistic or reported figure that counts what the target counts'"])],
                ['n_unavailable', dbt.concat([_str('n_unavailable'), "' '", _has_have('n_unavailable'), "' no figures yet (none published, or the publisher''s release could not be obtained)'"])],
                ['n_too_few', dbt.concat([_str('n_too_few'), "' '", _has_have('n_too_few'), "' too few figures for a trend'"])],
                ['n_target_stale', dbt.concat([_str('n_target_stale'), "' '", _has_have('n_target_stale'), "' figures that end before the plan began in " ~ plan_start ~ "'"])],
            ]),
            "'.'"]) }}
    from counted
    where n_unjudged > 0
    union all
    select scope_type, scope_id, aim_id, 3, 'outcomes',
        case
            when n_outcomes = 0 then {{ dbt.concat(["case when scope_type = 'plan' then 'No objective of the plan' else 'No objective of this aim' end",
                "' has an outcome measure with published figures yet.'"]) }}
            when n_improving + n_worsening = 0 then {{ dbt.concat([
                "case when n_outcomes = 1 then 'The 1 outcome measure for London is' else " ~ dbt.concat(["'None of the '", _str('n_outcomes'), "' outcome measures for London is'"]) ~ " end",
                "' significantly improving or worsening: '", _str('n_outcome_no_change'), "' '", _show('n_outcome_no_change'),
                "' no significant change and '", _str('n_outcome_stale + n_outcome_not_enough'),
                "' cannot be judged (too few figures, or none since the plan began).'"]) }}
            else {{ dbt.concat([
                "'Of the '", _str('n_outcomes'), "case when n_outcomes = 1 then ' outcome measure' else ' outcome measures' end",
                "' for London, '", _str('n_improving'), "' '", _is_are('n_improving'), "' improving and '", _str('n_worsening'),
                "' worsening'",
                "case when n_worsening > 0 then " ~ dbt.concat(["' ('", _names('worsening', 'n_worsening'), "')'"]) ~ " else '' end",
                "'; '", _str('n_outcome_no_change'), "' '", _show('n_outcome_no_change'), "' no significant change and '",
                _str('n_outcome_stale + n_outcome_not_enough'), "' cannot be judged (too few figures, or none since the plan began).'"]) }}
        end
    from counted
    union all
    select scope_type, scope_id, aim_id, 4, 'gaps',
        case
            when n_gaps = 0 then
                'No gap between the most and least deprived boroughs can be tracked over time for these measures yet.'
            when n_widening = 0 and n_narrowing = 0 then {{ dbt.concat([
                "'The gap between the most and least deprived boroughs is neither widening nor narrowing significantly for any measure: '",
                _str('n_gap_no_change'), "' '", _show('n_gap_no_change'), "' no significant change and '",
                _str('n_gap_unjudged'), "' cannot be judged yet.'"]) }}
            else {{ dbt.concat([
                "'The gap between the most and least deprived boroughs is '",
                _parts([
                    ['n_widening', dbt.concat(["'widening for '", _str('n_widening'), "case when n_widening = 1 then ' measure (' else ' measures (' end",
                        _names('widening', 'n_widening'), "')'"])],
                    ['n_narrowing', dbt.concat(["'narrowing for '", _str('n_narrowing'), "case when n_narrowing = 1 then ' measure (' else ' measures (' end",
                        _names('narrowing', 'n_narrowing'), "')'"])],
                ]),
                "case when n_widening = 0 then ', and widening for none' when n_narrowing = 0 then ', and narrowing for none' else '' end",
                "'; '", _str('n_gap_no_change'), "' '", _show('n_gap_no_change'), "' no significant change and '",
                _str('n_gap_unjudged'), "' cannot be judged yet.'"]) }}
        end
    from counted
    union all
    select scope_type, scope_id, aim_id, 5, 'objectives',
        {{ dbt.concat([
            _str('n_objectives_without'), "' of the '", _str('n_objectives'),
            "case when n_objectives_without = 1 then ' objectives has' else ' objectives have' end",
            "' no outcome measure with a verdict: '",
            _parts([
                ['n_objectives_no_indicator', dbt.concat([_str('n_objectives_no_indicator'), "' '", _has_have('n_objectives_no_indicator'), "' no published measure linked'"])],
                ['n_objectives_insufficient', dbt.concat([_str('n_objectives_insufficient'), "' '", _has_have('n_objectives_insufficient'), "' too few figures'"])],
                ['n_objectives_stale', dbt.concat([_str('n_objectives_stale'), "' '", _has_have('n_objectives_stale'), "' only figures from before the plan'"])],
            ]),
            "'.'"]) }}
    from counted
    where n_objectives_without > 0
)

select
    {{ dbt.concat(['scope_type', "'|'", 'scope_id', "'|'", _str('sentence_order')]) }} as main_point_key,
    cast(scope_type as {{ dbt.type_string() }}) as scope_type,
    cast(scope_id as {{ dbt.type_string() }}) as scope_id,
    cast(aim_id as integer) as aim_id,
    cast(sentence_order as integer) as sentence_order,
    cast(topic as {{ dbt.type_string() }}) as topic,
    cast(sentence as {{ dbt.type_string() }}) as sentence
from sentences
