-- Evidence writes an unreadable Parquet file for a query with no rows, and this mart is empty when no programme
-- return is read (its source unavailable). So an empty mart yields one placeholder row (is_placeholder = true,
-- every other column null); pages filter "where not is_placeholder".
select * from (select *, false as is_placeholder from fct_reported_figure)
union all by name
select true as is_placeholder where not exists (select 1 from fct_reported_figure)
