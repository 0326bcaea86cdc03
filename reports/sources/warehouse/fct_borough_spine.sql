select * from fct_borough_spine
