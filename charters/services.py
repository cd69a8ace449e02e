"""Writes for charters: set up and co-design (system administrators), adopt, new versions, reviews (ICB
leads). Every rule the issue states lives here, so a view, the admin or a script cannot skip it:
- adopting refuses a charter with any commitment that has no named owner, naming each one;
- a commitment without a linked theme or metric is allowed while drafting (in draft or consultation), and
  flagged (`commitment_flags`); adoption refuses it, as nothing could show whether it is kept;
- changing an adopted charter makes a new draft version; adopting that version supersedes the old one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from insight_hub.organisations.models import ICS, FFTSetting, Membership, Organisation, OrganisationKind
from insight_hub.organisations.selectors import owner_candidates
from insight_hub.text import shorten
from insight_hub.themes.models import Theme
from stories.models import ActionStatus

from .models import (
    Charter,
    CharterStatus,
    Commitment,
    CommitmentMetric,
    DraftComment,
    EngagementEvent,
    MetricKind,
    Participant,
    Review,
    ReviewAction,
    ReviewStatus,
)

NO_LINK_FLAG = (
    "No linked theme or metric: there is nothing to show whether this is being kept. "
    "Link one before the charter is adopted."
)
NO_OWNER_FLAG = "No named owner: the charter cannot be adopted until someone at the ICB owns this."


# --- Flags ---------------------------------------------------------------------------------------------


def commitment_flags(commitment: Commitment) -> list[str]:
    """What is missing from a commitment: allowed while drafting, shown until it is put right."""
    flags = []
    if commitment.owner_id is None:
        flags.append(NO_OWNER_FLAG)
    # .all() rather than .exists(): a page listing commitments has prefetched both.
    if not commitment.themes.all() and not commitment.metrics.all():
        flags.append(NO_LINK_FLAG)
    return flags


# --- Charters ------------------------------------------------------------------------------------------


def charter_create(*, ics: ICS, user, title: str, summary: str) -> Charter:
    charter = Charter(ics=ics, title=title.strip(), summary=summary.strip(), created_by=user)
    charter.full_clean()
    charter.save()
    return charter


@transaction.atomic
def charter_new_version(*, charter: Charter, user) -> Charter:
    """A draft copy of an adopted charter (its commitments, their links, and who took part), which the
    people setting it up then change; the adopted one stays in force until the new one is adopted."""
    if charter.status != CharterStatus.ADOPTED:
        raise ValidationError(
            {
                "status": "Only the adopted charter can be revised; "
                f"this one is {charter.get_status_display().lower()}."
            }
        )
    existing = Charter.objects.filter(previous=charter).first()
    if existing is not None:
        return existing  # a draft of the next version is already under way: work on that one
    latest = Charter.objects.filter(ics=charter.ics).aggregate(v=Max("version"))["v"] or charter.version
    new = Charter.objects.create(
        ics=charter.ics,
        title=charter.title,
        summary=charter.summary,
        version=latest + 1,
        previous=charter,
        created_by=user,
    )
    for participant in charter.participants.all():
        Participant.objects.create(
            charter=new, name=participant.name, kind=participant.kind, organisation=participant.organisation
        )
    for old in charter.commitments.prefetch_related("themes", "metrics"):
        copy = Commitment.objects.create(
            charter=new,
            origin=old,
            order=old.order,
            text=old.text,
            category=old.category,
            owner=old.owner,
            target_percent=old.target_percent,
            cadence_months=old.cadence_months,
        )
        copy.themes.set(old.themes.all())
        for metric in old.metrics.all():
            CommitmentMetric.objects.create(
                commitment=copy, kind=metric.kind, organisation=metric.organisation, setting=metric.setting
            )
    return new


@transaction.atomic
def charter_update(*, charter: Charter, user, title: str, summary: str) -> Charter:
    """Change the title or summary. On an adopted charter this makes (or continues) the next version and
    changes that; the version returned is the one changed."""
    if charter.status == CharterStatus.SUPERSEDED:
        raise ValidationError({"status": "This version has been superseded and can no longer change."})
    if charter.status == CharterStatus.ADOPTED:
        charter = charter_new_version(charter=charter, user=user)
    charter.title, charter.summary = title.strip(), summary.strip()
    charter.full_clean()
    charter.save(update_fields=["title", "summary"])
    return charter


def charter_open_consultation(*, charter: Charter) -> Charter:
    if charter.status != CharterStatus.DRAFT:
        raise ValidationError(
            {
                "status": "Only a draft can go out to consultation, "
                f"not one {charter.get_status_display().lower()}."
            }
        )
    if not charter.commitments.exists():
        raise ValidationError({"status": "Add at least one commitment before opening the consultation."})
    charter.status = CharterStatus.CONSULTATION
    charter.consultation_opened_at = timezone.now()
    charter.save(update_fields=["status", "consultation_opened_at"])
    return charter


def adoption_problems(charter: Charter) -> list[str]:
    """Why the charter cannot be adopted yet, one sentence per problem (empty: it can)."""
    problems = []
    commitments = list(charter.commitments.select_related("owner").prefetch_related("themes", "metrics"))
    if not commitments:
        problems.append("The charter has no commitments.")
    candidates = set(owner_candidates(charter.ics).values_list("pk", flat=True))
    for commitment in commitments:
        if commitment.owner_id is None:
            problems.append(
                f"Commitment {commitment.order} (“{_short(commitment.text)}”) has no named owner: "
                "choose an ICB lead to own it."
            )
        elif commitment.owner_id not in candidates:
            problems.append(
                f"Commitment {commitment.order} (“{_short(commitment.text)}”): its owner, "
                f"{commitment.owner.get_full_name() or commitment.owner}, is no longer an active ICB lead."
            )
        if not commitment.themes.all() and not commitment.metrics.all():
            problems.append(
                f"Commitment {commitment.order} (“{_short(commitment.text)}”) has no linked theme or metric: "
                "link at least one, so the evidence can show whether it is kept."
            )
    return problems


@transaction.atomic
def charter_adopt(*, charter: Charter, user) -> Charter:
    """Adopt a draft or consulted charter; the version it replaces (if any) is superseded."""
    charter = Charter.objects.select_for_update().get(pk=charter.pk)
    if not charter.is_editable:
        raise ValidationError({"status": f"This charter is already {charter.get_status_display().lower()}."})
    problems = adoption_problems(charter)
    if problems:
        raise ValidationError({"__all__": [f"The charter cannot be adopted. {p}" for p in problems]})
    now = timezone.now()
    Charter.objects.filter(ics=charter.ics, status=CharterStatus.ADOPTED).update(
        status=CharterStatus.SUPERSEDED, superseded_at=now
    )
    charter.status = CharterStatus.ADOPTED
    charter.adopted_at, charter.adopted_by = now, user
    charter.save(update_fields=["status", "adopted_at", "adopted_by"])
    return charter


# --- Commitments ---------------------------------------------------------------------------------------


def themes_for(ics: ICS):
    """Themes a commitment may link: the framework's, and the ICS's own local ones."""
    return Theme.objects.filter(active=True).filter(
        Q(ics__isnull=True, taxonomy__is_default=True) | Q(ics=ics)
    )


def metric_choices(ics: ICS) -> list[tuple[str, str]]:
    """Every metric a commitment can follow: the ICS, each partner organisation, each FFT setting."""
    choices = [("ics", MetricKind.FFT_ICS.label)]
    for org in (
        Organisation.objects.filter(ics=ics, closed_on__isnull=True)
        .exclude(kind=OrganisationKind.ICB)
        .order_by("name")
    ):
        choices.append((f"org:{org.ods_code}", f"FFT % positive: {org.display_name}"))
    for value, label in FFTSetting.choices:
        choices.append((f"setting:{value}", f"FFT % positive: {label} across the ICS"))
    return choices


def _short(text: str) -> str:
    return shorten(text, 60)


def _metric_rows(ics: ICS, keys) -> list[dict]:
    rows = []
    for key in keys:
        if key == "ics":
            rows.append({"kind": MetricKind.FFT_ICS, "organisation": None, "setting": ""})
            continue
        prefix, _, value = key.partition(":")
        if prefix == "org":
            org = (
                Organisation.objects.filter(ics=ics, ods_code=value)
                .exclude(kind=OrganisationKind.ICB)
                .first()
            )
            if org is None:
                raise ValidationError({"metrics": f"{value} is not a partner organisation of {ics}."})
            rows.append({"kind": MetricKind.FFT_ORGANISATION, "organisation": org, "setting": ""})
        elif prefix == "setting" and value in FFTSetting.values:
            rows.append({"kind": MetricKind.FFT_SETTING, "organisation": None, "setting": value})
        else:
            raise ValidationError({"metrics": f"“{key}” is not a metric a commitment can follow."})
    return rows


def _check_owner(ics: ICS, owner) -> None:
    if owner is not None and not owner_candidates(ics).filter(pk=owner.pk).exists():
        raise ValidationError(
            {"owner": f"{owner.get_full_name() or owner} is not an active ICB lead of {ics}."}
        )


@transaction.atomic
def commitment_save(
    *,
    charter: Charter,
    user,
    commitment: Commitment | None = None,
    text: str,
    category: str,
    owner=None,
    themes=(),
    metrics=(),
    target_percent: Decimal | None = None,
    cadence_months: int = 3,
    change_outcome: str = "",
    change_note: str = "",
) -> Commitment:
    """Add or change a commitment. On an adopted charter the change goes into the next version (made if
    need be): the returned commitment is the one in that version."""
    if charter.status == CharterStatus.SUPERSEDED:
        raise ValidationError({"status": "This version has been superseded and can no longer change."})
    if charter.status == CharterStatus.ADOPTED:
        charter = charter_new_version(charter=charter, user=user)
        if commitment is not None:
            commitment = charter.commitments.get(origin=commitment)
    if commitment is not None and commitment.charter_id != charter.pk:
        raise ValidationError({"__all__": "That commitment belongs to another charter."})
    _check_owner(charter.ics, owner)
    themes = list(themes)
    allowed = set(themes_for(charter.ics).values_list("pk", flat=True))
    for theme in themes:
        if theme.pk not in allowed:
            raise ValidationError({"themes": f"“{theme.name}” is not a theme of {charter.ics}’s taxonomy."})
    if target_percent is not None and not Decimal(0) <= Decimal(target_percent) <= Decimal(100):
        raise ValidationError({"target_percent": "Enter a target between 0 and 100 (a percentage)."})
    if change_outcome == "not_possible" and not change_note.strip():
        raise ValidationError(
            {"change_note": "Say why no change was possible: people who commented deserve the reason."}
        )
    metric_rows = _metric_rows(charter.ics, metrics)
    if commitment is None:
        order = (charter.commitments.aggregate(n=Max("order"))["n"] or 0) + 1
        commitment = Commitment(charter=charter, order=order)
    commitment.text = text.strip()
    commitment.category = category
    commitment.owner = owner
    commitment.target_percent = target_percent
    commitment.cadence_months = cadence_months
    commitment.change_outcome = change_outcome
    commitment.change_note = change_note.strip()
    commitment.full_clean(exclude=["charter", "origin", "owner"])
    commitment.save()
    commitment.themes.set(themes)
    commitment.metrics.all().delete()
    for row in metric_rows:
        CommitmentMetric.objects.create(commitment=commitment, **row)
    return commitment


@transaction.atomic
def commitment_remove(*, commitment: Commitment) -> None:
    """Drop a commitment while drafting (co-design often merges or drops some); the rest are renumbered."""
    charter = commitment.charter
    if not charter.is_editable:
        raise ValidationError(
            {"__all__": "Commitments of an adopted charter are not removed; start a new version instead."}
        )
    commitment.delete()
    for number, remaining in enumerate(charter.commitments.order_by("order", "pk"), start=1):
        if remaining.order != number:
            remaining.order = number
            remaining.save(update_fields=["order"])


# --- Co-design record ----------------------------------------------------------------------------------


def _editable(charter: Charter) -> None:
    if not charter.is_editable:
        raise ValidationError(
            {
                "__all__": f"The co-design record of a charter {charter.get_status_display().lower()} is "
                "closed; start a new version to consult again."
            }
        )


def participant_add(*, charter: Charter, name: str, kind: str, organisation=None) -> Participant:
    _editable(charter)
    name = name.strip()
    if charter.participants.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"{name} is already listed as taking part."})
    participant = Participant(charter=charter, name=name, kind=kind, organisation=organisation)
    participant.full_clean()
    participant.save()
    return participant


def event_add(
    *, charter: Charter, title: str, held_on: dt.date, people_reached: int, notes: str = ""
) -> EngagementEvent:
    _editable(charter)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "Record events that have happened: the date is in the future."})
    if people_reached is None or people_reached < 0:
        raise ValidationError({"people_reached": "Enter the number of people reached, 0 or more."})
    event = EngagementEvent(
        charter=charter,
        title=title.strip(),
        held_on=held_on,
        people_reached=people_reached,
        notes=notes.strip(),
    )
    event.full_clean()
    event.save()
    return event


def draft_comment_add(
    *, commitment: Commitment, user, text: str, received_on: dt.date, participant=None, event=None
) -> DraftComment:
    _editable(commitment.charter)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date the comment was received is in the future."})
    for name, related in (("participant", participant), ("event", event)):
        if related is not None and related.charter_id != commitment.charter_id:
            raise ValidationError({name: f"That {name} belongs to another charter."})
    comment = DraftComment(
        commitment=commitment,
        text=text.strip(),
        received_on=received_on,
        participant=participant,
        event=event,
        recorded_by=user,
    )
    comment.full_clean()
    comment.save()
    return comment


# --- Reviews -------------------------------------------------------------------------------------------


def action_owner_candidates(ics: ICS):
    """Who may own a review action: anyone active with a role in the ICS (a trust may carry it out)."""
    user_ids = Membership.objects.filter(organisation__ics=ics).values("user_id")
    return (
        get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("first_name", "last_name")
    )


@transaction.atomic
def review_record(
    *,
    commitment: Commitment,
    user,
    status: str,
    narrative: str,
    period,
    actions=(),
    reviewed_on: dt.date | None = None,
) -> Review:
    """Record a review of an adopted commitment with the evidence as it stands now, kept unchanged.

    `actions`: dicts with description, owner, due_on and (optionally) organisation."""
    from .selectors import evidence_snapshot

    charter = Charter.objects.select_related("ics").get(pk=commitment.charter_id)  # its status as it is now
    if charter.status != CharterStatus.ADOPTED:
        raise ValidationError({"__all__": "Only commitments of the adopted charter are reviewed."})
    if status not in ReviewStatus.values:
        raise ValidationError({"status": "Choose on track, at risk or not met."})
    if not narrative.strip():
        raise ValidationError({"narrative": "Say what the evidence shows and why you chose this status."})
    ics = charter.ics
    allowed_owners = set(action_owner_candidates(ics).values_list("pk", flat=True))
    for number, action in enumerate(actions, start=1):
        if not action.get("description", "").strip():
            raise ValidationError({"__all__": f"Action {number}: say what will change."})
        if action.get("owner") is None or action["owner"].pk not in allowed_owners:
            raise ValidationError({"__all__": f"Action {number}: choose an owner who works in {ics}."})
        if action.get("due_on") is None:
            raise ValidationError({"__all__": f"Action {number}: give a due date."})
        org = action.get("organisation")
        if org is not None and org.ics_id != ics.pk:
            raise ValidationError({"__all__": f"Action {number}: {org} is not part of {ics}."})
    review = Review.objects.create(
        commitment=commitment,
        reviewed_on=reviewed_on or timezone.localdate(),
        status=status,
        narrative=narrative.strip(),
        period_first=period.first,
        period_last=period.last,
        evidence=evidence_snapshot(commitment, period),
        recorded_by=user,
    )
    for action in actions:
        ReviewAction.objects.create(
            review=review,
            description=action["description"].strip(),
            owner=action["owner"],
            due_on=action["due_on"],
            organisation=action.get("organisation"),
        )
    return review


def action_complete(*, action: ReviewAction, user) -> ReviewAction:
    if action.status == ActionStatus.DONE:
        return action
    action.status = ActionStatus.DONE
    action.done_on = timezone.localdate()
    action.save(update_fields=["status", "done_on"])
    return action
