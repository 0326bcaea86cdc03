-- Every indicator in the catalogue evidences at least one commitment, objective or the strategy as a whole.
-- Severity warn: a newly added indicator is a curation to-do (add its rows to
-- seeds/reference/commitment_indicator_map.csv), not a reason to stop the build.
{{ config(severity='warn') }}
select c.indicator_id
from {{ ref('indicator_catalogue') }} as c
left join {{ ref('commitment_indicator_map') }} as m on c.indicator_id = m.indicator_id
where m.indicator_id is null
