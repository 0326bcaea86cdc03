{{ config(severity='warn') }}
-- Every publisher of a reported figure has a standing in seeds/reference/reported_publisher.csv; one missing counts
-- as 'other' (press) when two figures for the same date disagree, which may not be right for a public body.
select distinct f.publisher
from {{ ref('int_reported_figures_unioned') }} as f
left join {{ ref('reported_publisher') }} as p on f.publisher = p.publisher
where p.publisher is null
