select * from fct_gap_verdict
