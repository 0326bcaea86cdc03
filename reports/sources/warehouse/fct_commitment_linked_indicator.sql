select * from fct_commitment_linked_indicator
