{#- Portable least-squares fits written with aggregate sums, so they run unchanged on DuckDB and Spark SQL.
    Each macro returns a complete SELECT statement (no WITH, so it nests inside a model's CTE):
        with fit as ({{ weighted_linear_fit('my_cte', ['indicator_id', 'period_label'], 'rank_mid', 'value', 'population') }})
    relation: a relation or CTE name; group_by: list of column names (may be empty);
    x, y, w, se: SQL expressions over the relation's columns. -#}

{% macro _partition_clause(group_by) -%}
    {%- if group_by | length > 0 -%}partition by {{ group_by | join(', ') }}{%- endif -%}
{%- endmacro %}

{% macro _group_select(group_by) -%}
    {%- for g in group_by %}{{ g }}, {% endfor -%}
{%- endmacro %}

{#- Weighted least squares of y on x with weights w (w = 1 gives ordinary least squares).
    Sums are taken about the weighted means (per-group means from ordered_sum, joined back to the rows) for numerical stability:
        Sxx = sum w (x - xbar)^2, Sxy = sum w (x - xbar)(y - ybar), Syy = sum w (y - ybar)^2
        slope = Sxy / Sxx, intercept = ybar - slope * xbar
    Two standard errors of the slope:
      slope_se_residual: residual variance estimated from the fit, s^2 = (Syy - Sxy^2/Sxx) / (n - 2),
                         se = sqrt(s^2 / Sxx) (the usual WLS/OLS standard error, as R's lm with weights);
      slope_se_known:    each y_i has a known standard error se_i; the slope is linear in y, so
                         var(slope) = sum w_i^2 (x_i - xbar)^2 se_i^2 / Sxx^2  (null unless every point has se_i).
                         With inverse-variance weights w = 1/se^2 this reduces to 1/Sxx.
    Rows with a null x, y or w, or w <= 0, are left out. -#}
{% macro weighted_linear_fit(relation, group_by, x, y, w='1', se=none) -%}
    select
        {{ _group_select(group_by) }}
        n_points,
        sum_w,
        x_mean,
        y_mean,
        sxx,
        sxy,
        case when sxx > 0 then sxy / sxx end as slope,
        case when sxx > 0 then y_mean - x_mean * sxy / sxx end as intercept,
        n_points - 2 as residual_df,
        case when n_points > 2 and sxx > 0
            then sqrt(greatest(syy - sxy * sxy / sxx, 0) / (n_points - 2) / sxx) end as slope_se_residual,
        case when n_points = n_with_se and sxx > 0 then sqrt(sum_var_known) / sxx end as slope_se_known
    from (
        select
            {{ _group_select(group_by) }}
            count(*) as n_points,
            {{ ordered_sum('fit_w') }} as sum_w,
            -- the group's means, computed once in fit_means (the same ordered sums over the same rows)
            max(fit_x_bar) as x_mean,
            max(fit_y_bar) as y_mean,
            {{ ordered_sum('fit_w * fit_dx * fit_dx') }} as sxx,
            {{ ordered_sum('fit_w * fit_dx * fit_dy') }} as sxy,
            {{ ordered_sum('fit_w * fit_dy * fit_dy') }} as syy,
            count(fit_se) as n_with_se,
            {{ ordered_sum('fit_w * fit_w * fit_dx * fit_dx * fit_se * fit_se') }} as sum_var_known
        from (
            with fit_in as (
                select
                    {{ _group_select(group_by) }}
                    cast({{ x }} as double) as fit_x,
                    cast({{ y }} as double) as fit_y,
                    cast({{ w }} as double) as fit_w,
                    {% if se is not none %}cast({{ se }} as double){% else %}cast(null as double){% endif %} as fit_se
                from {{ relation }}
                where {{ x }} is not null and {{ y }} is not null and {{ w }} is not null and {{ w }} > 0
            ),
            fit_means as (
                select
                    {{ _group_select(group_by) }}
                    {{ ordered_sum('fit_w * fit_x') }} / {{ ordered_sum('fit_w') }} as fit_x_bar,
                    {{ ordered_sum('fit_w * fit_y') }} / {{ ordered_sum('fit_w') }} as fit_y_bar
                from fit_in
                {% if group_by | length > 0 %}group by {{ group_by | join(', ') }}{% endif %}
            )
            select
                fit_in.*,
                fit_means.fit_x_bar,
                fit_means.fit_y_bar,
                fit_in.fit_x - fit_means.fit_x_bar as fit_dx,
                fit_in.fit_y - fit_means.fit_y_bar as fit_dy
            from fit_in
            inner join fit_means
                on {% for g in group_by %}fit_in.{{ g }} is not distinct from fit_means.{{ g }}{% if not loop.last %} and {% endif %}{% else %}1 = 1{% endfor %}
        ) as fit_centred
        {% if group_by | length > 0 %}group by {{ group_by | join(', ') }}{% endif %}
    ) as fit_sums
{%- endmacro %}

{#- Chi-squared test for linear trend in proportions (Armitage 1955; Cochran 1954), for x_i events out of n_i at
    time scores t_i. With tbar the n-weighted mean of t and p = sum x / sum n:
        T = sum x_i (t_i - tbar),  V = p (1 - p) sum n_i (t_i - tbar)^2,  chi2 = T^2 / V  (1 degree of freedom)
    The trend in the proportion per unit of t is T / sum n_i (t_i - tbar)^2 (the n-weighted least-squares slope).
    Rows with null t, x or n, or n <= 0, are left out. Significant at 5% when chi2 > 3.841458820694124. -#}
{% macro chi_squared_trend(relation, group_by, t, x, n) -%}
    select
        {{ _group_select(group_by) }}
        n_points,
        total_x,
        total_n,
        total_x / total_n as pooled_proportion,
        case when snt2 > 0 then sum_xdt / snt2 end as slope_proportion,
        case when snt2 > 0 and total_x > 0 and total_x < total_n
            then sum_xdt * sum_xdt / ((total_x / total_n) * (1 - total_x / total_n) * snt2) end as chi_squared
    from (
        select
            {{ _group_select(group_by) }}
            count(*) as n_points,
            {{ ordered_sum('ct_x') }} as total_x,
            {{ ordered_sum('ct_n') }} as total_n,
            {{ ordered_sum('ct_x * ct_dt') }} as sum_xdt,
            {{ ordered_sum('ct_n * ct_dt * ct_dt') }} as snt2
        from (
            with ct_in as (
                select
                    {{ _group_select(group_by) }}
                    cast({{ t }} as double) as ct_t,
                    cast({{ x }} as double) as ct_x,
                    cast({{ n }} as double) as ct_n
                from {{ relation }}
                where {{ t }} is not null and {{ x }} is not null and {{ n }} is not null and {{ n }} > 0
            ),
            ct_means as (
                select
                    {{ _group_select(group_by) }}
                    {{ ordered_sum('ct_n * ct_t') }} / {{ ordered_sum('ct_n') }} as ct_t_bar
                from ct_in
                {% if group_by | length > 0 %}group by {{ group_by | join(', ') }}{% endif %}
            )
            select
                ct_in.*,
                ct_in.ct_t - ct_means.ct_t_bar as ct_dt
            from ct_in
            inner join ct_means
                on {% for g in group_by %}ct_in.{{ g }} is not distinct from ct_means.{{ g }}{% if not loop.last %} and {% endif %}{% else %}1 = 1{% endfor %}
        ) as ct_centred
        {% if group_by | length > 0 %}group by {{ group_by | join(', ') }}{% endif %}
    ) as ct_sums
{%- endmacro %}

{#- Critical value of chi-squared with 1 degree of freedom at the 5% level. -#}
{% macro chi_squared_1df_critical_95() -%}3.841458820694124e0{%- endmacro %}
