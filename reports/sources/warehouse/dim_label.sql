select * from dim_label
