-- IMD 2019 local authority summaries (lower tier), typed; one row per local authority district.
select
  cast(area_code as {{ dbt.type_string() }}) as area_code,
  cast(area_name as {{ dbt.type_string() }}) as area_name,
  cast(imd_average_score as double) as imd_average_score,
  cast(imd_rank_of_average_score as integer) as imd_rank_of_average_score,
  cast(imd_average_rank as double) as imd_average_rank,
  cast(imd_rank_of_average_rank as integer) as imd_rank_of_average_rank,
  cast(imd_proportion_lsoas_most_deprived_10pct as double) as imd_proportion_lsoas_most_deprived_10pct,
  cast(imd_extent as double) as imd_extent,
  cast(imd_local_concentration as double) as imd_local_concentration
from {{ lake_source('mhclg_imd2019', 'imd2019_lad') }}
