"""Reads for feedback, always through the person's scope (`insight_hub.organisations.permissions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString

from insight_hub.organisations.models import (
    SHORT_CODE_LENGTH,
    Organisation,
    Service,
    normalise_short_code,
)
from insight_hub.organisations.permissions import (
    can_read_original,
    filter_for,
    get_for_user_or_404,
    reads_records,
    records_filter_for,
)
from insight_hub.themes.selectors import highlight, tag_panel

from .metrics import (
    FFTCounts,
    FFTFigures,
    RecommendFigures,
    fft_figures,
    fft_monthly_counts,
    recommend_counts,
    recommend_figures,
)
from .models import (
    Comment,
    CommentFlag,
    FlagKind,
    Question,
    Response,
    Survey,
    SurveyKind,
    SurveyVersion,
    VersionStatus,
)

# Shown where a comment's redacted text is not made yet; the original is never a fallback outside its trust.
AWAITING_REDACTION = "This comment is waiting to be redacted."


def responses_for(user, *, filters: dict | None = None) -> QuerySet[Response]:
    """Responses whose records the person reads (a board member reads dashboards and reports, not responses),
    newest first, narrowed by the list's filters."""
    filters = filters or {}
    responses = records_filter_for(user, Response.objects.all())
    if org := filters.get("organisation"):
        responses = responses.filter(organisation=org)
    if service := filters.get("service"):
        responses = responses.filter(service=service)
    if day := filters.get("date_from"):
        responses = responses.filter(responded_at__gte=_start_of(day))
    if day := filters.get("date_to"):
        responses = responses.filter(responded_at__lt=_start_of(day + timedelta(days=1)))
    if score := filters.get("fft_score"):
        responses = responses.filter(fft_score=score)
    comments = Comment.objects.filter(response=OuterRef("pk"))
    if filters.get("has_comment") == "yes":
        responses = responses.filter(Exists(comments))
    elif filters.get("has_comment") == "no":
        responses = responses.exclude(Exists(comments))
    if sentiment := filters.get("sentiment"):
        responses = responses.filter(Exists(comments.filter(sentiment=sentiment)))
    return responses.select_related("organisation", "service").order_by("-responded_at", "-pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def responses_readable_or_404(user) -> None:
    """The response list and its exports exist only for people who read responses (not board members)."""
    if not reads_records(user):
        raise Http404


def response_get_for(user, *, pk: int) -> Response:
    try:
        return records_filter_for(
            user, Response.objects.select_related("organisation", "service", "survey_version__survey")
        ).get(pk=pk)
    except Response.DoesNotExist:
        raise Http404 from None


def service_get_for(user, *, pk: int) -> Service:
    return get_for_user_or_404(Service.objects.select_related("organisation", "site"), user, pk=pk)


def services_for(user) -> QuerySet[Service]:
    return filter_for(user, Service.objects.all()).order_by("organisation__name", "name")


def public_service_get(*, public_id) -> Service:
    """A service's public form exists only while the service is open."""
    try:
        return Service.objects.select_related("organisation").get(public_id=public_id, active=True)
    except Service.DoesNotExist:
        raise Http404 from None


def public_service_by_short_code(*, typed: str) -> Service:
    """The service whose poster shows this code (as typed: any case, spaces or hyphens), while it is open."""
    code = normalise_short_code(typed)
    if len(code) != SHORT_CODE_LENGTH:
        raise Http404
    try:
        return Service.objects.get(short_code=code, active=True)
    except Service.DoesNotExist:
        raise Http404 from None


# Published versions (live, or retired since) never change their questions: a change makes a new version.
# So the public POST, the hottest path in the hub, keeps them per process instead of two queries a post.
# Keyed by id and creation time, so that an id reused after a rollback (SQLite) never finds another's.
_PUBLISHED_VERSIONS: dict[tuple[int, str], SurveyVersion] = {}
_PUBLISHED_VERSIONS_MAX = 1000


def version_stamp(version: SurveyVersion) -> str:
    return version.created_at.isoformat()


def version_for_answers(*, version_id: int, stamp: str, service: Service) -> SurveyVersion | None:
    """The version a public form was shown with, if it is the service's and was published (live or since
    retired: answers go to the wording the person read), with its questions in order."""
    version = _PUBLISHED_VERSIONS.get((version_id, stamp))
    if version is None:
        version = (
            SurveyVersion.objects.filter(
                pk=version_id, status__in=[VersionStatus.LIVE, VersionStatus.RETIRED]
            )
            .select_related("survey")
            .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order")))
            .first()
        )
        if version is None or version_stamp(version) != stamp:
            return None
        if len(_PUBLISHED_VERSIONS) >= _PUBLISHED_VERSIONS_MAX:
            _PUBLISHED_VERSIONS.clear()
        _PUBLISHED_VERSIONS[(version_id, stamp)] = version
    return version if version.survey.organisation_id == service.organisation_id else None


def live_version_get(*, organisation: Organisation, survey_pk: int) -> SurveyVersion:
    """A published local survey's live version, or 404 (a draft has no public form)."""
    try:
        return SurveyVersion.objects.select_related("survey").get(
            survey_id=survey_pk,
            survey__organisation=organisation,
            survey__kind=SurveyKind.LOCAL,
            status=VersionStatus.LIVE,
        )
    except SurveyVersion.DoesNotExist:
        raise Http404 from None


def comment_display_text(user, comment: Comment) -> str:
    """The original words inside the organisation that collected them; the redacted text anywhere else."""
    if can_read_original(user, comment.organisation):
        return comment.text
    return comment.redacted_text if comment.redaction_version else AWAITING_REDACTION


@dataclass(frozen=True)
class FlagState:
    """A person's own flags on a comment, and how many people flagged it each way (for the buttons)."""

    comment: Comment
    mine: frozenset[str]
    counts: dict[str, int]

    def buttons(self) -> list[dict]:
        return [
            {"kind": kind, "label": label, "mine": kind in self.mine, "count": self.counts.get(kind, 0)}
            for kind, label in FlagKind.choices
        ]


def flag_state(user, comment: Comment) -> FlagState:
    flags = list(CommentFlag.objects.filter(comment=comment).values_list("user_id", "kind"))
    counts: dict[str, int] = {}
    for _, kind in flags:
        counts[kind] = counts.get(kind, 0) + 1
    return FlagState(
        comment=comment,
        mine=frozenset(kind for user_id, kind in flags if user_id == user.pk),
        counts=counts,
    )


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    text: str
    is_original: bool
    highlighted: SafeString  # the redacted (tagged) text, each standing tag's evidence in <mark>
    panel: dict  # the tag review panel (insight_hub.themes.selectors.tag_panel), which holds the tags
    flags: FlagState  # the person's own flags and everyone's counts, for the flag buttons


def comments_for_display(user, response: Response) -> list[CommentView]:
    views = []
    for comment in response.comments.select_related("organisation", "question").order_by("pk"):
        panel = tag_panel(user, "feedback.comment", comment)
        standing = [shown.tag for shown in panel["tags"] if shown.tag.counts]
        spans = [(tag.evidence_start, tag.evidence_end) for tag in standing]
        views.append(
            CommentView(
                comment=comment,
                text=comment_display_text(user, comment),
                is_original=can_read_original(user, comment.organisation),
                highlighted=highlight(comment.redacted_text, spans)
                if comment.redaction_version
                else SafeString(""),
                panel=panel,
                flags=flag_state(user, comment),
            )
        )
    return views


@dataclass(frozen=True)
class MonthFigures:
    month: date
    counts: FFTCounts
    figures: FFTFigures


def service_monthly_figures(user, *, service: Service, months: int = 12) -> list[MonthFigures]:
    """A service's FFT figures for each of its last `months` calendar months, newest first, empty ones too."""
    today = timezone.localdate()
    first = date(today.year, today.month, 1)
    starts = [first]
    for _ in range(months - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    responses = filter_for(
        user, Response.objects.filter(service=service, responded_at__gte=_start_of(starts[-1]))
    )
    rows = {row["month"]: FFTCounts.from_mapping(row) for row in fft_monthly_counts(responses)}
    return [
        MonthFigures(month=m, counts=rows.get(m, FFTCounts()), figures=fft_figures(rows.get(m, FFTCounts())))
        for m in starts
    ]


def service_old_question(user, *, service: Service, months: int = 12) -> RecommendFigures | None:
    """A service's answers to the 2013–2020 question over its last `months` calendar months, kept apart
    from the figures above (never in % positive); None when there are none."""
    today = timezone.localdate()
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    responses = filter_for(user, Response.objects.filter(service=service, responded_at__gte=_start_of(first)))
    counts = recommend_counts(responses)
    return recommend_figures(counts) if counts.total else None


def surveys_for(user) -> QuerySet[Survey]:
    return filter_for(user, Survey.objects.select_related("organisation")).order_by(
        "organisation__name", "kind", "name"
    )


def survey_get_for(user, *, pk: int) -> Survey:
    return get_for_user_or_404(Survey.objects.select_related("organisation"), user, pk=pk)


def survey_versions(survey: Survey) -> list[SurveyVersion]:
    return list(
        survey.versions.prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("order"))
        ).order_by("-number")
    )


def organisations_without_fft_survey(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return organisations.exclude(
        Exists(Survey.objects.filter(organisation=OuterRef("pk"), kind=SurveyKind.FFT))
    )
