"""Email alerts on saved searches: a person subscribes to one of their saved searches and is emailed, as soon
as it is checked (every 15 minutes) or once a day, how many new stories and comments match it, with links.

What counts as new, and for whom:
- The rows are asked of the saved search's sources *at send time* with the person's own reach
  (`SearchSource.candidates`: a story shared with the ICS, a comment of an organisation whose records they
  read). A story that became unreadable since, or never was, is never counted or linked.
- "Added since": the window starts `LOOKBACK` before the last run (never before the subscription), and rows
  already announced (`SearchAlertItem`) are left out. So a story tagged with the searched theme, or shared
  with the ICS, a few days after it was logged is still announced once; one shared more than `LOOKBACK`
  after it was logged is not (said on the saved searches page).
- The email holds counts and links, never patient text (not even a title); links go to pages that check
  the reader again.
- One email per alert per run: the run claims the alert with compare-and-set on `checked_up_to`, and the
  outbox key names the window's start, so a second worker (or a retried task) sends nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from insight_hub.notifications.services import email_enqueue
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from .models import AlertFrequency, SavedSearch, SearchAlert, SearchAlertItem
from .registry import sources_for
from .selectors import text_match

LOOKBACK = dt.timedelta(days=7)
PER_SOURCE_CAP = 500  # rows counted per source and run; beyond that the email says "500 or more"
LINKS_PER_SOURCE = 10
_SALT = "insight_hub.search.alert-off"


@dataclass
class Found:
    key: str  # the source's key
    label: str  # "Patient stories"
    pks: list[int]
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, absolute path)

    @property
    def count_display(self) -> str:
        return f"{PER_SOURCE_CAP:,} or more" if len(self.pks) >= PER_SOURCE_CAP else f"{len(self.pks):,}"


def alert_subscribe(*, saved: SavedSearch, user, frequency: str) -> SearchAlert:
    """Start (or change the frequency of) the alert on the person's own saved search; audited."""
    if saved.owner_id != user.pk:
        raise PermissionError("a saved search's alert belongs to its owner")
    frequency = AlertFrequency(frequency)
    with transaction.atomic():
        now = timezone.now()
        alert, created = SearchAlert.objects.get_or_create(
            saved_search=saved, defaults={"frequency": frequency, "checked_up_to": now}
        )
        if not created and alert.frequency != frequency:
            alert.frequency = frequency
            alert.save(update_fields=["frequency"])
        audit.record(user, AuditAction.SEARCH_ALERT_STARTED, saved, frequency=frequency, changed=not created)
    return alert


def alert_unsubscribe(*, saved: SavedSearch, user, via: str = "page") -> bool:
    """Stop the alert (from the saved searches page, or the email's link without signing in); audited."""
    with transaction.atomic():
        deleted, _ = SearchAlert.objects.filter(saved_search=saved).delete()
        if deleted:
            audit.record(user, AuditAction.SEARCH_ALERT_STOPPED, saved, via=via)
    return bool(deleted)


def unsubscribe_path(saved: SavedSearch) -> str:
    return reverse("search:alert_off", args=[signing.dumps(saved.pk, salt=_SALT)])


def saved_for_unsubscribe(token: str) -> SavedSearch | None:
    """The saved search a signed link was made for; None for a link altered or made up."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return SavedSearch.objects.select_related("owner").filter(pk=pk).first()


def new_matches(
    user, saved: SavedSearch, *, since: dt.datetime, exclude: set[tuple[str, int]]
) -> list[Found]:
    """Per source the person reads now: rows matching the saved search, added since `since`, not in
    `exclude`, newest first. Links are made by the source's own `present` (which checks the reader again);
    only their addresses are kept."""
    criteria = saved.criteria(added_since=since)
    found = []
    for source in sources_for(user, criteria.sources):
        qs = source.candidates(user, criteria)
        if criteria.q:
            fields = [name for name, _ in source.text_fields]
            qs = text_match(qs, criteria.q, text_fields=fields, vector_column=source.vector_column)
        pks = [
            pk
            for pk in qs.order_by("-pk").values_list("pk", flat=True)[: PER_SOURCE_CAP + len(exclude)]
            if (source.key, pk) not in exclude
        ][:PER_SOURCE_CAP]
        if not pks:
            continue
        shown = source.present(user, pks[:LINKS_PER_SOURCE])
        singular = source.label.removesuffix("s").lower()
        links = [(f"{singular} {pk}, {hit.organisation}", hit.url) for pk, hit in shown.items()]
        found.append(Found(source.key, source.label, pks, sorted(links, key=lambda link: link[1])))
    return found


def alert_run(alert_id: int, *, now: dt.datetime | None = None) -> bool:
    """One run of one alert: claim it, find what is new, email it. True when an email was queued."""
    now = now or timezone.now()
    alert = SearchAlert.objects.select_related("saved_search__owner").filter(pk=alert_id).first()
    if alert is None:
        return False
    person = alert.saved_search.owner
    if not person.is_active or not person.email:
        return False
    previous = alert.checked_up_to
    with transaction.atomic():
        claimed = SearchAlert.objects.filter(pk=alert.pk, checked_up_to=previous).update(checked_up_to=now)
        if not claimed:
            return False  # another run has it
        since = max(alert.created_at, previous - LOOKBACK)
        announced = set(SearchAlertItem.objects.filter(alert=alert).values_list("source", "object_id"))
        found = new_matches(person, alert.saved_search, since=since, exclude=announced)
        # Rows announced before the earliest window a later run can look at cannot come back: forget them.
        SearchAlertItem.objects.filter(alert=alert, announced_at__lt=previous - LOOKBACK).delete()
        if not found:
            return False
        SearchAlertItem.objects.bulk_create(
            [
                SearchAlertItem(alert=alert, source=f.key, object_id=pk, announced_at=now)
                for f in found
                for pk in f.pks
            ],
            ignore_conflicts=True,
        )
        total = sum(len(f.pks) for f in found)
        saved = alert.saved_search
        email_enqueue(
            key=f"search-alert:{alert.pk}:{previous.isoformat()}",
            kind="search_alert",
            to=person.email,
            subject=f"Insight Hub: {total:,} new result{'s' if total != 1 else ''} for your saved search",
            template="search/email/alert",
            context={
                "name": person.get_full_name() or person.email,
                "saved_name": saved.name,
                "found": found,
                # The saved search by number: its words could name someone, so they stay out of the email.
                "search_path": reverse("search:saved_open", args=[saved.pk]),
            },
            unsubscribe_url=_absolute(unsubscribe_path(saved)),
        )
    return True


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def alerts_send(*, frequency: str, now: dt.datetime | None = None) -> int:
    """Run every alert of this frequency (beat); returns how many emails were queued."""
    ids = SearchAlert.objects.filter(frequency=frequency).order_by("pk").values_list("pk", flat=True)
    return sum(alert_run(pk, now=now) for pk in list(ids))
