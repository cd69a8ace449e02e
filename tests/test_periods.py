"""Periods of whole months (`insight_hub.periods`): any past run of months, the last complete months as the
default, the current month marked incomplete, and a query string read without ever failing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from insight_hub.periods import (
    MAX_MONTHS,
    Period,
    PeriodError,
    PeriodForm,
    month_choices,
    parse_month,
)

TODAY = dt.date(2026, 12, 6)  # six days into December: December is incomplete


def form(query: str, *, earliest=None, today=TODAY) -> PeriodForm:
    return PeriodForm(QueryDict(query), earliest=earliest, today=today)


def test_the_default_is_the_last_twelve_complete_months_ending_last_month():
    period = PeriodForm(None, today=TODAY).period()
    assert (period.first, period.last) == (dt.date(2025, 12, 1), dt.date(2026, 11, 1))
    assert not period.incomplete
    assert period.label == "December 2025 to November 2026"


@pytest.mark.parametrize("today", [dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2024, 3, 1), TODAY])
def test_no_default_ever_takes_in_the_current_month(today):
    for query in (
        "",
        "months=1",
        "months=3",
        "months=24",
        "months=bad",
        "from_month=2030-01&to_month=2030-02",
    ):
        assert form(query, today=today).period().last < today.replace(day=1), query
    assert Period.complete_quarter(today=today).last < today.replace(day=1)


def test_the_last_complete_quarter():
    assert Period.complete_quarter(today=TODAY).plain_label == "July 2026 to September 2026"
    assert Period.complete_quarter(today=dt.date(2027, 1, 2)).plain_label == "October 2026 to December 2026"
    assert Period.complete_quarter(today=dt.date(2026, 3, 31)).plain_label == "October 2025 to December 2025"


def test_any_past_months_may_be_chosen():
    period = form("months=custom&from_month=2023-01&to_month=2023-12").period()
    assert (period.first, period.last) == (dt.date(2023, 1, 1), dt.date(2023, 12, 1))
    assert len(period.months) == 12 and not period.incomplete
    assert period.headline_label == "December 2023"
    # From and To alone (a link written by hand) mean the same; so does an older link's 2023-01-01.
    assert form("from_month=2023-01&to_month=2023-12").period() == period
    assert form("from_month=2023-01-01&to_month=2023-12-01").period() == period


def test_a_preset_shows_its_months_in_from_and_to_ready_to_adjust():
    chosen = form("months=3&from_month=2023-01&to_month=2023-12")
    assert chosen.period().plain_label == "September 2026 to November 2026"
    assert chosen["from_month"].value() == "2026-09" and chosen["to_month"].value() == "2026-11"
    # A number of months from a shared link that the list does not offer is still read, and offered.
    assert form("months=2").period().plain_label == "October 2026 to November 2026"
    assert ("2", "Last 2 complete months") in form("months=2").fields["months"].widget.choices


def test_the_current_month_is_marked_incomplete_wherever_it_is_taken_in():
    period = form("months=custom&from_month=2026-01&to_month=2026-12").period()
    assert period.incomplete
    assert period.label == "January 2026 to December 2026: December 2026 is incomplete (to 6 December 2026)"
    # The headline figures read the last complete month, and say so.
    assert period.headline_month == dt.date(2026, 11, 1)
    assert period.headline_label == "November 2026 (the last complete month)"
    only = form("from_month=2026-12&to_month=2026-12").period()
    assert only.headline_month == dt.date(2026, 12, 1)
    assert only.headline_label == "December 2026 (incomplete, to 6 December 2026)"
    choices = dict(month_choices(None, today=TODAY))
    assert choices["2026-12"] == "December 2026 (incomplete, to 6 December 2026)"
    assert choices["2026-11"] == "November 2026"


def test_the_months_offered_reach_back_to_the_first_month_with_data():
    values = [value for value, _ in form("", earliest=dt.date(2019, 4, 17)).fields["from_month"].choices]
    assert values[0] == "2026-12" and values[-1] == "2019-04"
    assert len(values) == 93
    # With no data, or recent data only, still two years to choose from.
    assert len(month_choices(None, today=TODAY)) == 24
    assert len(month_choices(dt.date(2026, 10, 1), today=TODAY)) == 24


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("months=custom&from_month=2024-05&to_month=2024-01", "to_month", "must be the same as or after"),
        ("months=custom&from_month=2026-11&to_month=2027-01", "to_month", "cannot be after this month"),
        ("months=custom&from_month=2027-01&to_month=2027-02", "from_month", "cannot be after this month"),
        ("months=custom&from_month=2015-01&to_month=2026-11", "to_month", f"at most {MAX_MONTHS} months"),
        ("months=custom&to_month=2026-11", "from_month", "Choose the first month"),
        ("months=custom&from_month=2026-01", "to_month", "Choose the last month"),
        ("months=custom&from_month=2023-13&to_month=2023-12", "from_month", "from 01 to 12"),
        ("months=custom&from_month=last+year&to_month=2023-12", "from_month", "like 2023-01"),
        ("months=custom&from_month=2023-02-30&to_month=2023-12", "from_month", "a real date"),
        ("months=0", "months", "between 1 and 60"),
        ("months=61", "months", "between 1 and 60"),
        ("months=%3Cscript%3E", "months", "Choose a period from the list"),
    ],
)
def test_a_bad_period_is_reported_on_its_field_and_the_default_used(query, field, message):
    bad = form(query)
    assert bad.period_errors
    assert message in " ".join(bad.errors[field])
    assert bad.period() == PeriodForm(None, today=TODAY).period()


def test_a_period_is_checked_when_made_directly():
    with pytest.raises(PeriodError) as error:
        Period.between(dt.date(2023, 5, 1), dt.date(2023, 4, 1), today=TODAY)
    assert error.value.field == "last"
    assert Period.between(dt.date(2023, 5, 9), dt.date(2023, 5, 20), today=TODAY).months == [
        dt.date(2023, 5, 1)
    ]


@pytest.mark.parametrize("text", ["2023-1", " 2023-01 ", "2023-01-01", "2023-01-31"])
def test_months_are_read_as_written(text):
    assert parse_month(text) == dt.date(2023, 1, 1)


@given(
    months=st.one_of(st.text(max_size=8), st.integers(-5, 100).map(str), st.just("custom")),
    first=st.one_of(st.text(max_size=12), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str)),
    last=st.one_of(st.text(max_size=12), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str)),
)
def test_any_query_string_gives_a_period_that_can_be_read(months, first, last):
    data = QueryDict(mutable=True)
    data.update({"months": months, "from_month": first, "to_month": last})
    period = PeriodForm(data, today=TODAY).period()
    assert period.first <= period.last <= dt.date(2026, 12, 1)
    assert len(period.months) <= MAX_MONTHS
