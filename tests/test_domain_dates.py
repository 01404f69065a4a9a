"""Dates with precision: parsing, resolving relative phrases, re-resolving (invariant 8)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.dates import DocumentDate, ValidTime, parse_edtf, re_resolve, resolve, split_date_prefix

FRIDAY = DocumentDate(value="2020-10-02", kind="published")
MONTH = DocumentDate(value="2025-07", kind="published")


@pytest.mark.parametrize(
    "value,precision",
    [("2025", "year"), ("2025-07", "month"), ("2025-07-03", "day"), ("2024-02-29", "day")],
)
def test_parse_edtf_accepts_three_precisions(value, precision):
    assert parse_edtf(value) == (value, precision)


@pytest.mark.parametrize("bad", ["2025-13", "2025-02-30", "2023-02-29", "25-07", "2025/07", "July 2025", "", "2025-7"])
def test_parse_edtf_rejects_and_names_the_input(bad):
    with pytest.raises(ValueError) as exc:
        parse_edtf(bad)
    assert repr(bad) in str(exc.value)


def test_document_date_derives_and_checks_precision():
    assert DocumentDate(value="2025-07").precision == "month"
    with pytest.raises(ValueError):
        DocumentDate(value="2025-07", precision="day")
    assert DocumentDate.parse(None).kind == "unknown"


def test_split_date_prefix_of_a_seed_file():
    date, text, offset = split_date_prefix(" date 2025-07 Sechs Tage nach")
    assert date == DocumentDate(value="2025-07", precision="month", kind="published")
    assert text == "Sechs Tage nach" and offset == 14
    assert split_date_prefix("No prefix here") == (None, "No prefix here", 0)
    assert split_date_prefix("date 2020-10-02 X")[0].precision == "day"


@pytest.mark.parametrize(
    "relation,expected",
    [
        ({"weekday": 4}, "2020-10-02"),  # "am Freitag" on a Friday is that Friday
        ({"weekday": 3}, "2020-10-01"),
        ({"weekday": 6, "since": True}, "2020-09-27/2020-10-02"),
        ({"days_before_ref": 1, "ref": {"weekday": 3}}, "2020-09-30"),
        ({"days_before_anchor": 1}, "2020-10-01"),
        ({"days_before_anchor": 0}, "2020-10-02"),
        ({"month": 9, "day": 27}, "2020-09-27"),
        ({"month": 12, "day": 24}, "2019-12-24"),  # a later month than the anchor: last year
        ({"year": 2018, "month": 3, "day": 1}, "2018-03-01"),
    ],
)
def test_resolve_against_a_day(relation, expected):
    valid = resolve(relation, "phrase", FRIDAY)
    assert valid.date == expected
    assert valid.precision == "day"
    assert valid.anchor == "2020-10-02"
    assert valid.relation == relation


def test_order_is_the_day_offset_when_the_anchor_is_a_day():
    assert resolve({"weekday": 3}, "am Donnerstag", FRIDAY).order == -1
    assert resolve({"weekday": 6, "since": True}, "seit Sonntag", FRIDAY).order == -5


@pytest.mark.parametrize(
    "relation", [{"weekday": 4}, {"weekday": 6, "since": True}, {"days_before_ref": 1, "ref": {"weekday": 3}}, None]
)
def test_month_anchor_never_invents_a_day(relation):
    valid = resolve(relation, "am Freitag", MONTH, order=0)
    assert (valid.date, valid.precision) == ("2025-07", "month")
    assert valid.phrase == "am Freitag" and valid.relation == relation and valid.order == 0


def test_year_anchor_stays_a_year_and_no_anchor_is_unknown():
    assert resolve({"weekday": 4}, "am Freitag", DocumentDate(value="2020")).date == "2020"
    unknown = resolve({"weekday": 4}, "am Freitag", DocumentDate.parse(None))
    assert unknown.date is None and unknown.precision is None and unknown.phrase == "am Freitag"


def test_re_resolve_from_month_to_day_and_back():
    at_month = resolve({"weekday": 4}, "am Freitag", MONTH, order=0)
    at_day = re_resolve(at_month, FRIDAY)
    assert (at_day.date, at_day.precision, at_day.phrase, at_day.anchor) == ("2020-10-02", "day", "am Freitag", "2020-10-02")
    back = re_resolve(at_day, MONTH)
    assert (back.date, back.precision) == ("2025-07", "month")


def test_valid_time_validates_its_date():
    ValidTime(date="2020-09-27/2020-10-02", precision="day")
    ValidTime(date="../2020-10-02", precision="day")
    with pytest.raises(ValueError):
        ValidTime(date="2020-13", precision="month")
    with pytest.raises(ValueError):
        ValidTime(date="2020-10", precision=None)


@given(st.dates(min_value=dt.date(1, 1, 7)), st.integers(min_value=0, max_value=6))
def test_a_weekday_resolves_on_or_before_the_anchor_within_a_week(day, weekday):
    valid = resolve({"weekday": weekday}, "x", DocumentDate(value=day.isoformat()))
    got = dt.date.fromisoformat(valid.date)
    assert got.weekday() == weekday and 0 <= (day - got).days <= 6 and valid.order == (got - day).days


def test_a_weekday_before_the_first_calendar_day_stays_at_the_anchor():
    # 0001-01-01 is a Monday: "am Sonntag" would fall before the calendar starts.
    anchor = DocumentDate(value="0001-01-01", precision="day", kind="published")
    valid = resolve({"weekday": 6}, "am Sonntag", anchor)
    assert (valid.date, valid.precision, valid.phrase) == ("0001-01-01", "day", "am Sonntag")


@pytest.mark.parametrize("anchor", [FRIDAY, MONTH, None])
@pytest.mark.parametrize("years,expected", [([2016, 2016], "2016"), ([1988, 1994], "1988/1994")])
def test_a_named_year_or_span_holds_whatever_the_anchor(anchor, years, expected):
    valid = resolve({"years": years}, "im Jahr", anchor)
    assert (valid.date, valid.precision) == (expected, "year")
    assert re_resolve(valid, DocumentDate(value="2030-01-01", kind="published")).date == expected
