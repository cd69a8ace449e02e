"""Dashboards, their tiles and owners, and the roll-ups they read.

Roll-ups are aggregates the Celery workers keep up to date (`dashboards.rollups`): a dashboard reads only
these plus a handful of chosen stories, never scans survey responses or comments. Each roll-up table is
rebuilt per (organisation, month), the unit of an incremental refresh, so a refresh deletes that slice and
inserts it again from the source rows in one statement per table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from insight_hub.organisations.models import Role


class Source(models.TextChoices):
    COMMENT = "comment", "Survey comment"
    STORY = "story", "Story"


class Characteristic(models.TextChoices):
    """Protected characteristics the equality view breaks figures down by (fields on responses)."""

    ETHNIC_CATEGORY = "ethnic_category", "Ethnic category"
    AGE_BAND = "age_band", "Age band"
    SEX = "sex", "Sex"
    DISABILITY = "disability", "Disability"


class ThemeMonthly(models.Model):
    """How often a theme came up: organisation x service x month x sentiment x source."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Null: a story not linked to a service, or a comment whose response had none.
    service = models.ForeignKey(
        "organisations.Service", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    theme = models.ForeignKey("themes.Theme", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    sentiment = models.CharField(max_length=10, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "month"], name="theme_monthly_org_month"),
            models.Index(fields=["theme", "month"], name="theme_monthly_theme_month"),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id} at {self.organisation_id} in {self.month:%b %Y}: {self.count}"


class FFTAnswerCounts(models.Model):
    """How many gave each FFT answer, named as `feedback.metrics.FFTCounts` names them."""

    very_good = models.PositiveIntegerField(default=0)
    good = models.PositiveIntegerField(default=0)
    neither = models.PositiveIntegerField(default=0)
    poor = models.PositiveIntegerField(default=0)
    very_poor = models.PositiveIntegerField(default=0)
    dont_know = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class FFTMonthly(FFTAnswerCounts):
    """FFT answers per organisation x service x month, in `feedback.metrics.FFTCounts` field order."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    # Answers to the 2013–2020 question ("How likely are you to recommend…"), kept apart: never in the
    # answer counts above, so never in % positive (`feedback.metrics.RecommendCounts`).
    recommend_total = models.PositiveIntegerField(default=0)
    recommend_likely = models.PositiveIntegerField(default=0)
    recommend_unlikely = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="fft_monthly_org_month")]

    def __str__(self) -> str:
        return f"FFT at {self.organisation_id}/{self.service_id} in {self.month:%b %Y}"


class CommentMonthly(models.Model):
    """How many survey comments there were: organisation x service x month. The denominator of a theme's
    mention rate per 1,000 comments (`dashboards.funnel_selectors`)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="comment_monthly_org_month")]

    def __str__(self) -> str:
        return f"{self.count} comments at {self.organisation_id}/{self.service_id} in {self.month:%b %Y}"


class FFTEqualityMonthly(FFTAnswerCounts):
    """FFT answers per organisation x month x characteristic x group ('' = not stated)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    characteristic = models.CharField(max_length=20, choices=Characteristic.choices)
    group = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="fft_equality_org_month")]

    def __str__(self) -> str:
        return f"FFT by {self.characteristic}={self.group} at {self.organisation_id} in {self.month:%b %Y}"


class ThemeEqualityMonthly(models.Model):
    """Theme sentiment in survey comments per organisation x month x characteristic x group."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    characteristic = models.CharField(max_length=20, choices=Characteristic.choices)
    group = models.CharField(max_length=12, blank=True)
    theme = models.ForeignKey("themes.Theme", on_delete=models.CASCADE, related_name="+", db_index=False)
    sentiment = models.CharField(max_length=10, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="theme_equality_org_month")]

    def __str__(self) -> str:
        return f"{self.theme_id} by {self.characteristic}={self.group} in {self.month:%b %Y}"


class StoryQuote(models.Model):
    """A story the dashboards may quote beside a theme: one row per theme tag (not rejected) of a story usable
    for internal learning, keyed like the theme roll-up it was counted in (organisation, first service,
    month, theme, sentiment) and refreshed with it, slice by slice.

    The story pickers walk `story_quote_pick` newest first and stop after a handful of rows, where probing
    stories one by one for a matching tag cost a sub-query per story. Consent is checked again when the
    chosen stories' text is read, so a withdrawal since the last refresh still takes effect at once.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    theme = models.ForeignKey("themes.Theme", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    sentiment = models.CharField(max_length=10, blank=True)
    occurred_on = models.DateField()
    story = models.ForeignKey("stories.Story", on_delete=models.CASCADE, related_name="+", db_index=False)
    confidence = models.FloatField(null=True)
    evidence_start = models.PositiveIntegerField(null=True)
    evidence_end = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [
            # The slice refresh: DELETE ... WHERE organisation_id = %s AND month = %s.
            models.Index(fields=["organisation", "month"], name="story_quote_org_month"),
            # The picker: WHERE theme_id = %s AND sentiment = %s AND organisation_id IN (...) AND occurred_on
            # BETWEEN ... ORDER BY occurred_on DESC, story_id DESC LIMIT n.
            models.Index(fields=["theme", "sentiment", "-occurred_on", "-story"], name="story_quote_pick"),
            # The same for any theme (a metric tile's stories).
            models.Index(fields=["sentiment", "-occurred_on", "-story"], name="story_quote_any_theme"),
        ]

    def __str__(self) -> str:
        return f"S{self.story_id} for theme {self.theme_id} ({self.sentiment})"


class ResponseTimeMonthly(models.Model):
    """Responses to the people who told stories (`dashboards.follow_up`): how many were recorded in a month
    (`answered_month`, England's time) and their working days summed, per organisation and month the story
    happened (`month`). Keyed by the month the story happened, as the other story roll-ups are, so that the
    slice a changed story marks stale holds its response wherever it was answered: a response recorded again
    later leaves its old month when that one slice is refreshed."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()  # the month the stories happened: the refresh's slice
    answered_month = models.DateField()
    responses = models.PositiveIntegerField()
    working_days = (
        models.PositiveIntegerField()
    )  # summed over the responses (mean = working_days / responses)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "month"], name="response_time_org_month"),
            # The chart: WHERE answered_month BETWEEN ... AND organisation_id IN (...), by answered_month.
            models.Index(fields=["answered_month", "organisation"], name="response_time_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.responses} responses at {self.organisation_id} in {self.answered_month:%b %Y}"


class CriticalFollowUpMonthly(models.Model):
    """Critical stories (`stories.selectors.critical_follow_up`) per organisation and month they happened:
    how many, how many with a response to the teller, with a change made (signed off), and with both."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    critical = models.PositiveIntegerField()
    with_response = models.PositiveIntegerField()
    with_change_made = models.PositiveIntegerField()
    with_both = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="critical_follow_up_org_month")]

    def __str__(self) -> str:
        return f"{self.critical} critical stories at {self.organisation_id} in {self.month:%b %Y}"


class RollupStale(models.Model):
    """An (organisation, month) whose roll-ups must be recomputed. The database, not the queue, remembers
    it: a refresh lost with a worker is redone by the next periodic pass."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "month"], name="rollup_stale_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%b %Y} stale since {self.marked_at}"


class RollupState(models.Model):
    """One row: when the roll-ups were last brought up to date, and how long the last rebuild took."""

    key = models.CharField(max_length=20, primary_key=True, default="rollups")
    watermark = models.DateTimeField(null=True, blank=True)
    last_full_rebuild_at = models.DateTimeField(null=True, blank=True)
    last_full_rebuild_seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Roll-ups up to {self.watermark}"


class PopulationProfile(models.Model):
    """Who an organisation serves, by group: the denominator that shows who is not responding.

    Optional: where it is not known, the equality view says so instead of guessing.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="population_profile"
    )
    characteristic = models.CharField(max_length=20, choices=Characteristic.choices)
    group = models.CharField(max_length=12)
    people = models.PositiveIntegerField(help_text="People served in a year (e.g. attendances, unique).")
    source = models.CharField(max_length=200, help_text="Where the figure comes from, e.g. SUS 2025/26.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "characteristic", "group"], name="population_profile_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.characteristic}={self.group}: {self.people}"


class DashboardStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ScopeKind(models.TextChoices):
    ICS = "ics", "The whole ICS"
    ORGANISATIONS = "organisations", "Chosen organisations"
    SERVICES = "services", "Chosen services"
    PATHWAY = "pathway", "A pathway"


class Dashboard(models.Model):
    ics = models.ForeignKey("organisations.ICS", on_delete=models.CASCADE, related_name="dashboards")
    title = models.CharField(max_length=200)
    scope_kind = models.CharField("Scope", max_length=20, choices=ScopeKind.choices, default=ScopeKind.ICS)
    organisations = models.ManyToManyField("organisations.Organisation", blank=True, related_name="+")
    services = models.ManyToManyField("organisations.Service", blank=True, related_name="+")
    pathway = models.ForeignKey(
        "stories.Pathway", null=True, blank=True, on_delete=models.PROTECT, related_name="dashboards"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_dashboards",
        help_text="A named ICB quality or patient-experience lead.",
    )
    review_on = models.DateField("Review date", null=True, blank=True)
    status = models.CharField(max_length=10, choices=DashboardStatus.choices, default=DashboardStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_owned(self) -> bool:
        """Owned only by a person who can still act: an active account (see `owner_is_current`)."""
        return self.owner_id is not None and self.owner.is_active

    @property
    def review_overdue(self) -> bool:
        return self.review_on is not None and self.review_on < timezone.localdate()


class TileKind(models.TextChoices):
    METRIC = "metric", "FFT % positive (SPC chart)"
    THEME = "theme", "Theme volume and sentiment"


class Tile(models.Model):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    kind = models.CharField(max_length=10, choices=TileKind.choices)
    title = models.CharField(max_length=200, blank=True)
    theme = models.ForeignKey(
        "themes.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "organisations.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tiles",
        help_text="Who at the ICB owns what this tile shows.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dashboard", "order", "pk"]

    def __str__(self) -> str:
        return self.title or (str(self.theme) if self.theme_id else self.get_kind_display())

    @property
    def is_owned(self) -> bool:
        return self.owner_id is not None and self.owner.is_active


OWNER_ROLE = Role.ICB_LEAD
