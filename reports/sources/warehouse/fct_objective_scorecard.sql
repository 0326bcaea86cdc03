select * from fct_objective_scorecard
