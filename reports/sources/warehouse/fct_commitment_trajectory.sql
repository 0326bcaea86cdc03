select * from fct_commitment_trajectory
