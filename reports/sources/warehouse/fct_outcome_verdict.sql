select * from fct_outcome_verdict
