"""A board report: who asked for which scope and period, the stories it quotes, and its files while kept.

The files are stored in the database (`ReportFile`), not on a disk: the worker that makes them and the web
process that serves them share the database and nothing else, and a report is a few hundred kilobytes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being generated"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (files deleted)"


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

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The cleanup pass: WHERE status = 'done' AND expires_at <= now().
            models.Index(fields=["status", "expires_at"], name="boardreport_expiry"),
        ]

    def __str__(self) -> str:
        return f"Board report {self.scope_label}, {self.period_label}"

    @property
    def scope_label(self) -> str:
        return self.organisation.display_name if self.organisation_id else self.ics.name

    @property
    def period_label(self) -> str:
        if self.period_first == self.period_last:
            return f"{self.period_first:%B %Y}"
        return f"{self.period_first:%B %Y} to {self.period_last:%B %Y}"

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


class ReportFile(models.Model):
    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=4, choices=ReportFormat.choices)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="reportfile_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.format} ({self.size} bytes)"
