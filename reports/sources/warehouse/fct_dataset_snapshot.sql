select * from fct_dataset_snapshot
