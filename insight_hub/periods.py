"""Calendar months and periods of whole months: the unit every roll-up, dashboard, report and charter
review counts in. Core: it knows nothing of the apps that use it."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 month)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """Whole calendar months, first to last inclusive (both the 1st of their month)."""

    first: dt.date
    last: dt.date

    @classmethod
    def last_months(cls, count: int, *, today: dt.date | None = None) -> Period:
        last = month_start(today or timezone.localdate())
        first = last
        for _ in range(count - 1):
            first = month_start(first - dt.timedelta(days=1))
        return cls(first, last)

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = next_month(month)
        return out

    def previous(self) -> Period:
        """The same number of months just before this period."""
        count = len(self.months)
        last = month_start(self.first - dt.timedelta(days=1))
        return Period.last_months(count, today=last)

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%B %Y}"
        return f"{self.first:%B %Y} to {self.last:%B %Y}"

    def filter(self, field: str = "month") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})
