select * from dim_area
