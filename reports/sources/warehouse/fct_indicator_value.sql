select * from fct_indicator_value
