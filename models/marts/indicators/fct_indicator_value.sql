{#-
  Incremental on DuckDB, by source: a build rewrites only the rows of sources whose lake snapshots changed
  (added, replaced or gone) or whose lake files `his dbt` saw change, so a monthly update of one source does
  not rewrite every other source's rows
  (docs/performance.md). delete+insert with unique_key source_id replaces all rows of each changed source;
  the post-hook drops the rows of a source that no longer has any. `his dbt` passes --full-refresh whenever a
  project file (model, macro, seed...) changed since the warehouse was built, so the model's logic never
  differs between old and new rows. On Spark this is a plain table: dbt-spark's incremental strategies need
  partitioned (insert_overwrite) or Delta/Iceberg (merge) tables, and this project's Spark tables are plain
  Parquet (dbt_project.yml); a cluster rebuilds the table in parallel instead.
-#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='delete+insert',
    unique_key='source_id',
    on_schema_change='fail',
    post_hook=[
        "{% if is_incremental() %}delete from {{ this }} where source_id not in
            (select distinct source_id from {{ ref('int_indicator_values_unioned') }}){% endif %}"
    ]
) }}
-- Every indicator value for the warehouse's areas, canonical shape, keyed to dim_indicator and dim_area. The grain is the
-- natural key (indicator, area, period, sex, age, category type, category), tested as one unique combination;
-- there is no hashed surrogate key (an md5 per row was a quarter of this model's cost at 10M rows).
with unioned as (
    select * from {{ ref('int_indicator_values_unioned') }}
    -- the warehouse's geography only (int_areas_ranked, as dim_area): a national source's other areas stay in the
    -- lake and in the view int_indicator_values_unioned (at national scale ~90% of the rows; docs/performance.md)
    where area_code in (select area_code from {{ ref('int_areas_ranked') }})
    {%- if is_incremental() %}
    -- only the sources whose set of (source, snapshot) pairs differs from what the table holds, and those whose
    -- lake files changed (HIS_CHANGED_SOURCES, set by `his dbt`: a file rewritten under the same snapshot)
    {%- set changed = env_var('HIS_CHANGED_SOURCES', '') | trim %}
    and ({% if changed %}source_id in (
        {%- for s in changed.split(',') %}'{{ s | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor -%}
    ) or {% endif %}source_id in (
        select source_id from (
            select source_id, snapshot_sha256 from {{ ref('int_indicator_values_unioned') }}
            except
            select source_id, snapshot_sha256 from {{ this }}
        ) as added
        union
        select source_id from (
            select source_id, snapshot_sha256 from {{ this }}
            except
            select source_id, snapshot_sha256 from {{ ref('int_indicator_values_unioned') }}
        ) as removed
    ))
    {%- endif %}
)

-- the canonical columns in contract order with portable types: the macro every indicator staging model uses
{{ indicator_staging(['unioned']) }}
