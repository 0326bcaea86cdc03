{#- Two-sided standard normal quantile for a confidence level, as a SQL literal.
    SQL engines have no portable inverse-normal function, so the levels public-health analysis uses are tabulated
    (values of qnorm(1 - (1 - level) / 2) to 16 significant digits). Accepts 0.95 or 95. -#}
{% macro z_value(confidence=0.95) -%}
    {%- set level = confidence | float -%}
    {%- if level > 1 -%}{%- set level = level / 100 -%}{%- endif -%}
    {%- set key = (level * 1000) | round | int -%}
    {%- set table = {
        800: '1.2815515655446008e0',
        900: '1.6448536269514715e0',
        950: '1.9599639845400536e0',
        980: '2.3263478740408408e0',
        990: '2.5758293035489e0',
        998: '3.090232306167813e0',
    } -%}
    {%- if key not in table -%}
        {{ exceptions.raise_compiler_error("z_value: unsupported confidence level " ~ confidence ~ "; use one of 0.8, 0.9, 0.95, 0.98, 0.99, 0.998") }}
    {%- endif -%}
    {{ table[key] }}
{%- endmacro %}

{#- Critical value of Student's t (two-sided 95%, i.e. qt(0.975, df)) for df = 1..60 as a SQL CASE (values from
    scipy.stats.t.ppf); above 60 the normal value 1.96 is used (error < 0.04). Used for least-squares fits whose
    residual variance is estimated (df = n - 2). -#}
{% macro t_value_95(df) -%}
    (case cast({{ df }} as integer)
        when 1 then 12.706204736174694e0 when 2 then 4.302652729749462e0 when 3 then 3.1824463052837078e0
        when 4 then 2.7764451051977934e0 when 5 then 2.5705818356363146e0 when 6 then 2.4469118511449786e0
        when 7 then 2.364624251592784e0 when 8 then 2.306004135204166e0 when 9 then 2.262157162798205e0
        when 10 then 2.228138851986274e0 when 11 then 2.200985160091639e0 when 12 then 2.1788128296672284e0
        when 13 then 2.1603686564627913e0 when 14 then 2.144786687917804e0 when 15 then 2.131449545559776e0
        when 16 then 2.1199052992212546e0 when 17 then 2.1098155778333156e0 when 18 then 2.1009220402410382e0
        when 19 then 2.0930240544083087e0 when 20 then 2.085963447265864e0 when 21 then 2.0796138447276795e0
        when 22 then 2.0738730679040254e0 when 23 then 2.0686576104190486e0 when 24 then 2.0638985616280245e0
        when 25 then 2.0595385527532972e0 when 26 then 2.0555294386428735e0 when 27 then 2.0518305164802846e0
        when 28 then 2.0484071417952454e0 when 29 then 2.045229642132703e0 when 30 then 2.0422724563012378e0
        when 31 then 2.039513446396408e0 when 32 then 2.0369333434601016e0 when 33 then 2.0345152974493383e0
        when 34 then 2.0322445093177186e0 when 35 then 2.030107928250343e0 when 36 then 2.0280940009804502e0
        when 37 then 2.0261924630291093e0 when 38 then 2.0243941639119694e0 when 39 then 2.022690920036761e0
        when 40 then 2.021075390306273e0 when 41 then 2.019540970441376e0 when 42 then 2.0180817028184443e0
        when 43 then 2.016692199227824e0 when 44 then 2.0153675744437636e0 when 45 then 2.014103388880846e0
        when 46 then 2.012895598919429e0 when 47 then 2.0117405137297655e0 when 48 then 2.010634757624232e0
        when 49 then 2.0095752371292392e0 when 50 then 2.008559112100761e0 when 51 then 2.007583770315836e0
        when 52 then 2.006646805061688e0 when 53 then 2.0057459953178687e0 when 54 then 2.0048792881880564e0
        when 55 then 2.0040447832891455e0 when 56 then 2.003240718847872e0 when 57 then 2.002465459291007e0
        when 58 then 2.0017174841452356e0 when 59 then 2.000995378088267e0 when 60 then 2.0002978220142604e0
        else 1.9599639845400536e0 end)
{%- endmacro %}

{#- x / y as double, null when y is zero or null (Spark's ANSI mode raises on division by zero). -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
