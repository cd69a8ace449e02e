"""Demo feedback for the demo ICS: an FFT survey per trust and about 18 months of answers per service, with
British free-text comments that fit the service (`demo_text`: a crisis team under mental health, a midwife
under maternity), demographics and a couple of special causes for the SPC charts to find.

Seeded, so every first look shows the same mix; idempotent, so a second run adds nothing. Comments are
saved already redacted (each distinct text once, however often it is used) and left untagged: in the
embedded default Celery runs in the web process, and tagging thousands of comments there would take
minutes. `manage.py retag --all` (or the worker's sweep, with Redis) tags them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.demo import DEMO_PARTNERS
from insight_hub.organisations.models import Service
from insight_hub.privacy.redaction import VERSION as REDACTION_VERSION
from insight_hub.privacy.redaction import redact_many
from insight_hub.themes.models import QuestionType, TagStatus

from .demo_text import ANYWHERE_GOOD, ANYWHERE_IMPROVE, NONSPECIFIC, texts_for
from .models import AgeBand, Comment, Disability, EthnicCategory, Response, ResponseSource, Sex
from .services import fft_survey_for

MONTHS = 18
SEED = 20260401
DEMO_PREFIX = "demo:"

# Texts are drawn with one `randrange(TEXT_DRAW)` each, as the first demo drew from its single 40-text lists,
# so every other draw (volumes, dates, answers, demographics) is as before texts were matched to services.
TEXT_DRAW = 40
OWN_DRAWS = 30

# Per setting, the share of responses in each FFT answer (very good ... don't know); ~90% positive overall.
MIX = {
    "ae": (0.55, 0.25, 0.07, 0.05, 0.05, 0.03),
    "ambulance": (0.80, 0.13, 0.03, 0.02, 0.01, 0.01),
    "maternity": (0.78, 0.15, 0.03, 0.02, 0.01, 0.01),
}
DEFAULT_MIX = (0.72, 0.19, 0.04, 0.02, 0.02, 0.01)
# Special causes, by service name: a run of poor months in one A&E (a winter crisis), and a lasting
# improvement on a stroke ward (a new discharge process) for the SPC charts to find.
WORSE = {"Emergency department": {"RPA"}}
BETTER = {"Ward 7 (stroke unit)": {"RVV"}}
VOLUME = {"ae": 26, "outpatient": 20, "maternity": 14}
DEFAULT_VOLUME = 9

ETHNICITY = list(EthnicCategory.values)
ETHNICITY_WEIGHTS = [74, 2, 5, 1, 1, 1, 1, 3, 1, 1, 1, 1, 2, 1, 1, 1, 5]
AGES = list(AgeBand.values)
AGE_WEIGHTS = [4, 7, 10, 11, 12, 14, 16, 13, 6, 7]


def _months_back(today, months: int) -> list[datetime]:
    first = timezone.make_aware(datetime(today.year, today.month, 1))
    starts = [first]
    for _ in range(months - 1):
        previous = starts[-1] - timedelta(days=1)
        starts.append(timezone.make_aware(datetime(previous.year, previous.month, 1)))
    return list(reversed(starts))


def _spread(k: int, texts: list[str], slots: int) -> str:
    if not 0 < len(texts) <= slots:
        raise ValueError(f"{len(texts)} demo texts for {slots} draws: each text needs a draw of its own")
    return texts[k * len(texts) // slots]


def _text(rng: random.Random, own: list[str], anywhere: list[str]) -> str:
    """A text from a single `randrange(TEXT_DRAW)`: the service's own kind of care's (OWN_DRAWS in TEXT_DRAW)
    or one that fits anywhere, each of a group about equally likely. However few texts a kind has, the
    anywhere ones stay a quarter of what is said, so no one text is said far more often than the rest."""
    k = rng.randrange(TEXT_DRAW)
    if not own:
        return _spread(k, anywhere, TEXT_DRAW)
    if k < OWN_DRAWS:
        return _spread(k, own, OWN_DRAWS)
    return _spread(k - OWN_DRAWS, anywhere, TEXT_DRAW - OWN_DRAWS)


def _mix_for(service: Service, month_index: int) -> tuple[float, ...]:
    mix = list(MIX.get(service.fft_setting, DEFAULT_MIX))
    code = service.organisation.ods_code
    worse = code in WORSE.get(service.name, set()) and MONTHS - 9 <= month_index < MONTHS - 5
    better = code in BETTER.get(service.name, set()) and month_index >= MONTHS - 8
    if worse:
        mix = [0.30, 0.22, 0.12, 0.16, 0.17, 0.03]
    elif better:
        mix = [0.88, 0.09, 0.01, 0.01, 0.005, 0.005]
    return tuple(mix)


@transaction.atomic
def demo_feedback_load() -> str:
    if Response.objects.filter(dedupe_key__startswith=DEMO_PREFIX).exists():
        return "already loaded"
    services = list(
        Service.objects.filter(organisation__ods_code__in=DEMO_PARTNERS, active=True)
        .select_related("organisation")
        .order_by("organisation__ods_code", "name")
    )
    now = timezone.now()
    months = _months_back(timezone.localdate(), MONTHS)
    responses, texts = [], []  # texts: (response index, question, question type, text)
    for service in services:
        version = fft_survey_for(organisation=service.organisation)
        follow_ups = {q.question_type: q for q in version.questions.all() if q.question_type}
        rng = random.Random(f"{SEED}:{service.organisation.ods_code}:{service.name}")
        what_good, could_improve = texts_for(service.fft_setting, service.name)
        base = VOLUME.get(service.fft_setting, DEFAULT_VOLUME)
        for month_index, start in enumerate(months):
            month_end = min(months[month_index + 1] if month_index + 1 < MONTHS else now, now)
            seconds = max(int((month_end - start).total_seconds()), 1)
            for _ in range(max(1, round(rng.gauss(base, base / 4)))):
                score = rng.choices(range(1, 7), weights=_mix_for(service, month_index))[0]
                responded_at = start + timedelta(seconds=rng.randrange(seconds))
                index = len(responses)
                responses.append(
                    Response(
                        organisation=service.organisation,
                        service=service,
                        survey_version=version,
                        source=ResponseSource.PUBLIC_FORM,
                        dedupe_key=f"{DEMO_PREFIX}{service.public_id}:{index}",
                        responded_at=responded_at,
                        fft_score=score,
                        ethnic_category=rng.choices(ETHNICITY, weights=ETHNICITY_WEIGHTS)[0]
                        if rng.random() < 0.7
                        else "",
                        age_band=rng.choices(AGES, weights=AGE_WEIGHTS)[0] if rng.random() < 0.75 else "",
                        sex=rng.choice([Sex.FEMALE] * 11 + [Sex.MALE] * 9 + [Sex.NOT_STATED])
                        if rng.random() < 0.75
                        else "",
                        disability=rng.choice(
                            [Disability.YES] * 2 + [Disability.NO] * 6 + [Disability.NOT_STATED]
                        )
                        if rng.random() < 0.6
                        else "",
                    )
                )
                positive = score <= 2
                if rng.random() < (0.6 if positive else 0.3):
                    texts.append(
                        (index, follow_ups.get(QuestionType.WHAT_GOOD), _text(rng, what_good, ANYWHERE_GOOD))
                    )
                if rng.random() < (0.25 if positive else 0.85):
                    texts.append(
                        (
                            index,
                            follow_ups.get(QuestionType.COULD_IMPROVE),
                            _text(rng, could_improve, ANYWHERE_IMPROVE),
                        )
                    )
                elif rng.random() < 0.05:
                    texts.append((index, None, rng.choice(NONSPECIFIC)))
    responses = Response.objects.bulk_create(responses, batch_size=1000)
    distinct = sorted({text for _, _, text in texts})
    redacted = dict(zip(distinct, (r.text for r in redact_many(distinct)), strict=True))
    comments = []
    for index, question, text in texts:
        response = responses[index]
        comments.append(
            Comment(
                response=response,
                organisation_id=response.organisation_id,
                service_id=response.service_id,
                question=question,
                question_type=question.question_type if question else QuestionType.NONSPECIFIC,
                text=text,
                redacted_text=redacted[text],
                redaction_version=REDACTION_VERSION,
                responded_at=response.responded_at,
                tag_status=TagStatus.UNTAGGED,
                text_changed_at=now,
            )
        )
    Comment.objects.bulk_create(comments, batch_size=1000)
    return f"{len(responses)} responses with {len(comments)} comments for {len(services)} services (untagged)"
