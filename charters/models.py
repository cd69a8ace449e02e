"""Patient charters: what partners across an ICS promise people, how the promises were co-designed, and
whether people's experience says they are being kept.

A charter is versioned. Each version is its own row (with its commitments and co-design record); a new
version copies the commitments of the one before (`previous`, and each commitment's `origin`), so the
history of a promise survives a rewording. At most one version per ICS is adopted at a time: adopting a
new one supersedes the old.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from insight_hub.periods import add_months
from stories.models import ActionStatus  # one status for every "you said, we did" action


class CharterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONSULTATION = "consultation", "In consultation"
    ADOPTED = "adopted", "Adopted"
    SUPERSEDED = "superseded", "Superseded"


class Charter(models.Model):
    ics = models.ForeignKey("organisations.ICS", on_delete=models.CASCADE, related_name="charters")
    title = models.CharField(max_length=200)
    summary = models.TextField(
        "Plain-language summary", help_text="What the charter promises, in words anyone can read."
    )
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_version"
    )
    status = models.CharField(max_length=12, choices=CharterStatus.choices, default=CharterStatus.DRAFT)
    # The address of the public page: unguessable, so drafts and other ICSs cannot be enumerated.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    consultation_opened_at = models.DateTimeField(null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ics__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["ics"], condition=models.Q(status="adopted"), name="one_adopted_charter_per_ics"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def is_editable(self) -> bool:
        """Drafts and charters in consultation change in place; an adopted one changes by a new version."""
        return self.status in {CharterStatus.DRAFT, CharterStatus.CONSULTATION}


class ParticipantKind(models.TextChoices):
    PATIENT_GROUP = "patient_group", "Patient or carer group"
    HEALTHWATCH = "healthwatch", "Healthwatch"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    TRUST = "trust", "NHS trust"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    OTHER = "other", "Other"


class Participant(models.Model):
    """Who took part in co-designing a charter version (organisations and groups, never individuals)."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ParticipantKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "name"], name="participant_unique_in_charter")
        ]

    def __str__(self) -> str:
        return self.name


class EngagementEvent(models.Model):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    held_on = models.DateField("Date")
    people_reached = models.PositiveIntegerField("Number of people reached")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Category(models.TextChoices):
    ACCESS = "access", "Access and waiting"
    COMMUNICATION = "communication", "Communication and information"
    DIGNITY = "dignity", "Dignity and respect"
    INVOLVEMENT = "involvement", "Involvement in decisions"
    COORDINATION = "coordination", "Joined-up care"
    EQUALITY = "equality", "Fair access for everyone"
    FEEDBACK = "feedback", "Listening and acting on feedback"
    OTHER = "other", "Other"


class ChangeOutcome(models.TextChoices):
    CHANGED = "changed", "We changed it"
    NOT_POSSIBLE = "not_possible", "No change was possible"
    NOT_NEEDED = "not_needed", "No change was asked for"


class Cadence(models.IntegerChoices):
    MONTHLY = 1, "Every month"
    QUARTERLY = 3, "Every 3 months"
    HALF_YEARLY = 6, "Every 6 months"
    YEARLY = 12, "Every year"


class Commitment(models.Model):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="commitments")
    # The same promise in the version before, so its reviews can be followed across versions.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="later_versions"
    )
    order = models.PositiveIntegerField(default=0)
    text = models.TextField("Commitment", help_text="In the first person plural: “We will …”.")
    category = models.CharField(max_length=20, choices=Category.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    themes = models.ManyToManyField("themes.Theme", blank=True, related_name="+")
    target_percent = models.DecimalField(
        "Target FFT % positive", max_digits=4, decimal_places=1, null=True, blank=True
    )
    cadence_months = models.PositiveSmallIntegerField(
        "Review cadence", choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    # Co-design: what changed in this commitment because of what people said, or why nothing could.
    change_outcome = models.CharField(max_length=12, choices=ChangeOutcome.choices, blank=True)
    change_note = models.TextField("What we changed because of what you told us", blank=True)

    class Meta:
        ordering = ["charter", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def number(self) -> int:
        return self.order

    def next_review_due(self, *, reviews=None) -> dt.date | None:
        """The last review plus the cadence; before any review, adoption plus the cadence."""
        if reviews is None:
            last = self.reviews.order_by("-reviewed_on", "-pk").first()
        else:
            last = max(reviews, key=lambda r: (r.reviewed_on, r.pk), default=None)
        if last is not None:
            start = last.reviewed_on
        elif self.charter.adopted_at:
            start = timezone.localtime(self.charter.adopted_at).date()
        else:
            return None
        return add_months(start, self.cadence_months)


class MetricKind(models.TextChoices):
    FFT_ICS = "fft_ics", "FFT % positive across the ICS"
    FFT_ORGANISATION = "fft_organisation", "FFT % positive at one organisation"
    FFT_SETTING = "fft_setting", "FFT % positive in one setting across the ICS"


class CommitmentMetric(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="metrics")
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    setting = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["kind", "organisation__name", "setting"]

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        """A stable name for the metric in forms: "ics", "org:RAA" or "setting:ae"."""
        if self.kind == MetricKind.FFT_ORGANISATION:
            return f"org:{self.organisation.ods_code}"
        if self.kind == MetricKind.FFT_SETTING:
            return f"setting:{self.setting}"
        return "ics"

    @property
    def label(self) -> str:
        from insight_hub.organisations.models import FFTSetting

        if self.kind == MetricKind.FFT_ORGANISATION:
            return f"FFT % positive: {self.organisation.display_name}"
        if self.kind == MetricKind.FFT_SETTING:
            return f"FFT % positive: {FFTSetting(self.setting).label} across the ICS"
        return "FFT % positive across the ICS"


class DraftComment(models.Model):
    """A comment received on a draft commitment during co-design (a summary, never a person's name)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="draft_comments")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    event = models.ForeignKey(
        EngagementEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    received_on = models.DateField()
    text = models.TextField("What they said")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    NOT_MET = "not_met", "Not met"


class Review(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices)
    narrative = models.TextField()
    period_first = models.DateField()
    period_last = models.DateField()
    # The evidence as it stood when the review was made (figures and story references, no story text:
    # a story whose consent is withdrawn later must not live on here).
    evidence = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.reviewed_on:%d %b %Y}"


class ReviewAction(models.Model):
    """ "You said, we did": one thing that will change, with a named owner and a due date."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField("What will change")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("Due date")
    # Where the action is carried out, when it is one organisation's (for that organisation's board report).
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < timezone.localdate()
