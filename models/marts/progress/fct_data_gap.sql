-- The data gaps: one row per objective or key commitment that has no outcome indicator with a verdict
-- (improving, worsening or no_significant_change in fct_outcome_verdict) and per candidate measure that would give
-- one (seed outcome_measure_candidates; one row with a null candidate when none is named). Says why there is no
-- verdict today (no outcome indicator linked, or the linked ones' verdicts: not_enough_data / stale), which measure
-- would answer, who publishes it, and whether the source registry already has it (and its values are unavailable
-- offline or too few) or not yet.
with scopes as (
    select cast(objective_id as {{ dbt.type_string() }}) as scope_id, 'objective' as scope_type,
        cast(aim_id as integer) as aim_id, title as scope_title
    from {{ ref('dim_objective') }}
    union all
    select commitment_id, 'key_commitment', cast(aim_id as integer), substring(text, 1, 200)
    from {{ ref('dim_commitment') }}
    where kind = 'key_commitment'
),

verdicts as (
    select
        scope_id,
        count(*) as n_outcome_indicators,
        count(case when outcome_verdict in ('improving', 'worsening', 'no_significant_change') then 1 end) as n_with_verdict,
        count(case when outcome_verdict = 'stale' then 1 end) as n_stale,
        count(case when outcome_verdict = 'not_enough_data' then 1 end) as n_not_enough_data,
        -- each not-enough-data indicator's own rule ("... London has 4 comparable period(s) up to 2023/24; a trend
        -- needs five."), so the gap says exactly why
        {{ sorted_listagg("case when outcome_verdict = 'not_enough_data' then " ~ dbt.concat(['indicator_name', "': '", 'verdict_rule']) ~ " end",
            "' '") }} as not_enough_data_rules
    from {{ ref('fct_outcome_verdict') }}
    group by scope_id
),

gaps as (
    select
        s.*,
        coalesce(v.n_outcome_indicators, 0) as n_outcome_indicators,
        coalesce(v.n_stale, 0) as n_stale,
        coalesce(v.n_not_enough_data, 0) as n_not_enough_data,
        v.not_enough_data_rules
    from scopes as s
    left join verdicts as v on s.scope_id = v.scope_id
    where coalesce(v.n_with_verdict, 0) = 0
),

values_any as (
    select indicator_id, count(*) as n_values
    from {{ ref('int_indicator_values_enriched') }}
    where value is not null
    group by indicator_id
),

candidates as (
    select
        c.*,
        coalesce(va.n_values, 0) as n_values,
        st.status as source_status,
        st.reason as source_reason
    from {{ ref('outcome_measure_candidates') }} as c
    left join values_any as va on c.indicator_id = va.indicator_id
    left join {{ ref('fct_source_status') }} as st on c.source_id = st.source_id
)

select
    {{ dbt.concat(['g.scope_id', "'|'", "coalesce(c.candidate_measure, '')"]) }} as data_gap_key,
    g.scope_id,
    g.scope_type,
    g.aim_id,
    g.scope_title,
    cast(g.n_outcome_indicators as integer) as n_outcome_indicators,
    case
        when g.n_outcome_indicators = 0 then 'no_outcome_indicator'
        when g.n_stale > 0 and g.n_not_enough_data = 0 then 'outcome_data_stale'
        else 'outcome_data_insufficient'
    end as gap_reason,
    case
        when g.n_outcome_indicators = 0 then 'No outcome indicator is linked to it yet.'
        else {{ dbt.concat([
            "'Its '", 'cast(g.n_outcome_indicators as ' ~ dbt.type_string() ~ ')', "' linked outcome indicator(s) give no verdict: '",
            'cast(g.n_not_enough_data as ' ~ dbt.type_string() ~ ')', "' without enough data, '",
            'cast(g.n_stale as ' ~ dbt.type_string() ~ ')', "' stale (see fct_outcome_verdict).'",
            "coalesce(" ~ dbt.concat(["' '", 'g.not_enough_data_rules']) ~ ", '')"]) }}
    end as gap_note,
    c.candidate_measure,
    c.publisher,
    c.dataset,
    c.dataset_url,
    c.source_id,
    c.indicator_id,
    case
        when c.candidate_measure is null then cast(null as {{ dbt.type_string() }})
        when c.source_id is null then 'not_in_registry'
        when c.n_values > 0 then 'in_registry_too_few_periods'
        else 'in_registry_unavailable'
    end as registry_status,
    case
        when c.source_id is not null and c.n_values = 0 and c.source_status is not null and c.source_status <> 'available'
            then c.source_reason
    end as source_unavailable_reason,
    c.rationale
from gaps as g
left join candidates as c on g.scope_id = c.commitment_or_objective_id
