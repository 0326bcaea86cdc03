select * from fct_commitment_target
