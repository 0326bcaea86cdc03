select * from fct_inequality_gap
