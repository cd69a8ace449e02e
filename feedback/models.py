"""Surveys (the Friends and Family Test and local surveys), their responses and free-text comments, and the
monthly FFT figures NHS England publishes. Every free-text answer becomes one `Comment`, ready for tagging."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Length, Replace

from insight_hub.demographics import AgeBand, EthnicCategory, Sex
from insight_hub.demographics import YesNo as Disability
from insight_hub.imports.progress import ImportProgress
from insight_hub.themes.models import AbstractThemeTag, QuestionType, TaggableText

FFT_QUESTION = "Overall, how was your experience of our service?"
# The question asked from 2013 to March 2020. NHS England treats its answers as not comparable with the
# current question's, so they are stored apart (`Response.fft_recommend`) and never count in % positive.
FFT_QUESTION_2013 = (
    "How likely are you to recommend our service to friends and family if they needed similar care or "
    "treatment?"
)


class FFTAnswer(models.IntegerChoices):
    VERY_GOOD = 1, "Very good"
    GOOD = 2, "Good"
    NEITHER = 3, "Neither good nor poor"
    POOR = 4, "Poor"
    VERY_POOR = 5, "Very poor"
    DONT_KNOW = 6, "Don't know"


class FFTRecommendAnswer(models.IntegerChoices):
    """The 2013–2020 question's answers, in its own order (1 extremely likely … 5 extremely unlikely)."""

    EXTREMELY_LIKELY = 1, "Extremely likely"
    LIKELY = 2, "Likely"
    NEITHER = 3, "Neither likely nor unlikely"
    UNLIKELY = 4, "Unlikely"
    EXTREMELY_UNLIKELY = 5, "Extremely unlikely"
    DONT_KNOW = 6, "Don't know"


class Demographics(models.Model):
    """Optional equality monitoring, the same on every response and story."""

    ethnic_category = models.CharField(max_length=1, choices=EthnicCategory.choices, blank=True)
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    disability = models.CharField(max_length=12, choices=Disability.choices, blank=True)

    class Meta:
        abstract = True


class SurveyKind(models.TextChoices):
    FFT = "fft", "Friends and Family Test"
    LOCAL = "local", "Local survey"


class Survey(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="surveys"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            # The public form finds "the" FFT survey of a service's organisation, made on first use: two
            # first visitors at once must not make two.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(kind="fft"),
                name="one_fft_survey_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class SurveyVersion(models.Model):
    """Editing a live survey makes a new version; answers stay attached to the wording they answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number_unique"),
            models.UniqueConstraint(
                fields=["survey"], condition=models.Q(status="live"), name="one_live_version_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class QuestionKind(models.TextChoices):
    FFT = "fft", "Friends and Family Test"
    RATING = "rating", "Rating (1 to 5)"
    SINGLE_CHOICE = "single_choice", "Single choice"
    FREE_TEXT = "free_text", "Free text"


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    text = models.CharField(max_length=500)
    # Free-text questions only: the type the theme model takes as an input.
    question_type = models.CharField(max_length=20, choices=QuestionType.choices, blank=True)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="question_order_unique")]

    def __str__(self) -> str:
        return self.text


class ResponseSource(models.TextChoices):
    PUBLIC_FORM = "public_form", "Public form"
    IMPORT = "import", "File import"


class Response(Demographics):
    """One person's answers. `organisation` repeats the service's, so scoping and roll-ups need no join."""

    # A copy of the service's organisation (the service's own key is checked), so no database constraint
    # or index of its own: the (organisation, service, responded_at) index below leads with it. Imports write
    # a million rows at a time, and each constraint is a lookup per row and each index a write per row.
    # PROTECT is still enforced by Django when an organisation or service is deleted.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
        db_constraint=False,
    )
    # Not indexed alone: only deleting a service (refused while it has responses) looks rows up by it.
    service = models.ForeignKey(
        "organisations.Service", on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    # Not indexed: only deleting a survey version (refused while answered) looks rows up by it.
    survey_version = models.ForeignKey(
        SurveyVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
    )
    source = models.CharField(max_length=20, choices=ResponseSource.choices)
    # Stored exactly once: a public form's one-time token, or (import source, external id or row hash).
    # Unique through a constraint in Meta rather than unique=True, which on PostgreSQL also builds a
    # varchar_pattern_ops index for LIKE that nothing uses and that doubles the cost of every import.
    dedupe_key = models.CharField(max_length=200)
    # Which upload brought the row, for the record: set by the importer itself, so no database constraint,
    # and no index (only deleting an import batch, which is rare, looks rows up by it).
    import_batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
        db_index=False,
        db_constraint=False,
    )
    # The staff list across an ICS: ORDER BY responded_at DESC LIMIT 25, over every trust in reach.
    responded_at = models.DateTimeField(db_index=True)
    # The FFT answer: `fft_score` to the current question (FFT_QUESTION, from April 2020), `fft_recommend` to
    # the old one (FFT_QUESTION_2013), marking the response as answering the old question. At most one is
    # set. % positive reads `fft_score` only, so old answers can never be mixed into it; they are counted and
    # shown apart (% who would recommend).
    fft_score = models.PositiveSmallIntegerField(choices=FFTAnswer.choices, null=True, blank=True)
    fft_recommend = models.PositiveSmallIntegerField(
        "FFT answer to the 2013–2020 question", choices=FFTRecommendAnswer.choices, null=True, blank=True
    )
    # Where a respondent's own words locate them below the service (an import's location_2/3, a ward).
    location_detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Staff list and monthly metrics:
            # WHERE organisation_id = %s [AND service_id = %s] ORDER BY responded_at
            models.Index(
                fields=["organisation", "service", "responded_at"], name="response_org_service_time"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="response_dedupe_key_unique"),
            # One FFT question per response: the current one or the 2013–2020 one, never both.
            models.CheckConstraint(
                condition=models.Q(fft_score__isnull=True) | models.Q(fft_recommend__isnull=True),
                name="response_one_fft_question",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.service} on {self.responded_at:%d %b %Y}"

    @property
    def fft_old_question(self) -> bool:
        """Answered the 2013–2020 question ("How likely are you to recommend…")."""
        return self.fft_recommend is not None


class Answer(models.Model):
    """An answer to a local survey's rating or single-choice question (free text becomes a Comment)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


_SPACED = Replace(
    Replace(Replace(models.F("text"), Value("\r"), Value(" ")), Value("\n"), Value(" ")),
    Value("\t"),
    Value(" "),
)


class Comment(TaggableText):
    """One free-text answer, ready for tagging. The redacted text is made by the tagging worker."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    # Copies of the response's organisation and service (whose keys are checked on the response), for
    # scoping and roll-ups without a join: no constraints, and only the composite index below.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="comments",
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.PROTECT,
        related_name="comments",
        db_index=False,
        db_constraint=False,
    )
    # Not indexed: only deleting a question (refused while answered) looks rows up by it.
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="comments", db_index=False
    )
    question_type = models.CharField(max_length=20, choices=QuestionType.choices)
    text = models.TextField()
    redacted_text = models.TextField(blank=True)
    redaction_version = models.CharField(max_length=60, blank=True)
    responded_at = models.DateTimeField()
    # Words, counted by the spaces between them (line breaks and tabs count as spaces), kept by the database
    # itself, so that the complex comments queue ("more than 50 words") compares a column instead of measuring
    # every comment's text on each page. A run of several spaces counts more than once: close enough.
    word_count = models.GeneratedField(
        expression=Length(_SPACED) - Length(Replace(_SPACED, Value(" "), Value(""))) + 1,
        output_field=models.IntegerField(),
        db_persist=True,
    )
    # Standing theme tags (suggested or confirmed, not rejected), kept by the themes engine in the transaction
    # that changes them (see `Taggable.tag_count_field`), so that "three themes or more" compares a column
    # instead of grouping every tag of the ICS on each page of the complex comments queue.
    theme_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "service", "responded_at"], name="comment_org_service_time"),
            # The sweep: WHERE tag_status = 'untagged' AND text_changed_at <= %s. Partial, so it holds only
            # the few rows waiting, not millions of tagged ones.
            models.Index(
                fields=["text_changed_at"], condition=models.Q(tag_status="untagged"), name="comment_untagged"
            ),
            # The complex comments queue (feedback.complex.queue_keys): SELECT id, responded_at WHERE
            # organisation_id IN (…) AND (word_count > 50 OR theme_count >= 3) [AND one of them] ORDER BY
            # responded_at DESC, id DESC. Partial, so it holds the comments in the queue, not every comment;
            # the counts are carried (PostgreSQL), so that counting, ordering and each reason read the index
            # alone. Its numbers are complex.LONG_WORDS and complex.MIN_THEMES.
            models.Index(
                fields=["organisation", "responded_at", "id"],
                include=["word_count", "theme_count"],
                condition=models.Q(word_count__gt=50) | models.Q(theme_count__gte=3),
                name="comment_complex",
            ),
        ]

    def taggable_text(self) -> str:
        return self.redacted_text

    def taggable_question_type(self) -> str | None:
        return self.question_type


class CommentTag(AbstractThemeTag):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "theme"], name="comment_theme_unique")]


class FlagKind(models.TextChoices):
    INTERESTING = "interesting", "Interesting"
    WRONGLY_CODED = "wrongly_coded", "Wrongly coded"


class CommentFlag(models.Model):
    """One person's flag on one comment: "interesting" or "wrongly coded". Each person keeps their own flags
    (one row per person, comment and kind) and removes only their own; adding and removing are audited."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user", "kind"], name="commentflag_once_per_person")
        ]
        # The queue's reason filter: EXISTS (… WHERE comment_id = %s AND kind = %s).
        indexes = [models.Index(fields=["comment", "kind"], name="commentflag_comment_kind")]

    def __str__(self) -> str:
        return f"{self.user} flagged comment {self.comment_id} {self.kind}"


class ImportKind(models.TextChoices):
    ROWS = "rows", "Row-level responses (CSV or XLSX)"
    NHSE_FFT = "nhse_fft", "NHS England monthly FFT workbook"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ImportBatch(ImportProgress):
    """One uploaded file and what became of it: progress, counts and a row-level error report (the fields
    rows_total … finished_at are `ImportProgress`'s)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    # sha256 of the uploaded bytes: with the row number, the key of a row in a file with no row id column.
    content_sha256 = models.CharField(max_length=64, blank=True)
    # Source column -> hub field, chosen in the mapping step.
    column_mapping = models.JSONField(default=dict, blank=True)
    # The file's own answer words -> the hub's: {"fft_recommend": {"Extremely likely": "1", ...}}, chosen in
    # the value step (the shape of insight_hub.imports.mappingfile's "values").
    value_mapping = models.JSONField(default=dict, blank=True)
    # The file's location values that name no service -> the person's choice, from the location step:
    # {"Riverside Surgery": {"service": 12}}, {"Oak Branch": {"new": "Oak Branch", "fft_setting": "gp"}}
    # (created when the import is confirmed, then held as {"service": id, "created": true}), or {} (left
    # unmapped: its rows are reported). Kept with the batch so a retried run maps the same way.
    location_mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class FFTLevel(models.TextChoices):
    ICB = "icb", "ICB"
    TRUST = "trust", "Trust"
    SITE = "site", "Site"
    WARD = "ward", "Ward"


class FFTPublishedFigure(models.Model):
    """A row of NHS England's published monthly FFT workbook: counts per answer, as published."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="fft_published"
    )
    service = models.ForeignKey(
        "organisations.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fft_published",
    )
    setting = models.CharField(max_length=20)  # organisations.FFTSetting
    level = models.CharField(max_length=10, choices=FFTLevel.choices)
    period = models.DateField(help_text="First day of the month the figures are for.")
    site_code = models.CharField(max_length=10, blank=True)
    ward_name = models.CharField(max_length=200, blank=True)
    # Maternity is published per touchpoint (antenatal, birth, postnatal ward, postnatal community);
    # empty for the other settings.
    touchpoint = models.CharField(max_length=30, blank=True)
    # None where NHS England suppressed the cell ("*").
    total = models.PositiveIntegerField(null=True)
    very_good = models.PositiveIntegerField(null=True)
    good = models.PositiveIntegerField(null=True)
    neither = models.PositiveIntegerField(null=True)
    poor = models.PositiveIntegerField(null=True)
    very_poor = models.PositiveIntegerField(null=True)
    dont_know = models.PositiveIntegerField(null=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "setting", "touchpoint", "level", "period", "site_code", "ward_name"],
                name="fft_published_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.setting} {self.level} {self.period:%b %Y}"
