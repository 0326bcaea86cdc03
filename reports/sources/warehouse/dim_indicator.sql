select * from dim_indicator
