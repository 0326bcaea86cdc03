-- Areas of the warehouse: the 33 London boroughs (with ONS inner/outer London, IMD 2019 and latest
-- population), Inner and Outer London (ONS statistical sub-regions, from the london_areas seed), London region
-- and England.
with boroughs as (
    select area_code, area_name, inner_outer
    from {{ ref('stg_ons_london_boroughs_boundaries__boroughs') }}
),

imd as (
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
        i.imd_rank_of_average_score as imd2019_rank,
        i.imd_average_score as imd2019_score,
        -- decile within England: rank 1-317 of average score split into tenths (1 = most deprived tenth)
        cast(ceiling(i.imd_rank_of_average_score * 10.0 / i.n_districts) as integer) as imd2019_decile,
        -- fifth among the 33 boroughs by the same rank (ntile: sizes 7, 7, 7, 6, 6; 1 = most deprived)
        ntile(5) over (order by i.imd_rank_of_average_score) as deprivation_fifth,
        p.population,
        p.year as population_year
    from boroughs as b
    left join imd as i on b.area_code = i.area_code
    left join latest_population as p on b.area_code = p.area_code
),

summary_rows as (
    select
        p.area_code,
        p.area_name,
        case when p.area_code = 'E12000007' then 'region' else 'country' end as area_type,
        false as is_london_borough,
        cast(null as {{ dbt.type_string() }}) as inner_outer,
        cast(null as integer) as imd2019_rank,
        cast(null as double) as imd2019_score,
        cast(null as integer) as imd2019_decile,
        cast(null as integer) as deprivation_fifth,
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
        cast(null as integer) as imd2019_rank,
        cast(null as double) as imd2019_score,
        cast(null as integer) as imd2019_decile,
        cast(null as integer) as deprivation_fifth,
        p.population,
        p.year as population_year
    from {{ ref('london_areas') }} as s
    left join latest_population as p on s.area_code = p.area_code
    where s.area_type = 'sub_region'
),

all_rows as (
    select * from borough_rows
    union all
    select * from sub_region_rows
    union all
    select * from summary_rows
)

select
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(area_type as {{ dbt.type_string() }}) as area_type,
    cast(is_london_borough as boolean) as is_london_borough,
    cast(inner_outer as {{ dbt.type_string() }}) as inner_outer,
    cast(imd2019_rank as integer) as imd2019_rank,
    cast(imd2019_score as double) as imd2019_score,
    cast(imd2019_decile as integer) as imd2019_decile,
    cast(deprivation_fifth as integer) as deprivation_fifth,
    cast(population as bigint) as population,
    cast(population_year as integer) as population_year
from all_rows
