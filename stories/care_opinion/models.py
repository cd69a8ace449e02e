"""The Care Opinion sync's records: where each ICS's sync has got to, each run, and which Care Opinion health
services are which of the hub's organisations and services.

Registered with the stories app by the import at the end of `stories/models.py` (so they share its
migrations); foreign keys are by name, so this module never imports `stories.models` itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# What a story synced from Care Opinion may be used for, when a person has declared it: the teller published
# it under Care Opinion's terms, which cover learning from it, not quoting it in a board report or publishing
# it again (those need the teller's own consent).
DEFAULT_CONSENT_BASIS = "published by the teller on Care Opinion under its terms: internal learning"


class CareOpinionSync(models.Model):
    """One ICS's sync: its position in Care Opinion's feed (opinions come oldest published first), a claim
    while a run holds it, and the consent basis a person declared for the stories it brings in."""

    ics = models.OneToOneField(
        "organisations.ICS", on_delete=models.CASCADE, related_name="care_opinion_sync"
    )
    # The position: the publication time of the last opinion stored and its id. A run asks for opinions
    # published after it, so a run that stopped half-way resumes where it stopped.
    last_published_at = models.DateTimeField(null=True, blank=True)
    last_opinion_id = models.CharField(max_length=40, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Set while a run holds the sync (compare-and-set), so the beat task and the command never run it twice.
    running_since = models.DateTimeField(null=True, blank=True)
    # Consent is never assumed from publication: a person declares the basis once, with who and when, and
    # each story the sync creates records it (internal learning only). Empty: stories arrive without consent.
    consent_basis = models.CharField(max_length=300, blank=True)
    consent_declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Care Opinion sync"

    def __str__(self) -> str:
        return f"Care Opinion sync of {self.ics}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    STOPPED = "stopped", "Stopped by a fault (resumes next run)"
    FAILED = "failed", "Failed"


class CareOpinionRun(models.Model):
    """One run of the sync and what it did, for the operations page and for the person who asks why."""

    sync = models.ForeignKey(CareOpinionSync, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    requests = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)  # opinions received, whatever became of them
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)  # Care Opinion's fields changed (responses, tags...)
    unchanged = models.PositiveIntegerField(default=0)
    outside = models.PositiveIntegerField(default=0)  # about services of no organisation of the ICS
    skipped = models.PositiveIntegerField(default=0)  # items that could not be stored; see `errors`
    errors = models.JSONField(default=list, blank=True)  # one sentence per problem
    message = models.TextField(blank=True)  # why a run stopped or failed

    class Meta:
        ordering = ["-started_at", "-pk"]
        # The operations page: the latest run of each sync.
        indexes = [models.Index(fields=["sync", "-started_at"], name="co_run_sync_started")]

    def __str__(self) -> str:
        return f"{self.sync} at {self.started_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"


class CareOpinionServiceLink(models.Model):
    """A Care Opinion health service (by its NACS code, which for NHS bodies is the ODS code) that is one
    of the hub's organisations, or one of its services. Without a link the sync matches codes to
    organisations and sites by ODS code; a link is for Care Opinion's own service codes (wards, teams) and
    to name the service."""

    nacs = models.CharField("Care Opinion health service code", max_length=40, unique=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="care_opinion_links"
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["nacs"]

    def __str__(self) -> str:
        return f"{self.nacs} → {self.service or self.organisation}"

    def clean(self) -> None:
        self.nacs = self.nacs.strip().upper()
        if self.service_id and self.organisation_id and self.service.organisation_id != self.organisation_id:
            raise ValidationError({"service": "Choose a service of the chosen organisation"})
