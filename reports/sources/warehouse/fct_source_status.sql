select * from fct_source_status
