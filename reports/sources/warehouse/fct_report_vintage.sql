select * from fct_report_vintage
