"""What the operations page shows: each part of the running hub, whether it is well, and how old its news is.

Apps add rows (the last import, the last sync) by registering a provider, as they do for the inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from insight_hub.notifications.models import OutboxMessage, OutboxStatus
from insight_hub.themes.models import TagStatus
from insight_hub.themes.registry import all_taggables

from .models import Heartbeat

BEAT_PERIOD = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not applicable here (e.g. no beat in the embedded default)
    detail: str
    at: dt.datetime | None = None  # when the news is from, shown as an age

    @property
    def age(self) -> str:
        if self.at is None:
            return ""
        seconds = int((timezone.now() - self.at).total_seconds())
        if seconds < 120:
            return f"{seconds} seconds ago"
        if seconds < 2 * 3600:
            return f"{seconds // 60} minutes ago"
        if seconds < 2 * 86400:
            return f"{seconds // 3600} hours ago"
        return f"{seconds // 86400} days ago"


CheckProvider = Callable[[], Iterable[Check]]
PROVIDERS: list[CheckProvider] = []


def register(provider: CheckProvider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def _eager() -> bool:
    from insight_hub.celery import app

    return bool(app.conf.task_always_eager)


def workers() -> Check:
    if _eager():
        return Check("Celery workers", None, "Embedded default: tasks run in the web process (no REDIS_URL).")
    from insight_hub.celery import app

    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as error:  # noqa: BLE001 - the broker itself is down: say so, do not fail the page
        return Check("Celery workers", False, f"The broker does not answer ({type(error).__name__}).")
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return Check("Celery workers", False, "No worker answered within a second: nothing is being tagged.")
    return Check("Celery workers", True, f"{len(names)} answered: {', '.join(names)}", timezone.now())


def beat() -> Check:
    if _eager():
        return Check("Celery beat", None, "Embedded default: no periodic schedule runs.")
    last = Heartbeat.objects.filter(name="beat").first()
    if last is None:
        return Check("Celery beat", False, "No heartbeat yet: is `celery beat` running?")
    fresh = timezone.now() - last.at <= 3 * BEAT_PERIOD
    detail = "Periodic tasks are running." if fresh else "The minutely heartbeat has stopped."
    return Check("Celery beat", fresh, detail, last.at)


def outbox() -> Check:
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.WAITING).aggregate(
        n=Count("pk"), oldest=Min("created_at")
    )
    failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED).count()
    last_sent = OutboxMessage.objects.filter(status=OutboxStatus.SENT).order_by("-sent_at").first()
    stuck = waiting["oldest"] is not None and timezone.now() - waiting["oldest"] > dt.timedelta(minutes=15)
    detail = f"{waiting['n']:,} waiting, {failed:,} failed for good."
    if stuck:
        detail += " The oldest has waited over 15 minutes: is the mail server reachable?"
    return Check("Email outbox", not stuck and not failed, detail, last_sent.sent_at if last_sent else None)


def tagging() -> list[Check]:
    checks = []
    for taggable in all_taggables():
        failed = taggable.model.objects.filter(tag_status=TagStatus.FAILED)
        count = failed.count()
        latest = failed.order_by("-pk").values_list("tag_error", flat=True).first()
        detail = f"{count:,} failed" + (f"; the latest: {latest[:200]}" if latest else "")
        name = f"Tagging of {taggable.model._meta.verbose_name_plural}"
        checks.append(Check(name, count == 0, detail))
    return checks


def all_checks() -> list[Check]:
    checks = [workers(), beat(), outbox(), *tagging()]
    for provider in PROVIDERS:
        checks.extend(provider())
    return checks


def settings_summary() -> list[tuple[str, str]]:
    return [
        ("Database", "PostgreSQL" if settings.IS_POSTGRES else "SQLite (embedded default)"),
        ("Broker", "Redis" if settings.REDIS_URL else "none: Celery eager (embedded default)"),
    ]
