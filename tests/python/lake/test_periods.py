"""Period labels -> start/end dates, by the documented conventions."""

from datetime import date

import pytest

from ingest.sources.periods import parse_period


@pytest.mark.parametrize("label, ptype, expected", [
    ("2011", "calendar_year", ("2011", date(2011, 1, 1), date(2011, 12, 31))),
    ("2015 - 17", "pooled_years", ("2015 - 17", date(2015, 1, 1), date(2017, 12, 31))),
    ("2014/15", "academic_year", ("2014/15", date(2014, 9, 1), date(2015, 8, 31))),
    ("2019/20", "financial_year", ("2019/20", date(2019, 4, 1), date(2020, 3, 31))),
    ("1999/00", "financial_year", ("1999/00", date(1999, 4, 1), date(2000, 3, 31))),
    ("2015/16", "active_lives_year", ("2015/16", date(2015, 11, 15), date(2016, 11, 14))),
    ("2021", "active_lives_year_ending", ("2020/21", date(2020, 11, 15), date(2021, 11, 14))),
    ("2000", "active_lives_year_ending", ("1999/00", date(1999, 11, 15), date(2000, 11, 14))),
    ("2020/21 - 24/25", "academic_year", ("2020/21 - 24/25", date(2020, 9, 1), date(2025, 8, 31))),
    ("Jan-08", "month", ("2008-01", date(2008, 1, 1), date(2008, 1, 31))),
    ("Feb-2012", "month", ("2012-02", date(2012, 2, 1), date(2012, 2, 29))),
    ("2013-12-01 00:00:00", "month", ("2013-12", date(2013, 12, 1), date(2013, 12, 31))),
    ("2024", "april", ("2024", date(2024, 4, 1), date(2024, 4, 30))),
])
def test_period_conventions(label, ptype, expected):
    assert parse_period(label, ptype) == expected


@pytest.mark.parametrize("label, ptype", [("2014/16", "academic_year"), ("2014/15", "calendar_year"),
                                          ("Foo-08", "month"), ("2017 - 15", "pooled_years"),
                                          ("2020/21", "active_lives_year_ending")])
def test_labels_that_do_not_fit_are_rejected(label, ptype):
    with pytest.raises(ValueError):
        parse_period(label, ptype)
