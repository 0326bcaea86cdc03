select * from fct_borough_indicator
