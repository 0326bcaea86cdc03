select * from fct_quality_check
