"""The access audit: one row per look at unredacted text, export, consent change, tag change or report.

Rows are written through `insight_hub.privacy.audit.record` and never changed: the database refuses an
UPDATE or DELETE on the table (see migration 0002), the Django admin offers no add, change or delete, and the
only page that shows the rows (`/privacy/audit/`, system administrators) is read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    STORY_VIEWED_UNREDACTED = "story.viewed_unredacted", "Story read unredacted"
    RESPONSE_VIEWED_UNREDACTED = "response.viewed_unredacted", "Feedback response read unredacted"
    EXPORT_DOWNLOADED = "export.downloaded", "Export downloaded"
    CONSENT_CHANGED = "consent.changed", "Consent changed"
    TAGS_CHANGED = "tags.changed", "Tags changed"
    REPORT_GENERATED = "report.generated", "Report generated"
    REPORT_DOWNLOADED = "report.downloaded", "Report downloaded"
    REPORT_VIEWED = "report.viewed", "Report viewed"
    REPORT_SECTION_APPROVED = "report.section_approved", "Report section approved"
    REPORT_RELEASED = "report.released", "Report released to the board"
    REPORT_REGENERATED = "report.regenerated", "Report made again after a consent withdrawal"
    SAFETY_FLAGGED = "safety.flagged", "Safety concern flagged"
    SAFETY_ALERTED = "safety.alerted", "Safety concern alert emailed"
    SAFETY_ESCALATED = "safety.escalated", "Safety concern escalated"
    SAFETY_ASSIGNED = "safety.assigned", "Safety concern assigned"
    SAFETY_RESPONDED = "safety.responded", "Safety concern answered and closed"
    # Requests about a person (subject access, erasure): privacy/subjects.py.
    SUBJECT_SEARCHED = "subject.searched", "Records about a person searched for"
    SUBJECT_VIEWED = "subject.viewed", "Records about a person viewed"
    SUBJECT_ERASED = "subject.erased", "Erased at the person's request"
    SUBJECT_ANONYMISED = "subject.anonymised", "Anonymised at the person's request"
    CHANGE_CLAIMED = "change.claimed", "Change claimed on a story's action"
    CHANGE_SIGNED_OFF = "change.signed_off", "Change claim signed off"
    COMMENT_FLAGGED = "comment.flagged", "Comment flagged"
    COMMENT_UNFLAGGED = "comment.unflagged", "Comment flag removed"
    SEARCH_ALERT_STARTED = "search_alert.started", "Email alert on a saved search started"
    SEARCH_ALERT_STOPPED = "search_alert.stopped", "Email alert on a saved search stopped"
    STORY_SHARE_CHECKED = "story.share_checked", "Story checked before sharing"
    STORY_SHARED = "story.shared", "Story shared with the ICS"


class AuditEvent(models.Model):
    """Who did what to which object, when. `detail` holds identifiers and flags only, never personal text."""

    # PROTECT: people are deactivated, never deleted, while the record of what they did is kept.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    # A plain type and id rather than a foreign key, so that the record outlives the object it is about.
    object_type = models.CharField(max_length=60, blank=True)  # e.g. "stories.story"
    object_id = models.CharField(max_length=64, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # The audit page's filters: WHERE user_id = %s ORDER BY at DESC, and the same by action.
            models.Index(fields=["user", "-at"], name="auditevent_user_at"),
            models.Index(fields=["action", "-at"], name="auditevent_action_at"),
            # "Who has looked at this story?": WHERE object_type = %s AND object_id = %s.
            models.Index(fields=["object_type", "object_id"], name="auditevent_object"),
        ]

    def __str__(self) -> str:
        who = self.user or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type} {self.object_id}"
