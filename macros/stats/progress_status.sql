{#- Status of a commitment target against a linked indicator, why, and the rule in words (docs/methods.md,
    "Commitment progress"). Evaluated in this order over fct_commitment_progress's computed columns:
      1 no_numeric_target  the target has no number;
      2 not_enough_data    reason no_indicator_linked | source_unavailable | no_london_value |
                           indicator_does_not_measure_target (its latest value and trend are quoted as evidence only) |
                           stale_data (the latest London value's period ended before the plan started: never judged
                           as current) ;
      3 on_track           the latest value already meets the target (at_most: <=, at_least: >=; exactly on the
                           target meets it);
      4 five or more periods (a trend was fitted), with the projection of that trend to the target year:
                           on_track  the projection meets the target and the trend is significant at 5%;
                           uncertain the projection meets the target but the trend is not significant;
                           off_track the projection does not meet the target;
      5 fewer than five periods, the latest after the baseline: against the straight path (trajectory) from the
        baseline to the target, read at the latest period:
                           uncertain the latest value's 95% CI contains the trajectory value (the data point both ways);
                           on_track  the latest value is on the target's side of the trajectory (or on it);
                           off_track otherwise;
      6 not_enough_data    reason too_few_periods (one London value, or none after the baseline). -#}
{% macro _fmt(expr) -%}
    coalesce(cast(round({{ expr }}, 2) as {{ dbt.type_string() }}), 'n/a')
{%- endmacro %}

{% macro _str(expr) -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro _meets(value, level) -%}
    (case when success_when = 'at_most' then {{ value }} <= {{ level }} else {{ value }} >= {{ level }} end)
{%- endmacro %}

{% macro _target_words() -%}
    case when success_when = 'at_most' then 'at most ' else 'at least ' end
{%- endmacro %}

{#- The reason code; null unless the status is not_enough_data. -#}
{% macro progress_not_enough_data_reason() -%}
    (case
        when target_value is null then cast(null as {{ dbt.type_string() }})
        when indicator_id is null then 'no_indicator_linked'
        when n_london_values = 0 and n_values_any = 0 then 'source_unavailable'
        when n_london_values = 0 then 'no_london_value'
        when not indicator_measures_target then 'indicator_does_not_measure_target'
        when latest_is_stale then 'stale_data'
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then cast(null as {{ dbt.type_string() }})
        when projected_value_at_target_year is not null then cast(null as {{ dbt.type_string() }})
        when trajectory_value_at_latest is not null and latest_mid_year > baseline_mid_year then cast(null as {{ dbt.type_string() }})
        else 'too_few_periods'
    end)
{%- endmacro %}

{% macro progress_status() -%}
    (case
        when target_value is null then 'no_numeric_target'
        when {{ progress_not_enough_data_reason() }} is not null then 'not_enough_data'
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then 'on_track'
        when projected_value_at_target_year is not null then
            case
                when {{ _meets('projected_value_at_target_year', 'target_level') }} and coalesce(trend_is_significant, false) then 'on_track'
                when {{ _meets('projected_value_at_target_year', 'target_level') }} then 'uncertain'
                else 'off_track'
            end
        when latest_lower_ci is not null and latest_upper_ci is not null
            and latest_lower_ci <= trajectory_value_at_latest and latest_upper_ci >= trajectory_value_at_latest then 'uncertain'
        when {{ _meets('latest_value', 'trajectory_value_at_latest') }} then 'on_track'
        else 'off_track'
    end)
{%- endmacro %}

{#- The reason for the status in one sentence a policy officer reads: no ids or pipeline words, one full stop (the
    status itself is shown beside it, so the sentence does not repeat it). Needs indicator_name and source_publisher.
    A projected value is quoted only where it is earned (projection_is_earned); otherwise the sentence says the
    trend's direction and why no value is projected. -#}
{% macro progress_status_rule() -%}
    {%- set reason = progress_not_enough_data_reason() -%}
    {%- set name = "coalesce(indicator_name, 'the linked measure')" -%}
    {%- set unit = "case when indicator_unit is null or indicator_unit = '' then '' when indicator_unit = 'percent' then '%' when indicator_unit = 'ug/m3' then ' µg/m³' else " ~ dbt.concat(["' '", 'indicator_unit']) ~ " end" -%}
    {%- set trend_words = "case trend_direction when 'increasing' then 'rising' when 'decreasing' then 'falling' when 'no_significant_change' then 'no clear trend' else 'too few figures for a trend' end" -%}
    {%- set trend_span = dbt.concat(["'trend over the last '", _str('trend_points'), "' figures (to '", 'latest_period', "')'"]) -%}
    {%- set target_phrase = dbt.concat(["'the target of '", _target_words(), _fmt('target_level'), "' by '", _str('target_year')]) -%}
    (case
        when target_value is null then 'The plan gives no number to measure this against.'
        when {{ reason }} = 'no_indicator_linked' then
            'No published statistic is linked to this commitment or its objective yet.'
        when {{ reason }} = 'source_unavailable' then {{ dbt.concat([
            "'There are no figures yet for '", name, "': the latest release from '",
            "coalesce(source_publisher, 'its publisher')", "' could not be obtained.'"]) }}
        when {{ reason }} = 'no_london_value' then {{ dbt.concat([
            "'There is no London figure for '", name,
            "': the publisher gives none and too few boroughs have one to work it out.'"]) }}
        when {{ reason }} = 'indicator_does_not_measure_target' then {{ dbt.concat([
            "'No published statistic counts what this target counts ('", "coalesce(target_metric, 'its own measure')",
            "'); '", name, "', shown for context only, was '", _fmt('latest_value'), unit,
            "' in London in '", "coalesce(latest_period, 'no period')", "' ('", trend_words, "').'"]) }}
        when {{ reason }} = 'stale_data' then {{ dbt.concat([
            "'The latest London figure ('", _fmt('latest_value'), unit, "', '", 'latest_period',
            "') is from before the plan began in '", _str('plan_start_year'), "', so progress since then cannot be judged.'"]) }}
        when {{ reason }} = 'too_few_periods' then {{ dbt.concat([
            "'There '", "case when n_london_values = 1 then 'is only 1 London figure' else " ~ dbt.concat(["'are only '", _str('n_london_values'), "' London figures'"]) ~ " end",
            "' (latest '", "coalesce(latest_period, 'none')",
            "'), too few to show a trend or to compare with a straight path to the target.'"]) }}
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then {{ dbt.concat([
            "'The latest figure, '", _fmt('latest_value'), unit, "' ('", 'latest_period', "'), already meets '", target_phrase, "'.'"]) }}
        when projected_value_at_target_year is not null then {{ dbt.concat([
            "'The '", trend_span,
            "case when not projection_is_earned then ' is' when " ~ _meets('projected_value_at_target_year', 'target_level')
            ~ " then " ~ dbt.concat(["' points to '", _fmt('projected_value_at_target_year'), unit, "' in '", _str('target_year'), "', which meets'"])
            ~ " else " ~ dbt.concat(["' points to '", _fmt('projected_value_at_target_year'), unit, "' in '", _str('target_year'), "', which misses'"]) ~ " end",
            "case when projection_is_earned then ' ' when " ~ _meets('projected_value_at_target_year', 'target_level')
            ~ " then ' heading towards ' else ' not heading fast enough towards ' end",
            target_phrase,
            "case when coalesce(trend_is_significant, false) then ', and the trend is statistically significant'"
            ~ " else ', but the trend is not statistically significant, so the change is not yet established' end",
            "case when projection_is_earned or not coalesce(trend_is_significant, false) then '' else "
            ~ dbt.concat(["' (no value is projected: '", 'projection_note', "')'"]) ~ " end",
            "'.'"]) }}
        else {{ dbt.concat([
            "'The latest figure, '", _fmt('latest_value'), unit, "' ('", 'latest_period', "'), is '",
            "case when latest_lower_ci is not null and latest_upper_ci is not null and latest_lower_ci <= trajectory_value_at_latest"
            ~ " and latest_upper_ci >= trajectory_value_at_latest then " ~ dbt.concat(["'too close to call against'"])
            ~ " when " ~ _meets('latest_value', 'trajectory_value_at_latest') ~ " then 'on or ahead of' else 'behind' end",
            "' the straight path from '", _fmt('baseline_value'), "' ('", 'baseline_period', "') to '", target_phrase,
            "' ('", _fmt('trajectory_value_at_latest'), "' at that point'",
            "case when latest_lower_ci is not null and latest_upper_ci is not null and latest_lower_ci <= trajectory_value_at_latest"
            ~ " and latest_upper_ci >= trajectory_value_at_latest then " ~ dbt.concat(["'; its 95% confidence interval, '", _fmt('latest_lower_ci'), "' to '",
                _fmt('latest_upper_ci'), "', includes that value'"]) ~ " else '' end",
            "'), with too few figures for a trend test.'"]) }}
    end)
{%- endmacro %}
