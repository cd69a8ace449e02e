"""Reads of the access audit."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from insight_hub.organisations.permissions import scope_for

from .models import AuditEvent


def may_read_audit(user) -> bool:
    return bool(scope_for(user).admin_ics_ids)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_for(user, *, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Events a system administrator may read: those about organisations in their ICS, and those without an
    organisation (exports across organisations, for instance) made by a member of one of them."""
    ics_ids = scope_for(user).admin_ics_ids
    if not ics_ids:
        return AuditEvent.objects.none()
    in_reach = Q(organisation__ics_id__in=ics_ids) | Q(
        organisation__isnull=True,
        user__in=get_user_model().objects.filter(memberships__organisation__ics_id__in=ics_ids).values("pk"),
    )
    events = AuditEvent.objects.filter(in_reach).select_related("user", "organisation")
    filters = filters or {}
    if filters.get("user"):
        events = events.filter(user__email__icontains=filters["user"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("date_from"):
        events = events.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_start_of(filters["date_to"] + datetime.timedelta(days=1)))
    return events
