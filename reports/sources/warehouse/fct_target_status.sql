select * from fct_target_status
