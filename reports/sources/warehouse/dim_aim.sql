select * from dim_aim
