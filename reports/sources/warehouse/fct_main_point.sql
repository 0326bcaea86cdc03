select * from fct_main_point
