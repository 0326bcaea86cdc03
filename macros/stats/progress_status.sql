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

{% macro progress_status_rule() -%}
    {%- set reason = progress_not_enough_data_reason() -%}
    {%- set trend_span = dbt.concat(["'the trend over the last '", _str('trend_points'), "' periods (to '", 'latest_period', "')'"]) -%}
    (case
        when target_value is null then 'No numeric target: the plan states no number to measure this commitment against.'
        when {{ reason }} = 'no_indicator_linked' then
            'Not enough data: no indicator is linked to this commitment or its objective yet (see the data gaps list).'
        when {{ reason }} = 'source_unavailable' then {{ dbt.concat([
            "'Not enough data: there are no values for the indicator '", 'indicator_id',
            "' in the warehouse; its source '", "coalesce(indicator_source_id, 'unknown')",
            "' is unavailable (not in the offline mirror) or not yet ingested.'"]) }}
        when {{ reason }} = 'no_london_value' then {{ dbt.concat([
            "'Not enough data: there is no London value for the indicator '", 'indicator_id',
            "': the publisher gives none and too few boroughs have a value in any period to derive one.'"]) }}
        when {{ reason }} = 'indicator_does_not_measure_target' then {{ dbt.concat([
            "'Not enough data: no indicator measures what this target counts ('", 'target_metric', "', '",
            "coalesce(target_unit, 'no unit')", "'). The linked '", 'role', "' indicator '", 'indicator_id',
            "' is shown as evidence only: London '", "coalesce(latest_period, 'n/a')", "' = '", _fmt('latest_value'), "' '",
            "coalesce(indicator_unit, '')", "', recent trend '", "coalesce(trend_direction, 'not_enough_data')", "'.'"]) }}
        when {{ reason }} = 'stale_data' then {{ dbt.concat([
            "'Not enough data since the plan began: the latest London value ('", _fmt('latest_value'), "') is for '",
            'latest_period', "', before the plan started in '", _str('plan_start_year'),
            "', so progress cannot be judged as current.'",
            "case when projected_value_at_target_year is not null then " ~ dbt.concat([
                "' For reference only, '", trend_span, "' projects '", _fmt('projected_value_at_target_year'), "' for '",
                _str('target_year'), "' (target: '", _target_words(), _fmt('target_level'), "'; trend '",
                'trend_direction', "').'"]) ~ " else '' end"]) }}
        when {{ reason }} = 'too_few_periods' then {{ dbt.concat([
            "'Not enough data: only '", _str('n_london_values'), "' London value(s) (latest '", "coalesce(latest_period, 'n/a')",
            "'), so there is neither a trend nor a later value to compare with a straight path to the target.'"]) }}
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then {{ dbt.concat([
            "'On track: the latest value '", _fmt('latest_value'), "' ('", 'latest_period', "') already meets the target ('",
            _target_words(), _fmt('target_level'), "' by '", _str('target_year'), "').'"]) }}
        when projected_value_at_target_year is not null then {{ dbt.concat([
            "case when " ~ _meets('projected_value_at_target_year', 'target_level') ~ " and coalesce(trend_is_significant, false) then 'On track: '"
            ~ " when " ~ _meets('projected_value_at_target_year', 'target_level') ~ " then 'Uncertain: ' else 'Off track: ' end",
            trend_span, "' projects '", _fmt('projected_value_at_target_year'), "' for '", _str('target_year'),
            "case when " ~ _meets('projected_value_at_target_year', 'target_level') ~ " then ', which meets' else ', which does not meet' end",
            "' the target ('", _target_words(), _fmt('target_level'), "'); '",
            "case when coalesce(trend_is_significant, false) then " ~ dbt.concat(["'the trend is significant at 5% ('", 'trend_direction', "').'"])
            ~ " when " ~ _meets('projected_value_at_target_year', 'target_level')
            ~ " then 'but the trend is not significant at 5%, so the change the projection assumes is not yet established.'"
            ~ " else 'the trend is not significant at 5%.' end"]) }}
        else {{ dbt.concat([
            "case when latest_lower_ci is not null and latest_upper_ci is not null and latest_lower_ci <= trajectory_value_at_latest"
            ~ " and latest_upper_ci >= trajectory_value_at_latest then 'Uncertain: '"
            ~ " when " ~ _meets('latest_value', 'trajectory_value_at_latest') ~ " then 'On track: ' else 'Off track: ' end",
            "'with fewer than 5 periods there is no trend test; the latest value '", _fmt('latest_value'), "' ('", 'latest_period',
            "') is compared with the straight path from the baseline '", _fmt('baseline_value'), "' ('", 'baseline_period',
            "') to the target ('", _target_words(), _fmt('target_level'), "' by '", _str('target_year'), "'), which is '",
            _fmt('trajectory_value_at_latest'), "' at the latest period'",
            "case when latest_lower_ci is not null and latest_upper_ci is not null and latest_lower_ci <= trajectory_value_at_latest"
            ~ " and latest_upper_ci >= trajectory_value_at_latest then " ~ dbt.concat(["'; its 95% CI ('", _fmt('latest_lower_ci'), "' to '",
                _fmt('latest_upper_ci'), "') contains that value, so the data point both ways.'"])
            ~ " when " ~ _meets('latest_value', 'trajectory_value_at_latest') ~ " then ': on the target''s side of it or on it.'"
            ~ " else ': on the wrong side of it.' end"]) }}
    end)
{%- endmacro %}
