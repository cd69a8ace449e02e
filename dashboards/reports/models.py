"""A board report: who asked for which scope and period, the stories it quotes, and its files while kept.

The files are stored in the database (`ReportFile`), not on a disk: the worker that makes them and the web
process that serves them share the database and nothing else, and a report is a few hundred kilobytes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from insight_hub.periods import Period


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being generated"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (files deleted)"


class SignOff(models.TextChoices):
    """Where a made report is in its sign-off, apart from its generation (`ReportStatus`): every section's
    owner approves it (or the report's owner on their behalf), then the report's owner releases it to the
    board. Board members read released reports only."""

    DRAFT = "draft", "Draft: waiting for sign-off"
    APPROVED = "approved", "Approved: ready to release"
    RELEASED = "released", "Released to the board"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel workbook (XLSX)"
    CSV = "csv", "CSV of aggregates"


CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
}


class BoardReport(models.Model):
    # In URLs, so report numbers cannot be counted through.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics = models.ForeignKey("organisations.ICS", on_delete=models.PROTECT, related_name="+")
    # Empty: the whole ICS.
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_first = models.DateField()  # the 1st of the first month
    period_last = models.DateField()  # the 1st of the last month
    quote_count = models.PositiveSmallIntegerField(default=6)
    # The stories the person chose, or null for the default selection (worked out at generation time).
    chosen_story_ids = models.JSONField(null=True, blank=True)

    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    step = models.CharField(max_length=120, blank=True)
    message = models.TextField(blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Sign-off (see SignOff). The person who asked for the report owns it: they release it.
    signoff = models.CharField(max_length=10, choices=SignOff.choices, default=SignOff.DRAFT)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # Why the sign-off started again, e.g. regenerated after a teller withdrew consent (ids, no story text).
    signoff_note = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    # What generation found, kept with the report (the balance statement and what was left out).
    quoted_story_ids = models.JSONField(default=list, blank=True)
    left_out_story_ids = models.JSONField(default=list, blank=True)
    stories_collected = models.PositiveIntegerField(null=True, blank=True)
    critical_collected_percent = models.FloatField(null=True, blank=True)
    critical_quoted_percent = models.FloatField(null=True, blank=True)
    # The balance statement exactly as the PDF's first page prints it, so the page says the same.
    balance_statement = models.TextField(blank=True)
    under_represented = models.BooleanField(default=False)
    # Page one's summary as the PDF prints it, for the report's page: figures, theme and commitment wording
    # only; the critical stories it quotes are read again (consent re-checked) when the page is shown.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The cleanup pass: WHERE status = 'done' AND expires_at <= now().
            models.Index(fields=["status", "expires_at"], name="boardreport_expiry"),
            # The inbox's "reports awaiting your sign-off" and a board's list: WHERE signoff = %s.
            models.Index(fields=["signoff"], name="boardreport_signoff"),
        ]

    def __str__(self) -> str:
        return f"Board report {self.scope_label}, {self.period_label}"

    @property
    def scope_label(self) -> str:
        return self.organisation.display_name if self.organisation_id else self.ics.name

    @property
    def period(self) -> Period:
        """The months covered, read as on the day it was asked for: a period that took in that month says
        that the month was incomplete (its figures run only to that day)."""
        return Period(self.period_first, self.period_last, timezone.localdate(self.requested_at))

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def audit_organisation(self):
        """The organisation an audit record is filed under: the trust, or the ICB for a system report."""
        return self.organisation if self.organisation_id else self.ics.icb

    @property
    def is_running(self) -> bool:
        return self.status in {ReportStatus.QUEUED, ReportStatus.RUNNING}

    @property
    def custom_selection(self) -> bool:
        return self.chosen_story_ids is not None

    @property
    def is_released(self) -> bool:
        return self.signoff == SignOff.RELEASED


class ReportSection(models.Model):
    """One section of a made report, its named owner and their approval. Written when the report is made
    (from who owns what at that moment) and replaced when it is made again, which clears the approvals."""

    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20)  # fft, themes, stories, commitments, actions
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    # Who signs the section off; empty where nobody is named (a gap: the report's owner approves for them).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_role = models.CharField(max_length=200, blank=True)
    # On a trust's report, where the ICB owns what the section reports on (its charter, a dashboard): shown.
    icb_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    icb_owner_role = models.CharField(max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # True: the report's owner approved it for the section's owner (or for nobody named).
    on_behalf = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="reportsection_unique")]
        indexes = [
            # The inbox: a person's sections still to approve, WHERE owner_id = %s AND approved_at IS NULL.
            models.Index(fields=["owner", "approved_at"], name="reportsection_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.key}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class ReportFile(models.Model):
    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=4, choices=ReportFormat.choices)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="reportfile_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.format} ({self.size} bytes)"
