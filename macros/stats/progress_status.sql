{#- Status of a commitment target against a linked indicator, and the rule that produced it (docs/methods.md).
    Evaluated in this order over fct_commitment_progress's computed columns:
      1 no_numeric_target  the target has no number;
      2 not_enough_data    no indicator linked; or no London values for it; or it does not measure the target's metric
                           (its unit differs from the target's), so no number is invented;
      3 on_track           the latest value already meets the target;
      4 on/off_track       5+ periods: on_track when the value projected at the target year by the linear trend over
                           the last five periods meets the target (at_most: <=, at_least: >=) AND that trend is
                           significant at 5%; a non-significant trend is no evidence of the change, so off_track;
      5 on/off_track       fewer than five periods: the latest value is on the better side of the straight
                           trajectory from the baseline to the target at the latest period;
      6 not_enough_data    otherwise (no value after the baseline). -#}
{% macro _fmt(expr) -%}
    coalesce(cast(round({{ expr }}, 2) as {{ dbt.type_string() }}), 'n/a')
{%- endmacro %}

{% macro _meets(value, level) -%}
    (case when success_when = 'at_most' then {{ value }} <= {{ level }} else {{ value }} >= {{ level }} end)
{%- endmacro %}

{% macro progress_status() -%}
    (case
        when target_value is null then 'no_numeric_target'
        when indicator_id is null then 'not_enough_data'
        when n_london_values = 0 then 'not_enough_data'
        when not indicator_measures_target then 'not_enough_data'
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then 'on_track'
        when projected_value_at_target_year is not null then
            case when {{ _meets('projected_value_at_target_year', 'target_level') }} and coalesce(trend_is_significant, false)
                then 'on_track' else 'off_track' end
        when trajectory_value_at_latest is not null and latest_mid_year > baseline_mid_year then
            case when {{ _meets('latest_value', 'trajectory_value_at_latest') }} then 'on_track' else 'off_track' end
        else 'not_enough_data'
    end)
{%- endmacro %}

{% macro progress_status_rule() -%}
    (case
        when target_value is null then 'no_numeric_target: the target states no number to measure against'
        when indicator_id is null then 'not_enough_data: no indicator is linked to this commitment or its objective yet'
        when n_london_values = 0 and n_values_any = 0 then {{ dbt.concat([
            "'not_enough_data: no values for indicator '", 'indicator_id',
            "' in the warehouse; its source '", "coalesce(indicator_source_id, 'unknown')",
            "' is unavailable (not in the offline mirror) or not yet ingested'"]) }}
        when n_london_values = 0 then {{ dbt.concat([
            "'not_enough_data: no London value for indicator '", 'indicator_id',
            "': the publisher gives none and too few boroughs have a value in any period to derive one'"]) }}
        when not indicator_measures_target then {{ dbt.concat([
            "'not_enough_data: no indicator measures the metric of this target ('", 'target_metric', "', '",
            "coalesce(target_unit, 'no unit')", "'); linked '", 'role', "' indicator '", 'indicator_id', "' ('",
            "coalesce(indicator_unit, 'no unit')", "') latest '", "coalesce(latest_period, 'n/a')", "' = '",
            _fmt('latest_value'), "', trend '", "coalesce(trend_direction, 'not_enough_data')", "' is shown as evidence only'"]) }}
        when latest_value is not null and {{ _meets('latest_value', 'target_level') }} then {{ dbt.concat([
            "'on_track: the latest value '", _fmt('latest_value'), "' ('", 'latest_period', "') already meets the target ('",
            "case when success_when = 'at_most' then 'at most ' else 'at least ' end", _fmt('target_level'), "')'"]) }}
        when projected_value_at_target_year is not null then {{ dbt.concat([
            "case when " ~ _meets('projected_value_at_target_year', 'target_level') ~ " and coalesce(trend_is_significant, false) then 'on_track' else 'off_track' end",
            "': value projected for '", 'cast(target_year as ' ~ dbt.type_string() ~ ')', "' by the linear trend over the last '",
            'cast(trend_points as ' ~ dbt.type_string() ~ ')', "' periods = '", _fmt('projected_value_at_target_year'),
            "case when success_when = 'at_most' then ', target: at most ' else ', target: at least ' end",
            _fmt('target_level'), "'; trend over those periods: '", 'trend_direction',
            "case when " ~ _meets('projected_value_at_target_year', 'target_level') ~ " and not coalesce(trend_is_significant, false)"
            ~ " then ' (not significant at 5%, so there is no evidence yet of the change the projection assumes)' else '' end"]) }}
        when trajectory_value_at_latest is not null and latest_mid_year > baseline_mid_year then {{ dbt.concat([
            "case when " ~ _meets('latest_value', 'trajectory_value_at_latest') ~ " then 'on_track' else 'off_track' end",
            "': fewer than 5 periods for a trend; latest value '", _fmt('latest_value'), "' ('", 'latest_period',
            "') against the straight trajectory from baseline '", _fmt('baseline_value'), "' ('", 'baseline_period',
            "') to the target, '", _fmt('trajectory_value_at_latest'), "' at the latest period'"]) }}
        else {{ dbt.concat(["'not_enough_data: '", 'cast(n_london_values as ' ~ dbt.type_string() ~ ')',
            "' London value(s) and none after the baseline period, so neither a trend nor a trajectory comparison is possible'"]) }}
    end)
{%- endmacro %}
