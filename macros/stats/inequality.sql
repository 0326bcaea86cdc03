{#- Slope index of inequality (SII) across areas (or quantiles) ranked by deprivation, after Low & Low (2004) and
    PHEindicatormethods::phe_sii (point estimate):
      1. order the units from most to least deprived (order_by ascending = most deprived first);
      2. give each unit the midpoint of its cumulative population share: x_i = (P_{<i} + p_i / 2) / P, in [0, 1];
      3. weighted least squares of the value on x_i with the population as weight; the SII is the slope, i.e. the
         modelled difference between the least deprived (x = 1) and most deprived (x = 0) ends of the distribution
         (PHE's sign convention: positive when the value rises as deprivation falls).
    95% interval (analytic, not PHE's simulation; documented in docs/methods.md):
      when every unit has a standard error se (e.g. from its published CI: (upper - lower) / (2 * 1.96)), the slope
      is linear in the values, so var(SII) = sum w_i^2 (x_i - xbar)^2 se_i^2 / Sxx^2 and the CI is SII -/+ z * se
      (ci_method 'sampling_se', the quantity PHE's simulation estimates by Monte Carlo);
      otherwise the residual standard error of the fit with Student's t on n - 2 df (ci_method 'residual_se').
    Units with a null value or population are left out before ranking. Returns one row per group. -#}
{% macro slope_index_of_inequality(relation, group_by, order_by, value, population, se=none, confidence=0.95) -%}
    {%- set part = _partition_clause(group_by) -%}
    {%- set ranked -%}
        (
            select
                sii_in.*,
                (sum(sii_pop) over ({{ part }} order by sii_order, sii_tiebreak rows between unbounded preceding and current row)
                    - sii_pop / 2) / sum(sii_pop) over ({{ part }}) as sii_rank_mid
            from (
                select
                    {{ _group_select(group_by) }}
                    {{ order_by }} as sii_order,
                    row_number() over ({{ part }} order by {{ order_by }}) as sii_tiebreak,
                    cast({{ value }} as double) as sii_value,
                    cast({{ population }} as double) as sii_pop,
                    {% if se is not none %}cast({{ se }} as double){% else %}cast(null as double){% endif %} as sii_se
                from {{ relation }}
                where {{ value }} is not null and {{ population }} is not null and {{ population }} > 0
                    and {{ order_by }} is not null
            ) as sii_in
        ) as sii_ranked
    {%- endset -%}
    {%- set z = z_value(confidence) -%}
    select
        {{ _group_select(group_by) }}
        n_points as n_units,
        slope as sii,
        intercept as sii_intercept,
        case when slope_se_known is not null then slope_se_known else slope_se_residual end as sii_se,
        case when slope_se_known is not null then slope - {{ z }} * slope_se_known
             else slope - {{ t_value_95('residual_df') }} * slope_se_residual end as sii_lower_ci,
        case when slope_se_known is not null then slope + {{ z }} * slope_se_known
             else slope + {{ t_value_95('residual_df') }} * slope_se_residual end as sii_upper_ci,
        case when slope is null then null
             when slope_se_known is not null then 'sampling_se'
             when slope_se_residual is not null then 'residual_se' end as sii_ci_method
    from ({{ weighted_linear_fit(ranked, group_by, 'sii_rank_mid', 'sii_value', 'sii_pop', 'sii_se') }}) as sii_fit
{%- endmacro %}

{#- Gap and ratio between two group means (most deprived minus least deprived, most over least). -#}
{% macro inequality_gap(most_deprived, least_deprived) -%}
    ({{ most_deprived }} - {{ least_deprived }})
{%- endmacro %}

{% macro inequality_ratio(most_deprived, least_deprived) -%}
    (case when {{ least_deprived }} <> 0 then cast({{ most_deprived }} as double) / cast({{ least_deprived }} as double) end)
{%- endmacro %}
