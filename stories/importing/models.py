"""A story import: one uploaded file, its mapping, the defaults and consent basis the importer declared for
it, and what became of it (progress, counts, each bad row). Every story it made links back to it
(`Story.import_batch`), so "the stories of one import" can be found, shown and shared together."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from insight_hub.imports.progress import ImportProgress


class StoryImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for its mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


class StoryImport(ImportProgress):
    """Its counts, report and end (rows_total … finished_at) are `ImportProgress`'s."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="story_imports"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/stories/%Y/%m/")
    original_name = models.CharField(max_length=255)
    # sha256 of the uploaded bytes: with the row number, the key of a story in a file with no id column.
    content_sha256 = models.CharField(max_length=64, blank=True)
    # The mapping (insight_hub.imports.mappingfile): columns, values and defaults, as chosen for this file.
    columns = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)
    defaults = models.JSONField(default=dict, blank=True)
    # The consent basis, declared per purpose by the person importing: what the source's terms allow and
    # why. Never assumed from publication (a story published on Care Opinion is not consent to quote it
    # to a board). Recorded with who and when; every story of the import shows it.
    consent_internal_learning = models.BooleanField(default=False)
    consent_board_quote = models.BooleanField(default=False)
    consent_publication = models.BooleanField(default=False)
    consent_reason = models.TextField(blank=True)
    consent_declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_declared_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        max_length=10, choices=StoryImportStatus.choices, default=StoryImportStatus.MAPPING
    )

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def consent_purposes(self) -> list[str]:
        """The purposes declared, in words."""
        from ..models import Purpose

        return [label for value, label in Purpose.choices if getattr(self, f"consent_{value}")]
