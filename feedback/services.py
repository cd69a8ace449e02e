"""Writes for feedback: surveys and their versions, public submissions, redaction of comments for tagging."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from insight_hub.bulk import bulk_update_fields
from insight_hub.organisations.models import Organisation, Service
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.privacy.redaction import VERSION as REDACTION_VERSION
from insight_hub.privacy.redaction import redact_many
from insight_hub.themes.models import QuestionType
from insight_hub.themes.services import tagging_queue, tagging_reset

from .models import (
    FFT_QUESTION,
    Answer,
    Comment,
    CommentFlag,
    FFTAnswer,
    FlagKind,
    Question,
    QuestionKind,
    Response,
    ResponseSource,
    Survey,
    SurveyKind,
    SurveyVersion,
    VersionStatus,
)

logger = logging.getLogger(__name__)

COMMENT_LABEL = "feedback.comment"
COMMENT_MAX_LENGTH = 5000
TOKEN_SALT = "feedback.public-form"  # noqa: S105 - a signing namespace, not a secret
# Long enough for a form left open on a ward tablet all day; each token is still accepted once only.
TOKEN_MAX_AGE = 7 * 24 * 60 * 60
RATE_WINDOW = 10 * 60
# Posts per client address and service in RATE_WINDOW. A ward kiosk (or a hospital's shared address) sends
# many, so the default is generous; settings.PUBLIC_FORM_RATE_LIMIT overrides it.
DEFAULT_RATE_LIMIT = 60

DEFAULT_FOLLOW_UPS = (
    ("What was good about your experience?", QuestionType.WHAT_GOOD),
    ("Is there anything we could have done better?", QuestionType.COULD_IMPROVE),
)


# Surveys and versions.


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    question_type: str = ""
    choices: Sequence[str] = field(default_factory=tuple)
    required: bool = False


def _questions_create(version: SurveyVersion, specs: Sequence[QuestionSpec]) -> list[Question]:
    questions = []
    for order, spec in enumerate(specs, start=1):
        question = Question(
            version=version,
            order=order,
            kind=spec.kind,
            text=spec.text.strip(),
            question_type=spec.question_type if spec.kind == QuestionKind.FREE_TEXT else "",
            choices=[c.strip() for c in spec.choices if c.strip()]
            if spec.kind == QuestionKind.SINGLE_CHOICE
            else [],
            required=spec.required or spec.kind == QuestionKind.FFT,
        )
        question.full_clean(exclude=["version"])
        if question.kind == QuestionKind.FREE_TEXT and not question.question_type:
            raise ValidationError({"question_type": f"Choose what “{question.text}” asks about."})
        if question.kind == QuestionKind.SINGLE_CHOICE and len(question.choices) < 2:
            raise ValidationError(
                {"choices": f"Give at least two answers to choose from for “{question.text}”."}
            )
        questions.append(question)
    return Question.objects.bulk_create(questions)


def _check_specs(kind: str, specs: Sequence[QuestionSpec]) -> None:
    if not specs:
        raise ValidationError("A survey needs at least one question.")
    fft = [spec for spec in specs if spec.kind == QuestionKind.FFT]
    if kind == SurveyKind.FFT:
        follow_ups = specs[1:]
        if specs[0].kind != QuestionKind.FFT or len(fft) != 1:
            raise ValidationError("The Friends and Family Test asks its own question first, once.")
        if not 1 <= len(follow_ups) <= 2 or any(s.kind != QuestionKind.FREE_TEXT for s in follow_ups):
            raise ValidationError("The Friends and Family Test has one or two free-text follow-up questions.")
    elif fft:
        raise ValidationError(
            "The Friends and Family Test question belongs to the organisation's FFT survey."
        )


def fft_default_questions() -> list[QuestionSpec]:
    return [
        QuestionSpec(kind=QuestionKind.FFT, text=FFT_QUESTION, required=True),
        *(
            QuestionSpec(kind=QuestionKind.FREE_TEXT, text=text, question_type=qt)
            for text, qt in DEFAULT_FOLLOW_UPS
        ),
    ]


def fft_survey_for(*, organisation: Organisation) -> SurveyVersion:
    """The organisation's live FFT survey version, made with the default wording on first use."""
    version = (
        SurveyVersion.objects.filter(
            survey__organisation=organisation, survey__kind=SurveyKind.FFT, status=VersionStatus.LIVE
        )
        .select_related("survey")
        .first()
    )
    if version is not None:
        return version
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            organisation=organisation, kind=SurveyKind.FFT, defaults={"name": "Friends and Family Test"}
        )
        if created:
            version = SurveyVersion.objects.create(survey=survey, number=1, status=VersionStatus.LIVE)
            _questions_create(version, fft_default_questions())
            return version
    # Someone else made it meanwhile, or its live version was retired without a successor: publish the latest.
    return survey_publish(survey=survey)


@transaction.atomic
def survey_create(
    *, organisation: Organisation, name: str, questions: Sequence[QuestionSpec], created_by
) -> Survey:
    """A local survey, as a draft until it is published."""
    _check_specs(SurveyKind.LOCAL, questions)
    survey = Survey(
        organisation=organisation, name=name.strip(), kind=SurveyKind.LOCAL, created_by=created_by
    )
    survey.full_clean()
    survey.save()
    version = SurveyVersion.objects.create(survey=survey, number=1, status=VersionStatus.DRAFT)
    _questions_create(version, questions)
    return survey


@transaction.atomic
def survey_update(
    *, survey: Survey, name: str | None = None, questions: Sequence[QuestionSpec]
) -> SurveyVersion:
    """Change a survey's questions. A draft is changed in place; a survey people have been answering gets a
    new live version, so that every answer stays attached to the wording its author read."""
    _check_specs(survey.kind, questions)
    if name is not None and name.strip() != survey.name:
        survey.name = name.strip()
        survey.full_clean()
        survey.save(update_fields=["name"])
    survey = Survey.objects.select_for_update().get(pk=survey.pk)  # one editor at a time makes a version
    latest = survey.versions.order_by("-number").first()
    if latest is not None and latest.status == VersionStatus.DRAFT:
        latest.questions.all().delete()
        _questions_create(latest, questions)
        return latest
    number = latest.number + 1 if latest else 1
    survey.versions.filter(status=VersionStatus.LIVE).update(status=VersionStatus.RETIRED)
    version = SurveyVersion.objects.create(survey=survey, number=number, status=VersionStatus.LIVE)
    _questions_create(version, questions)
    return version


@transaction.atomic
def survey_publish(*, survey: Survey) -> SurveyVersion:
    """Make the latest version live (the one before it is retired, its answers kept)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    latest = survey.versions.order_by("-number").first()
    if latest is None:
        raise ValidationError("This survey has no questions to publish.")
    if latest.status != VersionStatus.LIVE:
        survey.versions.filter(status=VersionStatus.LIVE).update(status=VersionStatus.RETIRED)
        latest.status = VersionStatus.LIVE
        latest.save(update_fields=["status"])
    return latest


# The public form.


@dataclass(frozen=True)
class Ticket:
    """What a public form's one-time token says: which version was shown, and the nonce that dedupes it."""

    version_id: int
    version_stamp: str  # the version's creation time: with the id, a key no other version can have
    nonce: str

    @property
    def dedupe_key(self) -> str:
        return f"form:{self.nonce}"


def public_token_mint(*, service: Service, version: SurveyVersion) -> str:
    payload = {
        "s": service.pk,
        "v": version.pk,
        "c": version.created_at.isoformat(),
        "n": secrets.token_urlsafe(16),
    }
    return signing.dumps(payload, salt=TOKEN_SALT)


def public_token_read(token: str, *, service: Service) -> Ticket | None:
    """The ticket in a posted token; None if it is forged, expired, or was minted for another service."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(payload, dict) or payload.get("s") != service.pk:
        return None
    version_id, stamp, nonce = payload.get("v"), payload.get("c"), payload.get("n")
    if not isinstance(version_id, int) or not isinstance(stamp, str) or not isinstance(nonce, str):
        return None
    return Ticket(version_id=version_id, version_stamp=stamp, nonce=nonce)


def public_form_throttled(*, service: Service, client: str) -> bool:
    """Count a post from this address to this service; True once it is over the limit for the window.

    A fixed window in the shared cache (Redis in production, so every web process counts together). With
    Redis down nobody is throttled: a patient's answer matters more than the limit, and the one-time token
    and the honeypot still stand.
    """
    limit = getattr(settings, "PUBLIC_FORM_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    key = f"feedback:rate:{service.pk}:{client}:{int(time.time() // RATE_WINDOW)}"
    try:
        try:
            count = cache.incr(key)  # one round trip for every post but a window's first
        except ValueError:  # no such key yet: the window's first post (unless another process just made it)
            count = 1 if cache.add(key, 1, RATE_WINDOW) else cache.incr(key)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        logger.warning(
            "public form: rate limit not counted, the cache is unreachable (%s)", exc.__class__.__name__
        )
        return False
    return count > limit


def public_response_submit(
    *,
    service: Service,
    version: SurveyVersion,
    ticket: Ticket,
    answers: Mapping[Question, object],
    demographics: Mapping[str, str],
    responded_at: datetime | None = None,
) -> Response | None:
    """Store one public submission with its answers and comments, exactly once per ticket.

    Returns the response, or None when this ticket was already used (the same form posted twice). The
    request path stays light: no redaction or tagging here, the comments are queued for the tagging worker
    (which redacts them first) once the transaction commits. The form has validated every value, so the
    rows are not `full_clean`ed again: that would cost a query per unique field on the hottest path.
    """
    responded_at = responded_at or timezone.now()
    fft_score = None
    choice_answers, texts = [], []
    for question, value in answers.items():
        if value in (None, ""):
            continue
        if question.kind == QuestionKind.FFT:
            fft_score = FFTAnswer(int(value))
        elif question.kind == QuestionKind.FREE_TEXT:
            texts.append((question, str(value)))
        else:
            choice_answers.append((question, str(value)))
    try:
        with transaction.atomic():
            response = Response.objects.create(
                organisation_id=service.organisation_id,
                service=service,
                survey_version=version,
                source=ResponseSource.PUBLIC_FORM,
                dedupe_key=ticket.dedupe_key,
                responded_at=responded_at,
                fft_score=fft_score,
                **demographics,
            )
            if choice_answers:
                Answer.objects.bulk_create(
                    Answer(response=response, question=question, value=value)
                    for question, value in choice_answers
                )
            comments_create(response=response, texts=texts)
    except IntegrityError:
        if Response.objects.filter(dedupe_key=ticket.dedupe_key).exists():
            return None
        raise
    return response


def comments_create(*, response: Response, texts: Sequence[tuple[Question | None, str]]) -> list[Comment]:
    """One comment per free-text answer, tagging queued for after the commit. Call inside a transaction."""
    comments = []
    for question, text in texts:
        comment = Comment(
            response=response,
            organisation_id=response.organisation_id,
            service_id=response.service_id,
            question=question,
            question_type=question.question_type if question else QuestionType.NONSPECIFIC,
            text=text,
            responded_at=response.responded_at,
        )
        tagging_reset(comment)
        comments.append(comment)
    if not comments:
        return []
    comments = Comment.objects.bulk_create(comments)
    tagging_queue(label=COMMENT_LABEL, ids=[comment.pk for comment in comments])
    return comments


def comments_redact(comments: Sequence[Comment]) -> None:
    """Make the redacted text the tagger reads, for a batch, in one UPDATE. Registered as the tagging
    `prepare` step, so spaCy runs in the worker and never in the request that saved the comment."""
    stale = [comment for comment in comments if comment.redaction_version != REDACTION_VERSION]
    for comment, redaction in zip(stale, redact_many([comment.text for comment in stale]), strict=True):
        comment.redacted_text = redaction.text
        comment.redaction_version = REDACTION_VERSION
    bulk_update_fields(Comment, stale, ["redacted_text", "redaction_version"])


def comment_flag_set(*, user, comment: Comment, kind: str, flagged: bool) -> bool:
    """Add or remove the person's own flag of `kind` on the comment; True when something changed. Each change
    is audited in the same transaction. Another person's flag is never touched."""
    if kind not in FlagKind.values:
        raise ValidationError({"kind": f"Choose a flag: {', '.join(FlagKind.values)}."})
    with transaction.atomic():
        if flagged:
            _, created = CommentFlag.objects.get_or_create(comment=comment, user=user, kind=kind)
            if created:
                audit.record(user, AuditAction.COMMENT_FLAGGED, comment, kind=kind)
            return created
        deleted, _ = CommentFlag.objects.filter(comment=comment, user=user, kind=kind).delete()
        if deleted:
            audit.record(user, AuditAction.COMMENT_UNFLAGGED, comment, kind=kind)
        return bool(deleted)
