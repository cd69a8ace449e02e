"""Safety routing that reaches people: a story its source rated strongly or severely critical is a new
concern however it arrived (`flag_high_criticality`); a new concern emails the person it is routed to; one
left unanswered for SAFETY_ESCALATE_AFTER_WORKING_DAYS working days goes to the trust's deputy, then to the
ICB's lead; an ICB lead may assign it to someone else. Every alert, escalation and assignment is in the audit.

Emails carry no patient text: a reference ("S123 at Trust A") and a link, never a title or narrative.
Functions take `now` so their timing can be tested without touching the clock.
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from insight_hub.notifications.services import email_enqueue
from insight_hub.organisations.permissions import story_title_for
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import selectors, services
from .models import (
    HIGH_CRITICALITY,
    FlagSource,
    SafetyConcern,
    SafetyLead,
    SafetyStage,
    Story,
    StoryStatus,
)

DEFAULT_ESCALATE_AFTER_WORKING_DAYS = 2


@cache
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    """England's bank holidays (the `holidays` package's GB/ENG calendar, substitute days included)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` working days after `start`, at the same local time of day: a concern flagged on
    a Thursday at 10:00 before a bank holiday Friday is due the Tuesday after at 10:00 (for 2 days)."""
    local = timezone.localtime(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    naive = datetime.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def escalate_after_days() -> int:
    return int(getattr(settings, "SAFETY_ESCALATE_AFTER_WORKING_DAYS", DEFAULT_ESCALATE_AFTER_WORKING_DAYS))


def story_reference(story: Story) -> str:
    """How an email names a story: its number and organisation, never its text."""
    return f"S{story.pk} at {story.organisation.display_name}"


def assigned_message(viewer, story: Story, to) -> str:
    """What the person who gave a concern to `to` is told: the story by the title they may read
    (`story_title_for`) beside its reference. A concern on a story its trust never shared (escalated to the
    ICB lead) keeps to its reference and trust: its title stays the trust's, as on the awaiting list."""
    name = to.get_full_name() or to.email
    if Story.objects.visible_to(viewer).filter(pk=story.pk).exists():
        return f"Concern about ‘{story_title_for(viewer, story)}’ (S{story.pk}) given to {name}."
    return (
        f"Concern S{story.pk} at {story.organisation.display_name} given to {name}. The story is not "
        "shared with the ICS, so its title stays with its trust."
    )


def route(story: Story, *, user, stage: str, now: datetime.datetime) -> None:
    """Point a concern at `user` from `now`; the alert task emails them. The caller saves."""
    story.safety_routed_to = user
    story.safety_stage = stage
    story.safety_routed_at = now
    story.safety_alerted_at = None


def _alert_key(story: Story) -> str:
    stage = story.safety_stage
    if stage == SafetyStage.ASSIGNED:
        stage = f"{stage}-{story.safety_routed_to_id}"
    return f"safety-alert:{story.pk}:{story.safety_flagged_at:%Y%m%d%H%M%S%f}:{stage}"


def _waiting() -> object:
    return Story.objects.exclude(safety_concern="").filter(safety_closed_at__isnull=True)


def _highly_critical_never_flagged():
    return Story.objects.filter(
        criticality__gte=HIGH_CRITICALITY, safety_concern="", safety_flagged_at__isnull=True
    ).exclude(status=StoryStatus.WITHDRAWN)


def flag_high_criticality() -> int:
    """Each story rated strongly or severely critical at source (criticality 4 or 5) and never flagged
    becomes a new safety concern, routed to its organisation's safety lead: an import flags its own at once,
    and this catches the rest (ratings migrated from before, or written by any other route). Praise, however
    strong, is not criticality and is never flagged; a concern already answered is not raised again.
    Returns how many were flagged."""
    flagged = 0
    for pk in _highly_critical_never_flagged().values_list("pk", flat=True):
        with transaction.atomic():
            story = (
                _highly_critical_never_flagged()
                .select_for_update(of=("self",))
                .select_related("organisation")
                .filter(pk=pk)
                .first()
            )
            if story is None:
                continue
            services.story_flag(
                story=story, user=None, concern=SafetyConcern.SAFETY, source=FlagSource.CRITICALITY
            )
            flagged += 1
    return flagged


def send_safety_alerts(*, now: datetime.datetime | None = None) -> int:
    """Email each waiting concern's person once per (story, flag, stage); returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    pending = _waiting().filter(safety_alerted_at__isnull=True, safety_routed_to__isnull=False)
    for pk in pending.values_list("pk", flat=True):
        with transaction.atomic():
            story = (
                Story.objects.select_for_update(of=("self",))
                .select_related("organisation", "safety_routed_to")
                .filter(pk=pk, safety_alerted_at__isnull=True, safety_closed_at__isnull=True)
                .first()
            )
            if story is None or story.safety_routed_to is None or not story.safety_routed_to.email:
                continue
            person = story.safety_routed_to
            reference = story_reference(story)
            email_enqueue(
                key=_alert_key(story),
                kind="safety_alert",
                to=person.email,
                subject=f"Safety concern {reference} needs a response",
                template="stories/email/safety_alert",
                context={
                    "name": person.get_full_name() or person.get_username(),
                    "reference": reference,
                    "concern": story.get_safety_concern_display(),
                    "stage": story.safety_stage,
                    "stage_label": story.get_safety_stage_display(),
                    "due": add_working_days(now, escalate_after_days()),
                    "path": _link_for(person, story),
                },
            )
            Story.objects.filter(pk=story.pk).update(safety_alerted_at=now)
            audit.record(
                None,
                AuditAction.SAFETY_ALERTED,
                story,
                stage=story.safety_stage,
                to_user=person.pk,
                concern=story.safety_concern,
            )
            sent += 1
    return sent


def _link_for(person, story: Story) -> str:
    """The story itself where the person may open it; else the list of waiting concerns, where an ICB lead
    sees a concern on a story that was never shared (its trust, age and stage) and can give it to someone."""
    if Story.objects.visible_to(person).filter(pk=story.pk).exists():
        return reverse("stories:detail", args=[story.pk])
    return reverse("stories:awaiting")


def _next_holder(story: Story) -> tuple[str, object] | None:
    """Who an unanswered concern goes to next: the deputy after the lead, the ICB's lead after that."""
    if story.safety_stage in ("", SafetyStage.LEAD):
        lead = SafetyLead.objects.filter(organisation_id=story.organisation_id).first()
        deputy = lead.deputy if lead else None
        if deputy is not None and deputy.is_active and deputy != story.safety_routed_to:
            return SafetyStage.DEPUTY, deputy
        # No deputy named: straight on to the ICB.
    if story.safety_stage in ("", SafetyStage.LEAD, SafetyStage.DEPUTY):
        ics = story.organisation.ics
        if ics is not None and ics.px_lead is not None and ics.px_lead.is_active:
            return SafetyStage.ICB, ics.px_lead
    return None


def escalate_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Move each concern left unanswered past its time to the next person; returns how many moved."""
    now = now or timezone.now()
    days = escalate_after_days()
    moved = 0
    candidates = _waiting().filter(
        safety_stage__in=["", SafetyStage.LEAD, SafetyStage.DEPUTY], safety_routed_at__isnull=False
    )
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            story = (
                Story.objects.select_for_update(of=("self",))
                .select_related("organisation__ics__px_lead")
                .filter(pk=pk, safety_closed_at__isnull=True)
                .first()
            )
            if story is None or story.safety_routed_at is None:
                continue
            if add_working_days(story.safety_routed_at, days) > now:
                continue
            nxt = _next_holder(story)
            if nxt is None:
                continue
            stage, user = nxt
            from_stage, from_user = story.safety_stage, story.safety_routed_to_id
            route(story, user=user, stage=stage, now=now)
            story.save(
                update_fields=["safety_routed_to", "safety_stage", "safety_routed_at", "safety_alerted_at"]
            )
            audit.record(
                None,
                AuditAction.SAFETY_ESCALATED,
                story,
                from_stage=from_stage,
                from_user=from_user,
                stage=stage,
                to_user=user.pk,
                working_days=days,
            )
            moved += 1
    return moved


def age_in_days(story: Story, now: datetime.datetime) -> int:
    return (now - story.safety_flagged_at).days if story.safety_flagged_at else 0


def assignable_people(story: Story):
    """Whom an ICB lead may give a concern to: px leads of the story's trust, or the ICS's own lead."""
    leads = selectors.px_leads_of(story.organisation).values("pk")
    ics = story.organisation.ics
    who = Q(pk__in=leads)
    if ics is not None and ics.px_lead_id:
        who |= Q(pk=ics.px_lead_id)
    return get_user_model().objects.filter(who, is_active=True).order_by("first_name", "last_name", "pk")


@transaction.atomic
def safety_assign(*, story: Story, user, assigned_by, now: datetime.datetime | None = None) -> Story:
    """An ICB lead gives a waiting concern to someone; they are emailed by the alert task."""
    if not story.awaiting_response:
        raise ValidationError({"user": "This story has no safety concern waiting for a response."})
    if not assignable_people(story).filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": f"Choose a patient experience lead of {story.organisation.display_name} or the ICB lead"}
        )
    now = now or timezone.now()
    from_user = story.safety_routed_to_id
    route(story, user=user, stage=SafetyStage.ASSIGNED, now=now)
    story.save(update_fields=["safety_routed_to", "safety_stage", "safety_routed_at", "safety_alerted_at"])
    audit.record(assigned_by, AuditAction.SAFETY_ASSIGNED, story, from_user=from_user, to_user=user.pk)
    return story
