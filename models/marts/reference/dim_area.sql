-- The warehouse's areas as a dimension (contract in _reference__models.yml): the 33 London boroughs with their
-- IoD2025 and IoD2019 deprivation ranks and fifths and latest population, Inner and Outer London, London and
-- England. The logic lives in int_areas_ranked, which the progress layer reads too (intermediate models never
-- read marts).
select * from {{ ref('int_areas_ranked') }}
