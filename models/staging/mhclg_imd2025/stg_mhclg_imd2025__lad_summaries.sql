-- English Indices of Deprivation 2025, local authority district summaries (lower tier), typed; one row per
-- district (296, 2024 boundaries). For the IMD and each of its nine domains/supplementary indices (column
-- prefix) the six summary measures of MHCLG's File 10 that the republication carries. Rank 1 = most deprived.
-- Not comparable with IoD2019 (stg_mhclg_imd2019__lad_summaries) except as relative positions.
{%- set indices = ['imd', 'income', 'employment', 'education', 'health', 'crime', 'barriers',
                   'living_environment', 'idaci', 'idaopi'] %}
{%- set measures = [('average_rank', 'double'), ('rank_of_average_rank', 'integer'),
                    ('average_score', 'double'), ('rank_of_average_score', 'integer'),
                    ('proportion_lsoas_most_deprived_10pct', 'double'),
                    ('rank_of_proportion_lsoas_most_deprived_10pct', 'integer')] %}
select
  cast(area_code as {{ dbt.type_string() }}) as area_code,
  cast(area_name as {{ dbt.type_string() }}) as area_name
  {%- for index in indices %}
  {%- for measure, type in measures %},
  cast({{ index }}_{{ measure }} as {{ type }}) as {{ index }}_{{ measure }}
  {%- endfor %}
  {%- endfor %}
from {{ lake_source('mhclg_imd2025', 'imd2025_lad') }}
