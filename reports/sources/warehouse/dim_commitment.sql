select * from dim_commitment
