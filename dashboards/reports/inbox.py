"""The owner's inbox: board reports waiting for the signed-in person's sign-off."""

from __future__ import annotations

from django.db.models import Min, Q
from django.urls import reverse

from insight_hub.inbox import InboxItem

from .models import ReportSection, ReportStatus, SignOff
from .selectors import reports_for


def reports_inbox(user):
    """Sections this person owns (or, as a report's owner, that nobody is named for) still to approve, and
    approved reports of theirs to release. Only reports still within their reach."""
    readable = reports_for(user).filter(status=ReportStatus.DONE)
    waiting = ReportSection.objects.filter(
        report__in=readable.filter(signoff=SignOff.DRAFT), approved_at__isnull=True
    ).filter(Q(owner=user) | Q(owner__isnull=True, report__requested_by=user))
    counts = waiting.aggregate(oldest=Min("report__finished_at"))
    reports = waiting.values("report_id").distinct().count()
    url = reverse("reports:list")
    yield InboxItem("Board reports waiting for your sign-off", reports, url, counts["oldest"])
    release = readable.filter(signoff=SignOff.APPROVED, requested_by=user)
    oldest = release.aggregate(oldest=Min("finished_at"))["oldest"]
    yield InboxItem("Board reports approved and ready for you to release", release.count(), url, oldest)
