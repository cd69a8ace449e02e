"""Themes: the taxonomy, and the tagging state every taggable text carries.

Stories and survey comments are tagged the same way, so the tagging interface is two abstract models:
`TaggableText` (the item: its tagging status, sentiment and safety signals) and `AbstractThemeTag` (one
theme on one item, with its evidence sentence). Each app makes a concrete pair; the engine finds them
through `insight_hub.themes.registry`.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from insight_hub.periods import month_label, parse_month


class Dimension(models.TextChoices):
    """The quality dimension a theme bears on."""

    EXPERIENCE = "experience", "Patient experience"
    SAFETY = "safety", "Safety"
    EFFECTIVENESS = "effectiveness", "Effectiveness"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    # Strong praise and strong criticism in one story: neither positive nor negative, and not "nothing said".
    MIXED = "mixed", "Mixed"
    NEGATIVE = "negative", "Negative"


class QuestionType(models.TextChoices):
    WHAT_GOOD = "what_good", "What was good"
    COULD_IMPROVE = "could_improve", "What could be better"
    NONSPECIFIC = "nonspecific", "Non-specific"


class SafetyKind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding"
    ABUSE = "abuse", "Abuse"
    NEGLECT = "neglect", "Neglect"
    HARM = "harm", "Harm"
    SELF_HARM_OR_SUICIDE = "self_harm_or_suicide", "Self-harm or suicide"
    UNSAFE_DISCHARGE = "unsafe_discharge", "Unsafe discharge"
    MEDICATION_ERROR = "medication_error", "Medication error"


class Taxonomy(models.Model):
    """A versioned theme framework. The QDC framework v7 is the default; an ICS may extend it."""

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=40)
    is_default = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="taxonomy_name_version_unique"),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_taxonomy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Theme(models.Model):
    """A sub-category of the framework (predicted by the model), or an ICS's own local theme (by rules)."""

    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="themes")
    # Local themes belong to one ICS; framework themes to none.
    ics = models.ForeignKey(
        "organisations.ICS", null=True, blank=True, on_delete=models.CASCADE, related_name="local_themes"
    )
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    dimension = models.CharField(max_length=20, choices=Dimension.choices, default=Dimension.EXPERIENCE)
    # For local themes: phrases matched case-insensitively, and regular expressions.
    phrases = models.JSONField(default=list, blank=True)
    patterns = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            # Two constraints because NULL (a framework theme) never equals NULL in a unique index.
            models.UniqueConstraint(
                fields=["taxonomy", "name"],
                condition=models.Q(ics__isnull=True),
                name="framework_theme_unique",
            ),
            models.UniqueConstraint(
                fields=["taxonomy", "ics", "name"],
                condition=models.Q(ics__isnull=False),
                name="local_theme_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.phrases, list) or not all(isinstance(p, str) for p in self.phrases):
            raise ValidationError({"phrases": 'Give the phrases as a list of text, e.g. ["interpreter"].'})
        if not isinstance(self.patterns, list) or not all(isinstance(p, str) for p in self.patterns):
            raise ValidationError({"patterns": "Give the patterns as a list of text."})
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValidationError({"patterns": f"{pattern!r} is not a valid pattern: {exc}"}) from None


class TagStatus(models.TextChoices):
    UNTAGGED = "untagged", "Waiting to be tagged"
    TAGGED = "tagged", "Tagged"
    FAILED = "failed", "Tagging failed"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TaggableText(models.Model):
    """Fields every tagged item carries. The item says which text is tagged and with which question type."""

    # Not indexed here: each concrete model indexes what its own queries need (e.g. the sweep's partial
    # index on untagged rows), as an index per field would slow every bulk import.
    tag_status = models.CharField(max_length=10, choices=TagStatus.choices, default=TagStatus.UNTAGGED)
    # What was last tagged: (text hash, model version) unchanged means re-tagging would change nothing.
    tagged_text_hash = models.CharField(max_length=64, blank=True)
    tagged_model_version = models.CharField(max_length=80, blank=True)
    tagged_at = models.DateTimeField(null=True, blank=True)
    tag_error = models.TextField(blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_confidence = models.FloatField(null=True, blank=True)
    # The sentences that carry a story's sentiment, [{"start", "end", "sentiment"}], offsets into the tagged
    # text as for theme evidence. Empty for short comments, whose sentiment is the whole comment's.
    sentiment_evidence = models.JSONField(default=list, blank=True)
    # [{"kind": ..., "start": ..., "end": ...}] as found by the tagger.
    safety_signals = models.JSONField(default=list, blank=True)
    # Set when the item was saved or its text changed, so the sweep can find what waits too long.
    text_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def taggable_text(self) -> str:
        raise NotImplementedError

    def taggable_question_type(self) -> str | None:
        return None

    def taggable_kind(self) -> str:
        """ "comment" or "story": a story's sentiment is read by the story model (see themes/ml)."""
        return "comment"


class TagOrigin(models.TextChoices):
    MODEL = "model", "Model"
    PERSON = "person", "Person"


class TagDecision(models.TextChoices):
    SUGGESTED = "suggested", "Suggested by the model"
    CONFIRMED = "confirmed", "Confirmed by a person"
    REJECTED = "rejected", "Rejected by a person"


class AbstractThemeTag(models.Model):
    """One theme on one item. A person's decision (confirmed, rejected, or a tag they added) is never
    replaced by the model; the model's suggestions are replaced whenever the item is re-tagged."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(max_length=10, choices=TagOrigin.choices, default=TagOrigin.MODEL)
    decision = models.CharField(max_length=10, choices=TagDecision.choices, default=TagDecision.SUGGESTED)
    confidence = models.FloatField(null=True, blank=True)
    # The evidence sentence, as character offsets into the tagged text.
    evidence_start = models.PositiveIntegerField(null=True, blank=True)
    evidence_end = models.PositiveIntegerField(null=True, blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    model_version = models.CharField(max_length=80, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def counts(self) -> bool:
        """Whether the tag stands: a rejected suggestion no longer does."""
        return self.decision != TagDecision.REJECTED


class TagAudit(models.Model):
    """Who decided what about a tag, and when. Written by the review services; never edited."""

    item_label = models.CharField(max_length=60)  # e.g. "stories.story"
    item_id = models.BigIntegerField()
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10)  # confirm / reject / add
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        # The review history of one item: WHERE item_label = %s AND item_id = %s ORDER BY at DESC.
        indexes = [models.Index(fields=["item_label", "item_id"], name="tagaudit_item")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.theme} on {self.item_label} {self.item_id}"


class ApiToken(models.Model):
    """A bearer token for the prediction API. Only a hash is stored; the token is shown once when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class TaggingClaim(models.Model):
    """Which task delivery is tagging a text right now, and how often a worker died while it was.

    A tagging task claims its texts before it tags them and drops the claims when it is done. When a worker
    dies (SIGKILL, the OOM killer, a text that crashes a native library) its unacknowledged task is handed out
    again with the same task id; the claims it finds under its own name are the texts that were being tagged
    when the worker died, and each of them counts one death. Texts the dead worker had only prefetched were
    never claimed and count nothing. A text that dies alone in its batch is retried alone once
    (`retry_at`, by the sweep); dying alone a second time fails it for good. Rows left are the texts with
    a crash history, listed for administrators in the Django admin.
    """

    item_label = models.CharField(max_length=60)  # e.g. "feedback.comment"
    item_id = models.BigIntegerField()
    # "<task id>/<retries>" of the delivery tagging it now; empty when none is.
    holder = models.CharField(max_length=80, blank=True)
    deaths = models.PositiveIntegerField(default=0)
    deaths_alone = models.PositiveSmallIntegerField(default=0)
    last_death_at = models.DateTimeField(null=True, blank=True)
    # When the sweep queues this text again, alone: set after its first death alone, cleared for good.
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_label", "item_id"], name="taggingclaim_item_unique")
        ]
        indexes = [
            # The sweep's due retries: WHERE retry_at <= now.
            models.Index(fields=["retry_at"], condition=models.Q(retry_at__isnull=False), name="claim_retry"),
            # A task dropping its claims: WHERE holder = %s.
            models.Index(fields=["holder"], name="claim_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.item_label} {self.item_id}"


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    ACCEPTED = "accepted", "Accepted as a local theme"
    MERGED = "merged", "Merged into another candidate"
    DISMISSED = "dismissed", "Dismissed"


class CandidateTheme(models.Model):
    """A group of sentences that no theme covers well, found by the monthly discovery run for one ICS
    (`insight_hub.themes.ml.discovery`). People accept it (it becomes a local theme), merge, rename or
    dismiss it. Examples are redacted text only, so every ICB reader of the ICS may see them."""

    ics = models.ForeignKey("organisations.ICS", on_delete=models.CASCADE, related_name="candidate_themes")
    found_at = models.DateTimeField()
    name = models.CharField(max_length=120)
    suggested_name = models.CharField(max_length=120)
    phrases = models.JSONField(default=list)
    patterns = models.JSONField(default=list)
    # Texts holding a sentence of the group, and texts by month ({"2026-05": 12, ...}) for the trend.
    size = models.PositiveIntegerField()
    trend = models.JSONField(default=dict)
    # [{"label", "id", "text"}]: the group's most typical sentences, redacted.
    examples = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-size", "pk"]
        # The review page: WHERE ics_id = %s AND status = 'open' ORDER BY size DESC.
        indexes = [models.Index(fields=["ics", "status"], name="candidate_ics_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def trend_months(self) -> list[tuple[str, int]]:
        """The trend as pages name months: ("November 2026", 12), …; the month discovery ran in is marked
        incomplete ("December 2026 (incomplete, to 6 December 2026)"), as dashboards mark theirs."""
        found = timezone.localdate(self.found_at)
        trend = sorted(self.trend.items())
        return [(month_label(parse_month(key), today=found), count) for key, count in trend]


class CandidateDecision(models.Model):
    """Who decided what about a candidate theme, and when. Written by the services; never edited."""

    candidate = models.ForeignKey(CandidateTheme, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=10)  # accept / merge / rename / dismiss
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # Identifiers and names only: {"name": ..., "into": id, "theme": id}.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.candidate}"
