"""Calendar months and periods of whole months: the unit every roll-up, dashboard, report and charter
review counts in. Core: it knows nothing of the apps that use it.

A period is any run of whole months in the past, up to and including the current month. The current month
is incomplete (its data runs only to today), so it is never a default: the defaults end with the last
complete month, and wherever a period takes in the current month it says so ("incomplete (to 6 December
2026)"). `PeriodForm` reads a period from a query string (`?months=12`, or `?months=custom&from_month=2023-01
&to_month=2023-12`), so that a view can be shared by link; a bad value is reported on its field and the
default is used instead, never an error page.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q
from django.utils import timezone

MAX_MONTHS = 60  # five years: the longest period a dashboard reads (60 points on a chart stay legible)
DEFAULT_MONTHS = 12
OFFERED_YEARS = 20  # a month from a link is added to the lists if no older than this (a list stays short)
PRESETS = (1, 3, 6, 12, 24)
CUSTOM = "custom"
_MONTH = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 month)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months from `first`'s to `last`'s, both included (0 when last is before first)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def this_month(today: dt.date | None = None) -> dt.date:
    return month_start(today or timezone.localdate())


def last_complete_month(today: dt.date | None = None) -> dt.date:
    return add_months(this_month(today), -1)


def to_date(today: dt.date) -> str:
    """ "6 December 2026": how far an incomplete month's data reaches."""
    return f"{today.day} {today:%B %Y}"


def month_value(month: dt.date) -> str:
    """A month as it goes into a query string: 2023-01."""
    return f"{month:%Y-%m}"


def parse_month(value: str) -> dt.date:
    """The 1st of the month written as 2023-01 (or 2023-01-01, as older links have it). ValueError with a
    message for a person otherwise."""
    match = _MONTH.fullmatch((value or "").strip())
    if not match:
        raise ValueError("Enter a month as year and month, like 2023-01")
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    if not 1 <= month <= 12:
        raise ValueError("The month must be from 01 to 12, like 2023-01")
    if year < 1900:
        raise ValueError("Enter a year from 1900 onwards")
    try:
        return dt.date(year, month, day).replace(day=1)
    except ValueError:
        raise ValueError("Enter a real date, like 2023-01") from None


class PeriodError(ValueError):
    """A period that cannot be: `field` is "first" or "last", the month the message is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    """Whole calendar months, first to last inclusive (both the 1st of their month).

    `today`, when given, is the day the period is read on: a period whose last month is today's month is
    incomplete, and its label says so. Left out (None), the period is not marked (a stored report's period,
    or one of past months only)."""

    first: dt.date
    last: dt.date
    today: dt.date | None = field(default=None, compare=False)

    @classmethod
    def last_months(cls, count: int, *, today: dt.date | None = None) -> Period:
        """`count` months up to and including `today`'s month, often given as the month to end on (so the
        period is not marked incomplete). Defaults use `complete_months`, which never take in this month."""
        last = this_month(today)
        return cls(add_months(last, -(count - 1)), last)

    @classmethod
    def complete_months(cls, count: int, *, today: dt.date | None = None) -> Period:
        """The last `count` complete months: ending with last month, never the current one."""
        today = today or timezone.localdate()
        last = last_complete_month(today)
        return cls(add_months(last, -(count - 1)), last, today)

    @classmethod
    def complete_quarter(cls, *, today: dt.date | None = None) -> Period:
        """The last complete calendar quarter (January to March, April to June, ...; the NHS's financial
        quarters start on the same months): on 6 December 2026, July to September 2026."""
        today = today or timezone.localdate()
        current = this_month(today)
        quarter_start = current.replace(month=current.month - (current.month - 1) % 3)
        return cls(add_months(quarter_start, -3), add_months(quarter_start, -1), today)

    @classmethod
    def between(
        cls, first: dt.date, last: dt.date, *, today: dt.date | None = None, max_months: int = MAX_MONTHS
    ) -> Period:
        """Any whole months from `first`'s to `last`'s, checked: in order, not in the future, at most
        `max_months` long. PeriodError names the month at fault."""
        today = today or timezone.localdate()
        first, last = month_start(first), month_start(last)
        current = this_month(today)
        if first > current:
            raise PeriodError("first", f"The first month cannot be after this month ({current:%B %Y})")
        if last > current:
            raise PeriodError("last", f"The last month cannot be after this month ({current:%B %Y})")
        if last < first:
            raise PeriodError("last", "The last month must be the same as or after the first month")
        if months_between(first, last) > max_months:
            raise PeriodError("last", f"A period covers at most {max_months} months")
        return cls(first, last, today)

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = next_month(month)
        return out

    def previous(self) -> Period:
        """The same number of months just before this period."""
        count = months_between(self.first, self.last)
        last = add_months(self.first, -1)
        return Period(add_months(last, -(count - 1)), last, self.today)

    @property
    def incomplete(self) -> bool:
        """Whether the period takes in the month `today` falls in (its data run only to today)."""
        return self.today is not None and self.last >= month_start(self.today)

    @property
    def incomplete_note(self) -> str:
        """ "December 2026 is incomplete (to 6 December 2026)", or "" for a period of complete months."""
        if not self.incomplete:
            return ""
        return f"{month_start(self.today):%B %Y} is incomplete (to {to_date(self.today)})"

    @property
    def headline_month(self) -> dt.date:
        """The month a "% positive in <month>" figure or the rising themes read: the period's last complete
        month, or its only month when that is the current one (then marked incomplete). Without `today`, the
        last month."""
        if self.today is None:
            return self.last
        complete = last_complete_month(self.today)
        if self.first <= complete < self.last:
            return complete
        return self.last

    @property
    def headline_incomplete(self) -> bool:
        return self.incomplete and self.headline_month >= month_start(self.today)

    @property
    def headline_label(self) -> str:
        """ "November 2026", "November 2026 (the last complete month)" when the period goes on into the
        current month, or "December 2026 (incomplete, to 6 December 2026)" when there is no other."""
        month = self.headline_month
        if self.headline_incomplete:
            return f"{month:%B %Y} (incomplete, to {to_date(self.today)})"
        if month != self.last:
            return f"{month:%B %Y} (the last complete month)"
        return f"{month:%B %Y}"

    @property
    def plain_label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%B %Y}"
        return f"{self.first:%B %Y} to {self.last:%B %Y}"

    @property
    def label(self) -> str:
        """ "January 2023 to December 2023", with the incomplete month named when there is one."""
        if self.incomplete:
            return f"{self.plain_label}: {self.incomplete_note}"
        return self.plain_label

    def filter(self, field: str = "month") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


def month_label(month: dt.date, *, today: dt.date | None = None) -> str:
    """ "November 2026", or "December 2026 (incomplete, to 6 December 2026)" for the current month."""
    today = today or timezone.localdate()
    if month >= month_start(today):
        return f"{month:%B %Y} (incomplete, to {to_date(today)})"
    return f"{month:%B %Y}"


def month_choices(earliest: dt.date | None, *, today: dt.date | None = None, at_least: int = 24) -> list:
    """The months a person may pick, newest first: this month (marked incomplete) back to `earliest` (the
    first month that holds data), and never fewer than `at_least` months."""
    today = today or timezone.localdate()
    current = this_month(today)
    oldest = add_months(current, -(at_least - 1))
    if earliest is not None:
        oldest = min(oldest, month_start(earliest))
    out, month = [], current
    while month >= oldest:
        out.append((month_value(month), month_label(month, today=today)))
        month = add_months(month, -1)
    return out


class MonthField(forms.Field):
    """A month from a list (newest first), read as 2023-01; a month typed into the URL that is not in the
    list is still read, and checked like any other."""

    widget = forms.Select

    def __init__(self, *, choices=(), **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = list(value)
        self.widget.choices = [("", "Choose a month"), *self._choices]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_month(str(value))
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PeriodForm(forms.Form):
    """A period from the query string: the last N complete months (`months=12`), or chosen months
    (`months=custom&from_month=2023-01&to_month=2023-12`; `from_month`/`to_month` alone mean the same).
    `earliest` is the first month that holds data (the lists go back to it); `today` fixes the date."""

    months = forms.CharField(label="Period", required=False, widget=forms.Select)
    from_month = MonthField(label="From", required=False, help_text="When the period is “Choose months”")
    to_month = MonthField(label="To", required=False, help_text="Up to this month, included")

    max_months = MAX_MONTHS
    default_months = DEFAULT_MONTHS

    def __init__(self, *args, earliest: dt.date | None = None, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.default = Period.complete_months(self.default_months, today=self.today)
        for name in ("from_month", "to_month") if self.is_bound else ():
            try:  # a month from a link, older than the data: offered too, so that the list shows it
                asked_month = parse_month(str(self.data.get(self.add_prefix(name), "")))
            except ValueError:
                continue
            if asked_month >= add_months(this_month(self.today), -OFFERED_YEARS * 12):
                earliest = asked_month if earliest is None else min(earliest, asked_month)
        months = month_choices(earliest, today=self.today)
        presets = [
            (str(n), "Last complete month" if n == 1 else f"Last {n} complete months")
            for n in PRESETS
            if n <= self.max_months
        ]
        asked = str(self.data.get(self.add_prefix("months"), "")).strip() if self.is_bound else ""
        if asked.isdigit() and asked not in dict(presets) and 1 <= int(asked) <= self.max_months:
            presets.append((asked, f"Last {int(asked)} complete months"))  # from a shared link
        self.fields["months"].widget.choices = [*presets, (CUSTOM, "Choose months (From and To)")]
        self.fields["months"].initial = str(self.default_months)
        for name in ("from_month", "to_month"):
            self.fields[name].choices = months
        self.fields["from_month"].initial = month_value(self.default.first)
        self.fields["to_month"].initial = month_value(self.default.last)

    def clean_months(self):
        value = (self.cleaned_data.get("months") or "").strip()
        if not value or value == CUSTOM:
            return value
        if not value.isdigit() or not 1 <= int(value) <= self.max_months:
            raise forms.ValidationError(
                f"Choose a period from the list: between 1 and {self.max_months} complete months, "
                "or choose months"
            )
        return int(value)

    def clean(self):
        data = super().clean()
        if any(name in self.errors for name in ("months", "from_month", "to_month")):
            return data
        months, first, last = data.get("months"), data.get("from_month"), data.get("to_month")
        if months == CUSTOM or (not months and (first or last)):
            if first is None:
                self.add_error("from_month", "Choose the first month of the period")
            if last is None:
                self.add_error("to_month", "Choose the last month of the period")
            if first is None or last is None:
                return data
            try:
                data["period"] = Period.between(first, last, today=self.today, max_months=self.max_months)
            except PeriodError as error:
                self.add_error("from_month" if error.field == "first" else "to_month", error.message)
            return data
        data["period"] = Period.complete_months(months or self.default_months, today=self.today)
        # The From and To lists show the months the preset covers, ready to adjust.
        shown = self.data.copy()
        shown[self.add_prefix("from_month")] = month_value(data["period"].first)
        shown[self.add_prefix("to_month")] = month_value(data["period"].last)
        self.data = shown
        return data

    @property
    def period_errors(self) -> bool:
        return self.is_bound and any(name in self.errors for name in ("months", "from_month", "to_month"))

    def period(self) -> Period:
        """The period asked for, or the default (the last complete months) when none or a bad one was."""
        if not self.is_bound:
            return self.default
        self.errors  # noqa: B018 (cleans the form once)
        return self.cleaned_data.get("period", self.default)

    def value(self, name):
        """A valid filter's value; None when it was not given or was not valid (its error is shown)."""
        if not self.is_bound:
            return None
        return None if name in self.errors else self.cleaned_data.get(name)
