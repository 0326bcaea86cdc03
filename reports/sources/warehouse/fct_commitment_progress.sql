select * from fct_commitment_progress
