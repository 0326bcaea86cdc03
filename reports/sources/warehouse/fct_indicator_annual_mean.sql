select * from fct_indicator_annual_mean
