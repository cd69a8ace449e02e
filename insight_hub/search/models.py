"""Saved searches: one model for a person's saved searches and, later, the alert subscriptions that point at
them (a subscription holds a foreign key to `SavedSearch` and runs `saved.criteria(added_since=last_sent)`).

A saved search holds only the question (text and filters), never results: whoever runs it, by its page or by
its shareable link (the search page's query string), sees only what they may read themselves.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from insight_hub.themes.models import Sentiment

from .registry import CRITICALITY_CHOICES, Criteria, all_sources


class Period(models.TextChoices):
    ANY = "", "Any time"
    LAST_7_DAYS = "7d", "Last 7 days"
    LAST_30_DAYS = "30d", "Last 30 days"
    LAST_3_MONTHS = "3m", "Last 3 months"
    LAST_12_MONTHS = "12m", "Last 12 months"
    BETWEEN = "between", "Between dates"


_PERIOD_DAYS = {
    Period.LAST_7_DAYS: 7,
    Period.LAST_30_DAYS: 30,
    Period.LAST_3_MONTHS: 91,
    Period.LAST_12_MONTHS: 365,
}


def period_dates(
    period: str, date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The dates a period covers: relative periods move with today (a saved "last 30 days" stays current)."""
    today = today or timezone.localdate()
    if period in _PERIOD_DAYS:
        return today - dt.timedelta(days=_PERIOD_DAYS[period] - 1), today
    if period == Period.BETWEEN:
        return date_from, date_to
    return None, None


class SavedSearch(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=120)
    query = models.CharField("Search words", max_length=200, blank=True)
    # PROTECT: a saved search (and the alerts that follow it) must never widen silently because a filter's
    # object went away; services and themes are deactivated, not deleted.
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    theme = models.ForeignKey(
        "themes.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    criticality = models.CharField(max_length=12, choices=CRITICALITY_CHOICES[1:], blank=True)
    source = models.CharField(max_length=20, blank=True)  # a registered source's key; empty: every source
    period = models.CharField(max_length=10, choices=Period.choices, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_owner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('search:search')}?{urlencode(self.params())}"

    @property
    def source_label(self) -> str:
        return next((s.label for s in all_sources() if s.key == self.source), self.source)

    def criteria(self, *, today: dt.date | None = None, added_since: dt.datetime | None = None) -> Criteria:
        date_from, date_to = period_dates(self.period, self.date_from, self.date_to, today=today)
        return Criteria(
            q=self.query,
            organisation=self.organisation,
            service=self.service,
            theme=self.theme,
            sentiment=self.sentiment,
            criticality=self.criticality,
            date_from=date_from,
            date_to=date_to,
            sources=(self.source,) if self.source else (),
            added_since=added_since,
        )

    def params(self) -> dict[str, str]:
        """The search page's query string for this search: the link people share."""
        values = {
            "q": self.query,
            "organisation": self.organisation_id or "",
            "service": self.service_id or "",
            "theme": self.theme_id or "",
            "sentiment": self.sentiment,
            "criticality": self.criticality,
            "source": self.source,
            "period": self.period,
            "date_from": self.date_from.isoformat()
            if self.date_from and self.period == Period.BETWEEN
            else "",
            "date_to": self.date_to.isoformat() if self.date_to and self.period == Period.BETWEEN else "",
        }
        return {key: str(value) for key, value in values.items() if value}


class AlertFrequency(models.TextChoices):
    SOON = "soon", "As they arrive (checked every 15 minutes)"
    DAILY = "daily", "Once a day (at 7 in the morning)"


class SearchAlert(models.Model):
    """A person's subscription to their own saved search: new results, emailed as a count and links.

    Each run asks the saved search's sources for rows the person may read *at that moment* and that were added
    since the window start (`alerts.py`), leaves out rows already announced (`SearchAlertItem`), and moves
    `checked_up_to` on. Stopping an alert deletes the row; the access audit keeps the record."""

    saved_search = models.OneToOneField(SavedSearch, on_delete=models.CASCADE, related_name="alert")
    frequency = models.CharField(max_length=8, choices=AlertFrequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The end of the last run's window (the start of the next); claimed with compare-and-set, so two workers
    # running the same pass send one email.
    checked_up_to = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.saved_search}: {self.get_frequency_display()}"


class SearchAlertItem(models.Model):
    """A row an alert has announced: never announced twice, even when a later run's look-back sees it again
    (a story tagged, or shared, after it was logged). Pruned once out of every look-back window."""

    alert = models.ForeignKey(SearchAlert, on_delete=models.CASCADE, related_name="items")
    source = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    announced_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "source", "object_id"], name="search_alert_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.object_id}"
