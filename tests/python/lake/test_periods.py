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


@pytest.mark.parametrize("label, ptype, expected", [
    # MHCLG writes financial years with a hyphen ("2022-23"): same period, same label as "2022/23"
    ("2022-23", "financial_year", ("2022/23", date(2022, 4, 1), date(2023, 3, 31))),
    ("1999-00", "financial_year", ("1999/00", date(1999, 4, 1), date(2000, 3, 31))),
    ("2014-2015", "financial_year", ("2014/2015", date(2014, 4, 1), date(2015, 3, 31))),
    ("2022-23", "academic_year", ("2022/23", date(2022, 9, 1), date(2023, 8, 31))),
    ("2020-21 - 24-25", "financial_year", ("2020/21 - 24/25", date(2020, 4, 1), date(2025, 3, 31))),
    ("2020-21 - 24/25", "financial_year", ("2020/21 - 24/25", date(2020, 4, 1), date(2025, 3, 31))),
    # the slash form is returned exactly as written, as before
    ("2020/21  -  24/25", "financial_year", ("2020/21  -  24/25", date(2020, 4, 1), date(2025, 3, 31))),
    # a hyphen between calendar years stays a pooled period of calendar years where the registry says so
    ("2022-23", "pooled_years", ("2022-23", date(2022, 1, 1), date(2023, 12, 31))),
])
def test_hyphenated_split_years(label, ptype, expected):
    assert parse_period(label, ptype) == expected
    # both spellings of one financial year normalise to one label, so they are one period in the warehouse
    if ptype != "pooled_years":
        assert parse_period(label.replace("-", "/").replace(" / ", " - "), ptype)[1:] == expected[1:]


@pytest.mark.parametrize("label", ["2022-24", "2022-2", "2022--23", "22-23", "2022-23 - 21-22"])
def test_hyphenated_labels_that_are_not_one_financial_year_are_rejected(label):
    with pytest.raises(ValueError, match="does not match period type 'financial_year'"):
        parse_period(label, "financial_year")
