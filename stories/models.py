"""Patient stories: what a patient, carer or member of staff told us, the consent they gave, where in a
pathway it happened, what was done about it ("you said, we did") and any safety concern it raised.

A story's original text never leaves the organisation that logged it: everyone else reads `redacted_title`
and `redacted_narrative`, made by `insight_hub.privacy.redaction` at every save (see `services.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from insight_hub.demographics import AgeBand, EthnicCategory, Sex, YesNo
from insight_hub.organisations.permissions import organisations_for, scope_for
from insight_hub.privacy.structured import date_for_outsiders
from insight_hub.themes.models import AbstractThemeTag, SafetyKind, TaggableText

NARRATIVE_MAX_LENGTH = 20_000

# Full-text search over the redacted text only, so that a search can never reveal a redacted name. Since
# migration 0006 PostgreSQL keeps a stored vector of these fields (column `search_vector`, GIN-indexed) and
# the search reads that; SEARCH_VECTOR and SEARCH_INDEX remain for migration 0002, which made the first index.
SEARCH_FIELDS = ("redacted_title", "redacted_narrative")
SEARCH_VECTOR = SearchVector("redacted_title", "redacted_narrative", config="english")
SEARCH_INDEX = GinIndex(SEARCH_VECTOR, name="story_search")


class Teller(models.TextChoices):
    PATIENT = "patient", "Patient"
    CARER = "carer", "Carer"
    FAMILY = "family", "Family member"
    STAFF = "staff", "Member of staff"
    ADVOCATE = "advocate", "Advocate"


class DatePrecision(models.TextChoices):
    MONTH = "month", "Month"
    DAY = "day", "Day"


class SourceChannel(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    PALS = "pals", "PALS"
    COMPLAINT = "complaint", "Complaint"
    CARE_OPINION = "care_opinion", "Care Opinion"
    ENGAGEMENT_EVENT = "engagement_event", "Engagement event"
    SURVEY = "survey", "Survey"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class ImportSource(models.TextChoices):
    """Where an imported story came from; with `external_id` it makes a re-import idempotent."""

    CSV = "csv", "CSV file"
    CARE_OPINION = "care_opinion", "Care Opinion"
    DEMO = "demo", "Demo data"


class StoryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SHARED = "shared", "Shared with the ICS"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Statuses that use the story beyond the conversation it was told in, so they need consent first.
STATUSES_NEEDING_CONSENT = {StoryStatus.SUBMITTED, StoryStatus.SHARED}
STATUS_TRANSITIONS: dict[str, set[str]] = {
    StoryStatus.DRAFT: {StoryStatus.SUBMITTED, StoryStatus.WITHDRAWN},
    StoryStatus.SUBMITTED: {StoryStatus.DRAFT, StoryStatus.SHARED, StoryStatus.WITHDRAWN},
    # Sharing can be undone: the story goes back to submitted and out of every view outside the trust.
    StoryStatus.SHARED: {StoryStatus.SUBMITTED, StoryStatus.WITHDRAWN},
    StoryStatus.WITHDRAWN: set(),
}


class SafetyConcern(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    SAFETY = "safety", "Patient safety concern"


class SafetyStage(models.TextChoices):
    LEAD = "lead", "Safety lead"
    DEPUTY = "deputy", "Deputy safety lead"
    ICB = "icb", "ICB lead"
    ASSIGNED = "assigned", "Assigned by the ICB"


class FlagSource(models.TextChoices):
    PERSON = "person", "A person"
    TAGGER = "tagger", "The tagger (safety signals in the text)"
    IMPORT = "import", "The import (rated severely critical at source)"
    CRITICALITY = "critical", "Its criticality (rated strongly or severely critical at source)"


class CriticalityScale(models.TextChoices):
    """How a source rated a story, as the import was told to read it."""

    CARE_OPINION = "care_opinion", "Care Opinion 0–5 criticality"
    SIGNED = "signed", "Signed −5..+5 (negative critical, positive praise)"


# Care Opinion's words for its 0–5 criticality.
CRITICALITY_LABELS = {
    0: "not critical",
    1: "minimally critical",
    2: "mildly critical",
    3: "moderately critical",
    4: "strongly critical",
    5: "severely critical",
}
# Strongly (4) or severely (5) critical: a new safety concern, and a critical story in board reports.
HIGH_CRITICALITY = 4

# A critical story, the one meaning of every figure that counts them (a board report's page one, its stories
# table and section 6, the dashboards' follow-up shares): a safety or safeguarding concern was raised, or its
# source rated it strongly or severely critical (4 or 5 of 5): the stories the safety routing makes a
# concern of (`stories.safety.flag_high_criticality`). Read as negative by the tagger is not enough: that is
# a machine's reading, and counting it made one report say 61 critical stories on page one and 144 in
# section 6.
CRITICAL_STORY = ~Q(safety_concern="") | Q(criticality__gte=HIGH_CRITICALITY)
# The same in words, printed where a count of critical stories is shown.
CRITICAL_STORY_MEANS = "critical: a safety concern or criticality 4–5"


def is_critical(safety_concern: str, criticality: int | None) -> bool:
    """`CRITICAL_STORY` for one story's values."""
    return bool(safety_concern) or (criticality or 0) >= HIGH_CRITICALITY


class Purpose(models.TextChoices):
    """What a shared story may be used for; each needs its own consent."""

    INTERNAL_LEARNING = "internal_learning", "Internal learning"
    BOARD_QUOTE = "board_quote", "Anonymised quote in board reports"
    PUBLICATION = "publication", "Publication"


PURPOSE_CONSENT_FIELD = {
    Purpose.INTERNAL_LEARNING: "consent_internal_learning",
    Purpose.BOARD_QUOTE: "consent_board_quote",
    Purpose.PUBLICATION: "consent_publication",
}


def usable_condition(purpose: str) -> Q:
    """The one rule for using a story for `purpose`: shared with the ICS, consent given for that use and not
    withdrawn. Status alone is not enough (a shared story whose consent was withdrawn or narrowed by an
    import or an old row must not be used), nor is consent alone (a draft is not for anyone else's eyes)."""
    return Q(
        status=StoryStatus.SHARED,
        consent_withdrawn_on__isnull=True,
        **{PURPOSE_CONSENT_FIELD[Purpose(purpose)]: True},
    )


class StoryQuerySet(models.QuerySet):
    def usable_for(self, purpose: str) -> StoryQuerySet:
        """Stories that may be used for `purpose` (see `usable_condition`). Every reader of shared stories
        (dashboards, charters, exports) goes through this, so a withdrawal takes a story out of all of them
        at once."""
        return self.filter(usable_condition(purpose))

    def visible_to(self, user) -> StoryQuerySet:
        """Stories a person may see at all, and so count: every story of the organisations where they are a
        px_lead, and elsewhere within their reach only those usable for internal learning. Every list and
        count of stories (story list, awaiting response, the system view's concerns, journeys) goes
        through this one rule, so a count always equals its list."""
        own = scope_for(user).px_org_ids
        # The reach as a list of organisation ids (the same rule as `filter_for`): joined to organisations
        # instead, PostgreSQL plans a full-text search over the ICS as one scan per organisation ANDed with
        # the organisation index, several times slower than the search index alone.
        reach = list(organisations_for(user).values_list("pk", flat=True))
        return self.filter(organisation_id__in=reach).filter(
            Q(organisation_id__in=own) | usable_condition(Purpose.INTERNAL_LEARNING)
        )


class Story(TaggableText):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="stories"
    )
    services = models.ManyToManyField("organisations.Service", blank=True, related_name="stories")
    stages = models.ManyToManyField("PathwayStage", blank=True, related_name="stories")
    title = models.CharField(max_length=200)
    narrative = models.TextField(validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)])
    teller = models.CharField("Who told it", max_length=10, choices=Teller.choices)
    # A story is often remembered by the month only: the date is then the 1st and the precision "month".
    occurred_on = models.DateField("When it happened")
    occurred_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source_channel = models.CharField(max_length=20, choices=SourceChannel.choices)

    # Equality monitoring, all optional.
    ethnic_category = models.CharField(max_length=1, choices=EthnicCategory.choices, blank=True)
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    disability = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    first_language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.CharField(max_length=12, choices=YesNo.choices, blank=True)

    status = models.CharField(max_length=10, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Redaction: spans are JSON lists of `RedactedSpan.to_dict()`, offsets into the original field.
    redacted_title = models.CharField(max_length=400, blank=True)
    redacted_narrative = models.TextField(blank=True)
    title_spans = models.JSONField(default=list, blank=True)
    narrative_spans = models.JSONField(default=list, blank=True)
    redaction_version = models.CharField(max_length=80, blank=True)
    # A person's corrections, by phrase rather than offset so that they survive edits to the text:
    # {"removed": [{"text", "kind"}], "added": [{"text", "kind"}]}.
    redaction_corrections = models.JSONField(default=dict, blank=True)
    redaction_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redaction_reviewed_at = models.DateTimeField(null=True, blank=True)
    # A redaction by newer rules that would show words the stored one hides: it waits here, and the stored
    # redaction stays in force, until a person of the logging organisation confirms it (stories.redaction).
    # {"title", "title_spans", "narrative", "narrative_spans", "revealed": [words]}; {} when none. The rules
    # version that made it is a column of its own, for the queries of the sweep and of the check queue.
    redaction_pending = models.JSONField(default=dict, blank=True)
    redaction_pending_version = models.CharField(max_length=80, blank=True)

    # Consent, granular. Its history is in ConsentEvent.
    consent_internal_learning = models.BooleanField(default=False)
    consent_board_quote = models.BooleanField(default=False)
    consent_publication = models.BooleanField(default=False)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_on = models.DateField(null=True, blank=True)

    # Safety. A flagged story waits for a response from the organisation's safety lead.
    safety_concern = models.CharField(max_length=12, choices=SafetyConcern.choices, blank=True)
    safety_flag_source = models.CharField(max_length=10, choices=FlagSource.choices, blank=True)
    safety_flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    safety_flagged_at = models.DateTimeField(null=True, blank=True)
    safety_routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Routing: who holds the concern now (lead, deputy, ICB lead, or someone an ICB lead assigned), since
    # when (escalation counts working days from here), and when that person was emailed (empty: not yet).
    safety_stage = models.CharField(max_length=10, choices=SafetyStage.choices, blank=True)
    safety_routed_at = models.DateTimeField(null=True, blank=True)
    safety_alerted_at = models.DateTimeField(null=True, blank=True)
    safety_response = models.TextField(blank=True)
    safety_responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    safety_closed_at = models.DateTimeField(null=True, blank=True)

    # "We did": what the person who told the story was told back.
    teller_response = models.TextField("Response to the person who told it", blank=True)
    teller_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    teller_response_at = models.DateTimeField(null=True, blank=True)
    # The response as it may be read outside the trust (and published, when the teller consented to
    # publication): redacted like the story, with its corrections, at every save of the response or of the
    # story's redaction (stories.services, stories.redaction). The original above never leaves the trust.
    teller_response_public = models.TextField(blank=True)

    # Imports: (organisation, source, external id) identifies a story already imported.
    import_source = models.CharField(max_length=20, choices=ImportSource.choices, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    # The source's rating of the story, separate from the tagger's own reading (sentiment, safety signals).
    # criticality: Care Opinion's 0 (not critical) to 5 (severely critical); None when the source gave none.
    # praise: 1 to 5, the strength of praise from a signed scale (+1..+5); 0 when that scale said critical
    # or neutral; None when the source's scale cannot say (Care Opinion's 0–5 is silent about praise). A
    # signed -3 is criticality 3, praise 0; a signed +4 is criticality 0, praise 4: praise is never
    # criticality. criticality_scale: how the source rated it.
    criticality = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(5)])
    praise = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(5)])
    criticality_scale = models.CharField(max_length=12, choices=CriticalityScale.choices, blank=True)
    # Care Opinion's own progress (e.g. "responded") and tags [{"name", "group", "polarity"}], as they came.
    external_progress = models.CharField(max_length=40, blank=True)
    external_tags = models.JSONField(default=list, blank=True)
    # Where the story is published (its Care Opinion page), and the organisation's public responses to it as
    # Care Opinion gave them: [{"id", "author", "published", "body"}] (stories.care_opinion).
    external_url = models.URLField(max_length=300, blank=True)
    external_responses = models.JSONField(default=list, blank=True)
    # The file import that made it (stories.importing): its mapping, defaults and declared consent basis.
    import_batch = models.ForeignKey(
        "stories.StoryImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "import_source", "external_id"],
                condition=~Q(external_id=""),
                name="story_import_unique",
            ),
        ]
        indexes = [
            # The list page: WHERE organisation_id IN (...) [AND status = %s] ORDER BY occurred_on DESC.
            models.Index(fields=["organisation", "status", "-occurred_on"], name="story_org_status_date"),
            # Shared stories across the ICS: WHERE status = 'shared' ORDER BY occurred_on DESC.
            models.Index(fields=["status", "-occurred_on"], name="story_status_date"),
            # The tagging sweep: WHERE tag_status = 'untagged' AND text_changed_at <= %s. Partial, so it holds
            # only the few stories waiting for the worker.
            models.Index(
                fields=["text_changed_at"], condition=Q(tag_status="untagged"), name="story_untagged"
            ),
            # Response times (dashboards.follow_up): WHERE organisation_id IN (...) AND teller_response_at
            # >= %s AND teller_response_at < %s. Partial: most stories have no response yet.
            models.Index(
                fields=["organisation", "teller_response_at"],
                condition=Q(teller_response_at__isnull=False),
                name="story_responded",
            ),
            # Awaiting response: WHERE safety_concern <> '' AND safety_closed_at IS NULL.
            models.Index(
                fields=["organisation", "safety_flagged_at"],
                condition=~Q(safety_concern="") & Q(safety_closed_at__isnull=True),
                name="story_awaiting_response",
            ),
        ]
        # Full-text search has a stored vector with a GIN index, made on PostgreSQL only by migration 0006
        # (SQLite cannot build it).

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.narrative is not None and not self.narrative.strip():
            errors["narrative"] = "Enter the story"
        if self.occurred_on and self.occurred_on > timezone.localdate():
            errors["occurred_on"] = "The date it happened must be today or in the past"
        if errors:
            raise ValidationError(errors)

    def taggable_text(self) -> str:
        """The redacted text: the tagger never needs the original, and evidence offsets match what
        everyone outside the trust reads."""
        return f"{self.redacted_title}\n\n{self.redacted_narrative}"

    def taggable_kind(self) -> str:
        return "story"

    @property
    def narrative_offset(self) -> int:
        """Where the narrative starts in `taggable_text()`."""
        return len(self.redacted_title) + 2

    @property
    def consent_recorded(self) -> bool:
        return self.consent_recorded_at is not None

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_withdrawn_on is not None

    @property
    def is_flagged(self) -> bool:
        return bool(self.safety_concern)

    @property
    def criticality_high(self) -> bool:
        return self.criticality is not None and self.criticality >= HIGH_CRITICALITY

    @property
    def tagger_safety_labels(self) -> list[str]:
        """The kinds of safety signal the tagger found in the text, in words (its own flag, kept apart from
        the source's criticality)."""
        kinds = {signal.get("kind") for signal in self.safety_signals or [] if isinstance(signal, dict)}
        return [label for value, label in SafetyKind.choices if value in kinds]

    @property
    def criticality_display(self) -> str:
        """The source's rating in words, e.g. "4 of 5, strongly critical" or "praise, 3 of 5"."""
        if self.praise:
            text = f"Praise, {self.praise} of 5 (not critical)"
        elif self.criticality is None:
            return ""
        else:
            text = f"{self.criticality} of 5, {CRITICALITY_LABELS[self.criticality]}"
        if self.criticality_scale == CriticalityScale.SIGNED:
            signed = self.praise if self.praise else -(self.criticality or 0)
            text += f" (signed {signed:+d} at source)" if signed else " (signed 0 at source)"
        return text

    @property
    def awaiting_response(self) -> bool:
        return self.is_flagged and self.safety_closed_at is None

    @property
    def occurred_display(self) -> str:
        fmt = "%B %Y" if self.occurred_precision == DatePrecision.MONTH else "%-d %B %Y"
        return self.occurred_on.strftime(fmt)

    @property
    def occurred_display_outside(self) -> str:
        """When it happened, as people outside the logging organisation read it: to the month, like the
        redacted text, which hides exact dates."""
        return date_for_outsiders(self.occurred_on)


class StoryTag(AbstractThemeTag):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "theme"], name="storytag_unique")]
        # The theme filter: WHERE theme_id = %s AND decision <> 'rejected' → story ids.
        indexes = [models.Index(fields=["theme", "story"], name="storytag_theme")]

    def __str__(self) -> str:
        return f"{self.theme} on {self.story_id}"


class ConsentEvent(models.Model):
    """One change to a story's consent: who, when, and the consent as it stood afterwards. Never edited."""

    class Action(models.TextChoices):
        RECORDED = "recorded", "Consent recorded"
        CHANGED = "changed", "Consent changed"
        WITHDRAWN = "withdrawn", "Consent withdrawn"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="consent_events")
    action = models.CharField(max_length=10, choices=Action.choices)
    internal_learning = models.BooleanField()
    board_quote = models.BooleanField()
    publication = models.BooleanField()
    withdrawn_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on story {self.story_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ChangeClaim(models.TextChoices):
    """What the trust claims about an action, as Care Opinion's "change planned" and "change made". Not a
    second status: an action's status says whether the work is open or done; the claim says what the trust
    tells people changed, and a second px lead of the trust signs it off."""

    PLANNED = "planned", "Change planned"
    MADE = "made", "Change made"


class StoryAction(models.Model):
    """ "We did": one thing that will change because of a story, with a named owner and a due date, and
    the trust's claim of a change planned or made, signed off by a second person of the trust."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField("What will change")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    outcome = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The change claim: empty when none is made. A new claim clears an earlier sign-off.
    change_claim = models.CharField(max_length=8, choices=ChangeClaim.choices, blank=True)
    change_description = models.TextField("What changed", blank=True)
    change_claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_claimed_at = models.DateTimeField(null=True, blank=True)
    change_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def change_signed_off(self) -> bool:
        return bool(self.change_claim) and self.change_signed_off_at is not None

    @property
    def change_awaiting_sign_off(self) -> bool:
        return bool(self.change_claim) and self.change_signed_off_at is None


class SafetyLead(models.Model):
    """The person a trust has named to receive its stories' safety concerns (one of its px leads)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="story_safety_lead"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Receives the concerns the lead leaves unanswered (another px lead of the trust).
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} for {self.organisation}"


class Pathway(models.Model):
    """A care pathway across an ICS (e.g. stroke), read stage by stage so a journey crosses organisations."""

    ics = models.ForeignKey("organisations.ICS", on_delete=models.CASCADE, related_name="pathways")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["ics", "name"], name="pathway_name_unique_in_ics")]

    def __str__(self) -> str:
        return self.name


class PathwayStage(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="pathway_stages"
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pathway", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "order"], name="pathway_stage_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.order}. {self.name}"


# The Care Opinion sync's own records live beside its code; importing them here registers them with the app.
from .care_opinion.models import CareOpinionRun, CareOpinionServiceLink, CareOpinionSync  # noqa: E402, F401


class ShareCheckDecision(models.TextChoices):
    OK = "ok", "Checked: fine to share"
    FIX = "fix", "Needs fixing"


class ShareCheck(models.Model):
    """A lead's check of a draft story's redaction before it is shared with the ICS (`stories.share_check`).
    The check holds for the redacted text it was made on (`text_hash`): a story changed since goes back to
    the queue unchecked, and is never shared in bulk on an old check."""

    story = models.OneToOneField(
        Story, on_delete=models.CASCADE, primary_key=True, related_name="share_check"
    )
    decision = models.CharField(max_length=4, choices=ShareCheckDecision.choices)
    text_hash = models.CharField(max_length=64)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.story_id}: {self.get_decision_display()}"


from .importing.models import StoryImport, StoryImportStatus  # noqa: E402, F401
