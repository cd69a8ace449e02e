"""Writes for stories. Permission checks are the caller's (views ask `insight_hub.organisations.permissions`);
these keep the rules that hold whoever calls them: redaction at every save, consent before use, a response
before a safety concern is closed, tagging queued after commit."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.models import Organisation, Service
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.privacy.redaction import VERSION as REDACTION_VERSION
from insight_hub.privacy.redaction import Kind, RedactedSpan, apply_spans, redact
from insight_hub.themes import services as theme_services
from insight_hub.themes.models import SafetyKind

from . import selectors
from .models import (
    STATUS_TRANSITIONS,
    STATUSES_NEEDING_CONSENT,
    ActionStatus,
    ChangeClaim,
    ConsentEvent,
    FlagSource,
    PathwayStage,
    SafetyConcern,
    SafetyLead,
    SafetyStage,
    Story,
    StoryAction,
    StoryStatus,
)

TAG_LABEL = Story._meta.label_lower  # "stories.story"
REDACTED_FIELDS = {"title": "title_spans", "narrative": "narrative_spans"}
# Signals the tagger finds that make a concern one for safeguarding; any other is a patient safety concern.
SAFEGUARDING_SIGNALS = {SafetyKind.SAFEGUARDING, SafetyKind.ABUSE, SafetyKind.NEGLECT}
DEMOGRAPHIC_FIELDS = (
    "ethnic_category",
    "age_band",
    "sex",
    "disability",
    "first_language",
    "interpreter_needed",
)


# Redaction ---------------------------------------------------------------------------------------


def _phrase_spans(text: str, phrase: str, kind: str) -> list[RedactedSpan]:
    """Every occurrence of a phrase a person asked to redact, whatever its case (over-redact, never under)."""
    return [
        RedactedSpan.from_dict({"start": m.start(), "end": m.end(), "kind": kind})
        for m in re.finditer(re.escape(phrase), text, flags=re.IGNORECASE)
    ]


def _redact_with_corrections(text: str, corrections: dict, found=None) -> tuple[str, list[dict]]:
    """Run the engine (unless `found`, its redaction of `text`, is given), then re-apply a person's
    corrections where their phrase still appears."""
    removed = {item["text"].casefold() for item in corrections.get("removed", [])}
    found = redact(text) if found is None else found
    spans = [span for span in found.spans if text[span.start : span.end].casefold() not in removed]
    for added in corrections.get("added", []):
        spans += _phrase_spans(text, added["text"], added["kind"])
    spans.sort(key=lambda span: (span.start, span.end))
    return apply_spans(text, spans), [span.to_dict() for span in spans]


def teller_response_redact(story: Story) -> None:
    """The response's public version: redacted like the story (the engine, then the story's corrections), so a
    name the trust hid in the story is hidden in the reply too. The caller saves."""
    corrections = story.redaction_corrections or {}
    story.teller_response_public = (
        _redact_with_corrections(story.teller_response, corrections)[0] if story.teller_response else ""
    )


def _story_redact(story: Story) -> None:
    corrections = story.redaction_corrections or {}
    story.redacted_title, story.title_spans = _redact_with_corrections(story.title, corrections)
    story.redacted_narrative, story.narrative_spans = _redact_with_corrections(story.narrative, corrections)
    teller_response_redact(story)
    story.redaction_version = REDACTION_VERSION
    # Redone by the current rules from the text as it is now: nothing waits for a check any more.
    story.redaction_pending, story.redaction_pending_version = {}, ""


def story_redact(story: Story) -> None:
    """Redact a story in memory by the current rules (the caller saves it), for bulk writers."""
    _story_redact(story)


def _spans(story: Story, field: str) -> list[RedactedSpan]:
    return [RedactedSpan.from_dict(span) for span in getattr(story, REDACTED_FIELDS[field])]


def _apply_stored_spans(story: Story, *, user) -> None:
    """Recompute the redacted text from the (corrected) stored spans; the text changed, so re-tag."""
    story.redacted_title = apply_spans(story.title, _spans(story, "title"))
    story.redacted_narrative = apply_spans(story.narrative, _spans(story, "narrative"))
    teller_response_redact(story)  # the corrections changed: the reply follows them
    story.redaction_reviewed_by = user
    story.redaction_reviewed_at = timezone.now()
    theme_services.tagging_reset(story)
    story.full_clean()
    story.save()
    theme_services.tagging_queue(label=TAG_LABEL, ids=[story.pk])


@transaction.atomic
def redaction_span_remove(*, story: Story, user, field: str, index: int) -> str:
    """Un-redact a span the engine got wrong, and the same phrase wherever else it appears. Returns it."""
    spans = _spans(story, field)
    if not 0 <= index < len(spans):
        raise ValidationError({"span": "That redaction is no longer there. Reload the page and try again."})
    phrase = getattr(story, field)[spans[index].start : spans[index].end]
    corrections = story.redaction_corrections or {}
    corrections["added"] = [
        a for a in corrections.get("added", []) if a["text"].casefold() != phrase.casefold()
    ]
    corrections["removed"] = [
        *corrections.get("removed", []),
        {"text": phrase, "kind": str(spans[index].kind)},
    ]
    story.redaction_corrections = corrections
    for name, spans_field in REDACTED_FIELDS.items():
        text = getattr(story, name)
        kept = [
            s.to_dict() for s in _spans(story, name) if text[s.start : s.end].casefold() != phrase.casefold()
        ]
        setattr(story, spans_field, kept)
    _apply_stored_spans(story, user=user)
    return phrase


@transaction.atomic
def redaction_phrase_add(*, story: Story, user, phrase: str, kind: str) -> int:
    """Redact a phrase the engine missed, everywhere it appears in the title and narrative. Returns how
    many places it was found."""
    phrase = phrase.strip()
    if not phrase:
        raise ValidationError({"phrase": "Enter the words to redact"})
    kind = Kind(kind)
    found = 0
    for name, spans_field in REDACTED_FIELDS.items():
        new = _phrase_spans(getattr(story, name), phrase, kind)
        found += len(new)
        spans = sorted([*_spans(story, name), *new], key=lambda span: (span.start, span.end))
        setattr(story, spans_field, [span.to_dict() for span in spans])
    if not found:
        raise ValidationError({"phrase": f"“{phrase}” does not appear in the title or the story"})
    corrections = story.redaction_corrections or {}
    corrections["removed"] = [
        r for r in corrections.get("removed", []) if r["text"].casefold() != phrase.casefold()
    ]
    corrections["added"] = [*corrections.get("added", []), {"text": phrase, "kind": str(kind)}]
    story.redaction_corrections = corrections
    _apply_stored_spans(story, user=user)
    return found


# Stories -----------------------------------------------------------------------------------------


def _check_links(*, organisation: Organisation, services: Iterable[Service], stages: Iterable[PathwayStage]):
    if any(service.organisation_id != organisation.pk for service in services):
        raise ValidationError({"services": f"Choose services of {organisation.display_name} only"})
    if any(stage.pathway.ics_id != organisation.ics_id for stage in stages):
        raise ValidationError({"stages": "Choose pathway stages in your own integrated care system"})


def _story_save(story: Story, *, text_changed: bool, services, stages, deferred: bool = False) -> Story:
    """Redact, validate, save, link, and queue tagging once the transaction commits. `deferred`: see
    `story_create`."""
    if text_changed:
        if not deferred:
            _story_redact(story)
        theme_services.tagging_reset(story)
    story.full_clean()
    story.save()
    if services is not None:
        story.services.set(services)
    if stages is not None:
        story.stages.set(stages)
    if not deferred:
        theme_services.tagging_queue(label=TAG_LABEL, ids=[story.pk])
    return story


@transaction.atomic
def story_create(
    *,
    user,
    organisation: Organisation,
    title: str,
    narrative: str,
    teller: str,
    occurred_on: datetime.date,
    occurred_precision: str,
    source_channel: str,
    services: Iterable[Service] = (),
    stages: Iterable[PathwayStage] = (),
    import_source: str = "",
    external_id: str = "",
    deferred: bool = False,
    **extra,
) -> Story:
    """Log a story as a draft. `extra`: demographics, and for imports Care Opinion's own fields.

    `deferred` (imports): the story is saved unredacted (empty redacted text, no redaction version, so
    nothing of it shows outside the trust and it cannot be submitted or shared yet), and the caller queues
    tagging for all its stories at once with `stories_tagging_queue`; the tagging worker then redacts each
    chunk of stories in one pass just before it tags them (`stories.redaction.stories_redact_new`)."""
    services, stages = list(services), list(stages)
    _check_links(organisation=organisation, services=services, stages=stages)
    story = Story(
        organisation=organisation,
        title=title,
        narrative=narrative,
        teller=teller,
        occurred_on=occurred_on,
        occurred_precision=occurred_precision,
        source_channel=source_channel,
        import_source=import_source,
        external_id=external_id,
        logged_by=user,
        **extra,
    )
    return _story_save(story, text_changed=True, services=services, stages=stages, deferred=deferred)


def stories_tagging_queue(ids: list[int]) -> None:
    """Queue redaction and tagging of many stories (an import's) once the transaction commits, in chunks
    (the Story taggable's `chunk`), instead of a task per story."""
    theme_services.tagging_queue(label=TAG_LABEL, ids=ids)


@transaction.atomic
def story_update(
    *,
    story: Story,
    title: str,
    narrative: str,
    teller: str,
    occurred_on: datetime.date,
    occurred_precision: str,
    source_channel: str,
    services: Iterable[Service],
    stages: Iterable[PathwayStage],
    **demographics,
) -> Story:
    """Edit a story. Changed text is redacted again, keeping a person's corrections where their phrase
    still appears (`selectors.redaction_corrections_not_applying` lists the others)."""
    services, stages = list(services), list(stages)
    _check_links(organisation=story.organisation, services=services, stages=stages)
    text_changed = (title, narrative) != (story.title, story.narrative)
    story.title, story.narrative, story.teller = title, narrative, teller
    story.occurred_on, story.occurred_precision = occurred_on, occurred_precision
    story.source_channel = source_channel
    for name in DEMOGRAPHIC_FIELDS:
        if name in demographics:
            setattr(story, name, demographics[name])
    return _story_save(story, text_changed=text_changed, services=services, stages=stages)


CONSENT_MISSING = "Record the person’s consent to use their story for internal learning first."


def share_refusal(story: Story) -> str | None:
    """Why the story may not be submitted or shared now, or None when it may: consent for internal learning
    recorded and not withdrawn, and its redaction done. The one rule for a single story's status change and
    for the share-check queue (`stories.share_check`), so the queue never offers what sharing would refuse."""
    if story.consent_withdrawn:
        return "The person withdrew their consent, so this story cannot be used."
    if not (story.consent_recorded and story.consent_internal_learning):
        return CONSENT_MISSING
    if not story.redaction_version:
        return "This story is still being redacted (just imported): try again in a minute."
    return None


@transaction.atomic
def story_status_set(*, story: Story, status: str) -> Story:
    status = StoryStatus(status)
    if status not in STATUS_TRANSITIONS[story.status]:
        raise ValidationError(
            {"status": f"A {story.get_status_display().lower()} story cannot become {status.label.lower()}."}
        )
    if status in STATUSES_NEEDING_CONSENT and (message := share_refusal(story)):
        raise ValidationError({"status": message})
    story.status = status
    story.full_clean()
    story.save(update_fields=["status", "updated_at"])
    return story


@transaction.atomic
def story_consent_record(
    *, story: Story, user, internal_learning: bool, board_quote: bool, publication: bool, note: str = ""
) -> Story:
    """Record (or change) what the person agreed their story may be used for."""
    if story.consent_withdrawn:
        raise ValidationError(
            {"internal_learning": "Consent was withdrawn; it cannot be changed afterwards."}
        )
    if (board_quote or publication) and not internal_learning:
        # Quoting or publishing a story is a use beyond internal learning, never instead of it.
        raise ValidationError(
            {"internal_learning": "A story quoted or published must also have consent for internal learning"}
        )
    action = ConsentEvent.Action.CHANGED if story.consent_recorded else ConsentEvent.Action.RECORDED
    story.consent_internal_learning = internal_learning
    story.consent_board_quote = board_quote
    story.consent_publication = publication
    story.consent_recorded_by = user
    story.consent_recorded_at = timezone.now()
    story.full_clean()
    story.save()
    ConsentEvent.objects.create(
        story=story,
        action=action,
        internal_learning=internal_learning,
        board_quote=board_quote,
        publication=publication,
        note=note,
        by=user,
    )
    audit.record(
        user,
        AuditAction.CONSENT_CHANGED,
        story,
        change=action,
        internal_learning=internal_learning,
        board_quote=board_quote,
        publication=publication,
    )
    if not internal_learning and story.status in STATUSES_NEEDING_CONSENT:
        # Without consent for internal learning nothing may use the story: it goes back to draft.
        story.status = StoryStatus.DRAFT
        story.save(update_fields=["status"])
    return story


@transaction.atomic
def story_consent_withdraw(*, story: Story, user, withdrawn_on: datetime.date, note: str = "") -> Story:
    """The person withdrew consent: every use stops at once (the story is withdrawn, so nothing that reads
    shared stories finds it), and the withdrawal is kept on the record."""
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": "The date consent was withdrawn must be today or in the past"})
    story.consent_withdrawn_on = withdrawn_on
    story.status = StoryStatus.WITHDRAWN
    story.full_clean()
    story.save()
    ConsentEvent.objects.create(
        story=story,
        action=ConsentEvent.Action.WITHDRAWN,
        internal_learning=story.consent_internal_learning,
        board_quote=story.consent_board_quote,
        publication=story.consent_publication,
        withdrawn_on=withdrawn_on,
        note=note,
        by=user,
    )
    audit.record(
        user, AuditAction.CONSENT_CHANGED, story, change="withdrawn", withdrawn_on=withdrawn_on.isoformat()
    )
    return story


# Safety ------------------------------------------------------------------------------------------


def _flag(story: Story, *, concern: str, source: str, user=None) -> None:
    story.safety_concern = SafetyConcern(concern)
    story.safety_flag_source = source
    story.safety_flagged_by = user
    story.safety_flagged_at = timezone.now()
    story.safety_routed_to = selectors.safety_lead_for(story.organisation).user
    # The alert task emails whoever it is routed to; escalation counts working days from here.
    story.safety_stage = SafetyStage.LEAD
    story.safety_routed_at, story.safety_alerted_at = story.safety_flagged_at, None
    story.safety_response, story.safety_responded_by, story.safety_closed_at = "", None, None


@transaction.atomic
def story_flag(*, story: Story, user, concern: str, source: str = FlagSource.PERSON) -> Story:
    """Flag a safety or safeguarding concern; it goes to the organisation's safety lead for a response."""
    if story.awaiting_response:
        raise ValidationError({"concern": "This story is already flagged and waiting for a response."})
    _flag(story, concern=concern, source=source, user=user)
    story.full_clean()
    story.save()
    _audit_flag(story, user)
    return story


def _audit_flag(story: Story, user=None) -> None:
    audit.record(
        user,
        AuditAction.SAFETY_FLAGGED,
        story,
        concern=story.safety_concern,
        source=story.safety_flag_source,
        to_user=story.safety_routed_to_id,
    )


def story_after_tag(story: Story) -> None:
    """Called by the tagger (inside its transaction) with the freshly tagged story: safety signals in the
    text flag it. It only ever raises a flag: one a person set, or one already answered, stands."""
    if story.safety_signals and not story.safety_concern:
        kinds = {signal["kind"] for signal in story.safety_signals}
        concern = SafetyConcern.SAFEGUARDING if kinds & SAFEGUARDING_SIGNALS else SafetyConcern.SAFETY
        _flag(story, concern=concern, source=FlagSource.TAGGER)
        story.save()
        _audit_flag(story)


@transaction.atomic
def story_safety_respond(*, story: Story, user, response: str) -> Story:
    """Record the response to a safety concern, which closes it: it cannot be closed without one."""
    if not story.awaiting_response:
        raise ValidationError({"response": "This story has no safety concern waiting for a response."})
    response = response.strip()
    if not response:
        raise ValidationError({"response": "Enter the response to the concern before closing it"})
    story.safety_response = response
    story.safety_responded_by = user
    story.safety_closed_at = timezone.now()
    story.full_clean()
    story.save()
    # The response text stays on the story (it may hold personal detail); the audit names who and when.
    audit.record(user, AuditAction.SAFETY_RESPONDED, story, stage=story.safety_stage)
    return story


@transaction.atomic
def safety_lead_set(*, organisation: Organisation, user, chosen_by, deputy=None) -> SafetyLead:
    """Name the trust's safety lead and the deputy who receives what the lead leaves unanswered."""
    leads = selectors.px_leads_of(organisation)
    if user not in leads:
        raise ValidationError({"user": "Choose a patient experience lead of this organisation"})
    if deputy is not None and deputy not in leads:
        raise ValidationError({"deputy": "Choose a patient experience lead of this organisation as deputy"})
    if deputy is not None and deputy == user:
        raise ValidationError({"deputy": "Choose someone other than the safety lead as deputy"})
    lead, _ = SafetyLead.objects.update_or_create(
        organisation=organisation, defaults={"user": user, "deputy": deputy, "chosen_by": chosen_by}
    )
    return lead


# You said, we did --------------------------------------------------------------------------------


def _check_owner(story: Story, owner) -> None:
    if not selectors.action_owners_for(story).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"Choose someone who works at {story.organisation.display_name}"})


@transaction.atomic
def action_create(*, story: Story, user, description: str, owner, due_on: datetime.date) -> StoryAction:
    _check_owner(story, owner)
    action = StoryAction(story=story, description=description, owner=owner, due_on=due_on, created_by=user)
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_update(
    *, action: StoryAction, description: str, owner, due_on: datetime.date, status: str, outcome: str
) -> StoryAction:
    _check_owner(action.story, owner)
    if status == ActionStatus.DONE and not outcome.strip():
        raise ValidationError({"outcome": "Say what changed before marking the action done"})
    action.description, action.owner, action.due_on = description, owner, due_on
    action.status, action.outcome = status, outcome
    action.full_clean()
    # Only these fields: the change claim and its sign-off are the change services' alone.
    action.save(update_fields=["description", "owner", "due_on", "status", "outcome", "updated_at"])
    return action


CLAIM_FIELDS = [
    "change_claim",
    "change_description",
    "change_claimed_by",
    "change_claimed_at",
    "change_signed_off_by",
    "change_signed_off_at",
]


def _check_px_lead(story: Story, user, field: str) -> None:
    if not selectors.px_leads_of(story.organisation).filter(pk=user.pk).exists():
        raise ValidationError(
            {field: f"Only a patient experience lead of {story.organisation.display_name} can do this"}
        )


@transaction.atomic
def change_claim(*, action: StoryAction, user, claim: str, description: str) -> StoryAction:
    """Claim a change planned or made for an action, saying what changed. A new claim (or a changed one)
    waits for sign-off again, by a px lead of the trust other than `user`."""
    story = action.story
    _check_px_lead(story, user, "claim")
    if claim not in ChangeClaim.values:
        raise ValidationError({"claim": "Choose whether the change is planned or made"})
    description = description.strip()
    if not description:
        raise ValidationError({"description": "Say what changed (or what will change)"})
    action.change_claim, action.change_description = claim, description
    action.change_claimed_by, action.change_claimed_at = user, timezone.now()
    action.change_signed_off_by, action.change_signed_off_at = None, None
    action.full_clean()
    action.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
    audit.record(
        user, AuditAction.CHANGE_CLAIMED, action, organisation=story.organisation, claim=claim, story=story.pk
    )
    return action


@transaction.atomic
def change_sign_off(*, action: StoryAction, user) -> StoryAction:
    """A second px lead of the trust confirms the claim: never the person who made it."""
    # Locked and read afresh, so that two colleagues signing at once record one sign-off.
    StoryAction.objects.select_for_update().filter(pk=action.pk).exists()
    action.refresh_from_db()
    story = action.story
    _check_px_lead(story, user, "sign_off")
    if not action.change_claim:
        raise ValidationError({"sign_off": "There is no change claimed on this action to sign off"})
    if action.change_signed_off_at is not None:
        raise ValidationError({"sign_off": "This change claim is already signed off"})
    if action.change_claimed_by_id == user.pk:
        raise ValidationError(
            {
                "sign_off": "You claimed this change: another patient experience lead of "
                f"{story.organisation.display_name} must sign it off"
            }
        )
    action.change_signed_off_by, action.change_signed_off_at = user, timezone.now()
    action.save(update_fields=["change_signed_off_by", "change_signed_off_at", "updated_at"])
    audit.record(
        user,
        AuditAction.CHANGE_SIGNED_OFF,
        action,
        organisation=story.organisation,
        claim=action.change_claim,
        story=story.pk,
        claimed_by=action.change_claimed_by_id,
    )
    return action


@transaction.atomic
def teller_response_record(*, story: Story, user, response: str) -> Story:
    response = response.strip()
    if not response:
        raise ValidationError({"response": "Enter what the person who told the story was told"})
    story.teller_response = response
    story.teller_response_by = user
    story.teller_response_at = timezone.now()
    teller_response_redact(story)
    story.full_clean()
    story.save()
    return story
