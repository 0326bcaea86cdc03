-- Areas of the warehouse: the 33 London boroughs (with ONS inner/outer London, the IMD of the English
-- Indices of Deprivation 2025 and 2019, and latest population), Inner and Outer London (ONS statistical
-- sub-regions, from the london_areas seed), London region and England.
-- Every deprivation column names its edition (imd2025_*, imd2019_*): the two are not comparable (new LSOA and
-- district geographies, indicator changes), only as relative positions. The inequality marts use IoD2025;
-- the IoD2019 columns stay so that older analyses can be reproduced.
with boroughs as (
    select area_code, area_name, inner_outer
    from {{ ref('stg_ons_london_boroughs_boundaries__boroughs') }}
),

imd2025 as (
    select
        area_code,
        imd_rank_of_average_score,
        imd_average_score,
        count(*) over () as n_districts
    from {{ ref('stg_mhclg_imd2025__lad_summaries') }}
),

imd2019 as (
    select
        area_code,
        imd_rank_of_average_score,
        imd_average_score,
        count(*) over () as n_districts
    from {{ ref('stg_mhclg_imd2019__lad_summaries') }}
),

population_ranked as (
    select
        area_code,
        area_name,
        year,
        population,
        row_number() over (partition by area_code order by year desc) as recency
    from {{ ref('stg_ons_mid_year_population__population') }}
),

latest_population as (
    select area_code, area_name, year, population
    from population_ranked
    where recency = 1
),

borough_rows as (
    select
        b.area_code,
        b.area_name,
        'borough' as area_type,
        true as is_london_borough,
        b.inner_outer,
        i25.imd_rank_of_average_score as imd2025_rank_of_average_score,
        i25.imd_average_score as imd2025_average_score,
        -- decile within England: rank 1-296 (IoD2025) of average score split into tenths (1 = most deprived tenth)
        cast(ceiling(i25.imd_rank_of_average_score * 10.0 / i25.n_districts) as integer) as imd2025_decile,
        -- fifth among the 33 boroughs by the same rank (ntile: sizes 7, 7, 7, 6, 6; 1 = most deprived)
        case when i25.imd_rank_of_average_score is not null then
            ntile(5) over (
                partition by case when i25.imd_rank_of_average_score is null then 1 else 0 end
                order by i25.imd_rank_of_average_score, b.area_code
            )
        end as imd2025_fifth,
        i19.imd_rank_of_average_score as imd2019_rank_of_average_score,
        i19.imd_average_score as imd2019_average_score,
        -- the same from IoD2019 (ranks 1-317 on 2019 districts)
        cast(ceiling(i19.imd_rank_of_average_score * 10.0 / i19.n_districts) as integer) as imd2019_decile,
        case when i19.imd_rank_of_average_score is not null then
            ntile(5) over (
                partition by case when i19.imd_rank_of_average_score is null then 1 else 0 end
                order by i19.imd_rank_of_average_score, b.area_code
            )
        end as imd2019_fifth,
        p.population,
        p.year as population_year
    from boroughs as b
    left join imd2025 as i25 on b.area_code = i25.area_code
    left join imd2019 as i19 on b.area_code = i19.area_code
    left join latest_population as p on b.area_code = p.area_code
),

summary_rows as (
    select
        p.area_code,
        p.area_name,
        case when p.area_code = 'E12000007' then 'region' else 'country' end as area_type,
        false as is_london_borough,
        cast(null as {{ dbt.type_string() }}) as inner_outer,
        cast(null as integer) as imd2025_rank_of_average_score,
        cast(null as double) as imd2025_average_score,
        cast(null as integer) as imd2025_decile,
        cast(null as integer) as imd2025_fifth,
        cast(null as integer) as imd2019_rank_of_average_score,
        cast(null as double) as imd2019_average_score,
        cast(null as integer) as imd2019_decile,
        cast(null as integer) as imd2019_fifth,
        p.population,
        p.year as population_year
    from latest_population as p
    where p.area_code in ('E12000007', 'E92000001')
),

sub_region_rows as (
    select
        s.area_code,
        s.area_name,
        s.area_type,
        false as is_london_borough,
        s.inner_outer,
        cast(null as integer) as imd2025_rank_of_average_score,
        cast(null as double) as imd2025_average_score,
        cast(null as integer) as imd2025_decile,
        cast(null as integer) as imd2025_fifth,
        cast(null as integer) as imd2019_rank_of_average_score,
        cast(null as double) as imd2019_average_score,
        cast(null as integer) as imd2019_decile,
        cast(null as integer) as imd2019_fifth,
        p.population,
        p.year as population_year
    from {{ ref('london_areas') }} as s
    left join latest_population as p on s.area_code = p.area_code
    where s.area_type = 'sub_region'
),

all_rows as (
    select * from borough_rows
    union all
    select * from summary_rows
    union all
    select * from sub_region_rows
)

select
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(area_type as {{ dbt.type_string() }}) as area_type,
    cast(is_london_borough as boolean) as is_london_borough,
    cast(inner_outer as {{ dbt.type_string() }}) as inner_outer,
    cast(imd2025_rank_of_average_score as integer) as imd2025_rank_of_average_score,
    cast(imd2025_average_score as double) as imd2025_average_score,
    cast(imd2025_decile as integer) as imd2025_decile,
    cast(imd2025_fifth as integer) as imd2025_fifth,
    cast(imd2019_rank_of_average_score as integer) as imd2019_rank_of_average_score,
    cast(imd2019_average_score as double) as imd2019_average_score,
    cast(imd2019_decile as integer) as imd2019_decile,
    cast(imd2019_fifth as integer) as imd2019_fifth,
    cast(population as bigint) as population,
    cast(population_year as integer) as population_year
from all_rows
