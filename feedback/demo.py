"""Demo feedback for the demo ICS: an FFT survey per trust and about 18 months of answers per service, with
British free-text comments, demographics and a couple of special causes for the SPC charts to find.

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

from .models import AgeBand, Comment, Disability, EthnicCategory, Response, ResponseSource, Sex
from .services import fft_survey_for

MONTHS = 18
SEED = 20260401
DEMO_PREFIX = "demo:"

WHAT_GOOD = [
    "The nurses on the ward were kind and always had time for a chat.",
    "Staff explained everything clearly and answered all my questions.",
    "I was seen quicker than I expected and the doctor was very thorough.",
    "The midwives were brilliant, calm and reassuring throughout my labour.",
    "Reception staff were friendly and helpful when I was anxious.",
    "The ward was spotless and the toilets were always clean.",
    "The physio team really pushed me and I'm walking again thanks to them.",
    "Food was hot, tasty and there was a good choice for my diet.",
    "The paramedics were fantastic, they kept my mum calm and comfortable.",
    "My district nurse always turns up on time and treats me with respect.",
    "They listened to me and involved my family in decisions about my care.",
    "The consultant took time to explain the scan results in plain English.",
    "Everyone introduced themselves and I always knew who was looking after me.",
    "The healthcare assistants were so patient helping me wash and dress.",
    "My pain was managed well and staff checked on me regularly.",
    "The discharge was well organised and my medicines were ready on time.",
    "The crisis team phoned back within the hour and really helped.",
    "Staff treated my dad with dignity even when he was confused.",
    "The waiting area was calm and there was a play corner for the children.",
    "I felt safe and well looked after from start to finish.",
    "Porters and domestic staff were cheerful and made the stay easier.",
    "The stroke team were amazing, they acted fast and saved my husband.",
    "The letters and text reminders about my appointment were really useful.",
    "My care coordinator understands me and never rushes our sessions.",
    "The transport driver helped me right to my front door.",
    "Outstanding care, could not fault anything at all.",
    "Nurse Sarah went above and beyond, nothing was too much trouble.",
    "The interpreter was booked in advance so my mother could understand everything.",
    "The team respected my wishes about how I wanted to give birth.",
    "Quick, efficient and very professional service.",
    "They made a frightening experience much less scary for my daughter.",
    "The ward sister kept us updated every day by phone.",
    "Good communication between the GP and the hospital for once.",
    "The chaplain came to sit with me when I was on my own.",
    "My wheelchair was sorted out quickly and staff were careful with it.",
    "Staff were clearly busy but still found time to be kind.",
    "Doctor Khan was very reassuring and clearly knew his stuff.",
    "Loved the volunteer who brought the tea trolley round.",
    "Being able to phone the ward directly made a real difference.",
    "Everything ran to time and I was in and out within the hour.",
]

COULD_IMPROVE = [
    "I waited over six hours in A&E with no update on what was happening.",
    "Parking is a nightmare, I drove round for 40 minutes and nearly missed my appointment.",
    "The car park machines don't take cards and the charges are too high.",
    "Nobody told us when my mum was going to be discharged, we found out on the day.",
    "Discharge took all day waiting for medication from pharmacy.",
    "The food was cold by the time it reached me and there was no vegetarian option.",
    "One nurse on nights was rude and dismissive when I asked for pain relief.",
    "It was very noisy at night and I hardly slept.",
    "The toilets on the ward were not cleaned often enough.",
    "My appointment was cancelled twice by text with no explanation.",
    "I could not get through on the phone to change my appointment.",
    "Staff seemed rushed off their feet, there were not enough of them.",
    "Doctors spoke over me to my daughter as if I wasn't there.",
    "The waiting room was too hot and there was nowhere to get water.",
    "Nobody explained the side effects of my new tablets.",
    "The ambulance took over three hours to arrive for my elderly father.",
    "Signage in the hospital is confusing and I got lost twice.",
    "My hearing aid was lost on the ward and nobody took responsibility.",
    "I wasn't offered an interpreter even though I asked for one.",
    "The letter with my results arrived after the appointment to discuss them.",
    "Please have more chairs in the corridor, I had to stand for an hour.",
    "Call bells went unanswered for a long time.",
    "My care plan was never shared with me.",
    "I had to repeat my story to five different people.",
    "The wheelchair access at the main entrance is poor.",
    "No one checked whether I had eaten, my tray was taken away full.",
    "The transport came late and I missed half of my dialysis slot.",
    "I felt my concerns about my baby were not taken seriously.",
    "Mental health support after discharge was non-existent, I was left on my own.",
    "It took weeks to get a follow-up appointment.",
    "Visiting hours are too short for people who work.",
    "The receptionist was abrupt and unhelpful.",
    "There was no privacy when the doctor discussed my condition on the ward.",
    "The Wi-Fi doesn't work so I couldn't contact my family.",
    "Communication between departments was poor and my notes went missing.",
    "Staff did not wash their hands before examining me.",
    "The district nurse visit times are unpredictable, I waited in all day.",
    "Please call me Mr Okafor, not love or darling.",
    "More information for carers about what to expect at home would help.",
    "Honestly nothing, it was all excellent.",
]

NONSPECIFIC = [
    "Mixed experience, some staff brilliant and others not interested.",
    "Care was good once I was seen but the wait was far too long.",
    "Thank you to the whole team.",
    "Better than my last visit.",
]

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
                    texts.append((index, follow_ups.get(QuestionType.WHAT_GOOD), rng.choice(WHAT_GOOD)))
                if rng.random() < (0.25 if positive else 0.85):
                    texts.append(
                        (index, follow_ups.get(QuestionType.COULD_IMPROVE), rng.choice(COULD_IMPROVE))
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
