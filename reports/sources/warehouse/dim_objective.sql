select * from dim_objective
