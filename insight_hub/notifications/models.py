"""The outbox: every email the hub sends is a row first, so nothing is lost while the mail server is down."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OutboxStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"


class OutboxMessage(models.Model):
    # Idempotence: one message per key, e.g. "safety-alert:story-12:lead:34". Asking twice sends once.
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, help_text="what the message is about, e.g. safety_alert, digest")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    # Where a person turns these messages off (List-Unsubscribe); empty for messages the law does not
    # let them refuse (a safety alert to the named safety lead is part of their job).
    unsubscribe_url = models.URLField(blank=True, max_length=500)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The flush pass: waiting messages that are due, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.get_status_display()})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"


class DigestPreference(models.Model):
    """When a person receives the weekly digest of what they own: a working day, or never (`weekday` empty).
    A person without a row receives it on Mondays (`DEFAULT_DIGEST_DAY`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_weekday_display() if self.weekday is not None else 'off'}"


DEFAULT_DIGEST_DAY = Weekday.MONDAY
