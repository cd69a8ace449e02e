"""Requests about a person, for stories: find a teller's stories, copy them, erase or anonymise them.

Registered with `insight_hub.privacy.subjects` (see there for the steps, the audit and the keys). Every
story of the ICS counts, drafts and withdrawn ones included: the request is about what is held, not what is
used. Searches read the original text (a name or contact detail is exactly what redaction hides), but what is
listed is the redacted title.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from insight_hub.privacy.redaction import redact
from insight_hub.privacy.subjects import Changed, Record, Search, iso
from insight_hub.themes.models import TagAudit, TaggingClaim

from .models import ConsentEvent, DatePrecision, Story, StoryAction

LABEL = "stories.story"
_REFERENCE = re.compile(r"^[Ss]?(\d{1,18})$")
# Fields that say who the person is beyond their words: cleared by anonymising.
EQUALITY_FIELDS = ("ethnic_category", "age_band", "sex", "disability", "first_language", "interpreter_needed")


def _stories(ics_ids) -> QuerySet[Story]:
    return Story.objects.filter(organisation__ics_id__in=ics_ids)


def _text_match(stories: QuerySet[Story], search: Search) -> QuerySet[Story]:
    if search.by == "reference":
        if re.match(r"^[Rr]\d{1,18}$", search.value):
            return stories.none()  # a survey response's reference
        # S123 (or 123) is the hub's own number; a Care Opinion story's id (often digits too) is as imported.
        by_id = Q(external_id=search.value)
        if match := _REFERENCE.match(search.value):
            by_id |= Q(pk=int(match.group(1)))
        return stories.filter(by_id)
    if search.by == "email":
        return stories.filter(Q(title__icontains=search.value) | Q(narrative__icontains=search.value))
    if search.by == "phone":
        pattern = search.phone_regex()
        return stories.filter(Q(title__iregex=pattern) | Q(narrative__iregex=pattern))
    # A name: found by the database as text, kept when it stands as whole words.
    first = search.longest_word
    return stories.filter(Q(title__icontains=first) | Q(narrative__icontains=first))


def _records(stories: QuerySet[Story], *, search: Search | None = None) -> list[Record]:
    stories = stories.select_related("organisation").annotate(
        n_tags=Count("tags", distinct=True),
        n_consent=Count("consent_events", distinct=True),
        n_actions=Count("actions", distinct=True),
    )
    rows = list(stories.order_by("-occurred_on", "-pk")[:1000])
    if search is not None and search.by == "name":
        rows = [s for s in rows if search.name_matches(s.title) or search.name_matches(s.narrative)]
    decisions = _tag_decisions([s.pk for s in rows])
    out = []
    for story in rows:
        held = [
            f"the story as told ({story.get_teller_display().lower()}, {story.get_source_channel_display()})",
            f"{story.n_consent} consent change{'s' if story.n_consent != 1 else ''}",
            f"{story.n_tags} theme tag{'s' if story.n_tags != 1 else ''}",
        ]
        if decisions.get(story.pk):
            held.append(f"{decisions[story.pk]} tag correction{'s' if decisions[story.pk] != 1 else ''}")
        if story.n_actions:
            held.append(f"{story.n_actions} action{'s' if story.n_actions != 1 else ''}")
        if story.safety_concern:
            held.append(f"a {story.get_safety_concern_display().lower()} and its routing")
        if any(getattr(story, name) for name in EQUALITY_FIELDS):
            held.append("equality monitoring answers")
        out.append(
            Record(
                provider="story",
                pk=story.pk,
                label=LABEL,
                kind="Story",
                reference=f"S{story.pk}",
                organisation_id=story.organisation_id,
                organisation_name=story.organisation.display_name,
                when=story.occurred_on,
                status=story.get_status_display(),
                summary=story.redacted_title,
                held=held,
            )
        )
    return out


def _tag_decisions(ids: list[int]) -> dict[int, int]:
    rows = (
        TagAudit.objects.filter(item_label=LABEL, item_id__in=ids).values("item_id").annotate(n=Count("pk"))
    )
    return {row["item_id"]: row["n"] for row in rows}


def _export_one(story: Story) -> dict:
    return {
        "id": story.pk,
        "type": "story",
        "reference": f"S{story.pk}",
        "organisation": {"ods_code": story.organisation.ods_code, "name": story.organisation.display_name},
        "title": story.title,
        "story": story.narrative,
        "title_as_others_read_it": story.redacted_title,
        "story_as_others_read_it": story.redacted_narrative,
        "told_by": story.get_teller_display(),
        "when_it_happened": story.occurred_display,
        "how_it_was_told": story.get_source_channel_display(),
        "services": [service.name for service in story.services.all()],
        "equality_monitoring": {
            "ethnic_category": story.get_ethnic_category_display() if story.ethnic_category else "",
            "age_band": story.get_age_band_display() if story.age_band else "",
            "sex": story.get_sex_display() if story.sex else "",
            "disability": story.get_disability_display() if story.disability else "",
            "first_language": story.first_language,
            "interpreter_needed": story.get_interpreter_needed_display() if story.interpreter_needed else "",
        },
        "status": story.get_status_display(),
        "logged_at": iso(story.logged_at),
        "consent": {
            "internal_learning": story.consent_internal_learning,
            "board_report_quote": story.consent_board_quote,
            "publication": story.consent_publication,
            "withdrawn_on": iso(story.consent_withdrawn_on),
            "history": [
                {
                    "what": event.get_action_display(),
                    "at": iso(event.at),
                    "internal_learning": event.internal_learning,
                    "board_report_quote": event.board_quote,
                    "publication": event.publication,
                    "note": event.note,
                }
                for event in story.consent_events.order_by("at", "pk")
            ],
        },
        "safety": {
            "concern": story.get_safety_concern_display() if story.safety_concern else "",
            "raised_by": story.get_safety_flag_source_display() if story.safety_flag_source else "",
            "raised_at": iso(story.safety_flagged_at),
            "with": story.get_safety_stage_display() if story.safety_stage else "",
            "routed_at": iso(story.safety_routed_at),
            "response": story.safety_response,
            "closed_at": iso(story.safety_closed_at),
        },
        "response_to_you": story.teller_response,
        "what_will_change": [
            {
                "what": action.description,
                "due": iso(action.due_on),
                "status": action.get_status_display(),
                "outcome": action.outcome,
            }
            for action in story.actions.order_by("due_on", "pk")
        ],
        "themes": [
            {"theme": tag.theme.name, "decision": tag.get_decision_display(), "sentiment": tag.sentiment}
            for tag in story.tags.select_related("theme").order_by("theme__name")
        ],
        "sentiment": story.sentiment,
        "tag_corrections": [
            {"theme": row.theme.name, "what": row.action, "at": iso(row.at)}
            for row in TagAudit.objects.filter(item_label=LABEL, item_id=story.pk).select_related("theme")
        ],
        "imported_from": story.get_import_source_display() if story.import_source else "",
        "id_at_source": story.external_id,
    }


class StoriesProvider:
    name = "story"

    def find(self, *, ics_ids, search: Search) -> list[Record]:
        return _records(_text_match(_stories(ics_ids), search), search=search)

    def records(self, *, ics_ids, ids: list[int]) -> list[Record]:
        return _records(_stories(ics_ids).filter(pk__in=ids))

    def export(self, *, ics_ids, ids: list[int]) -> list[dict]:
        stories = _stories(ics_ids).filter(pk__in=ids).select_related("organisation")
        return [_export_one(story) for story in stories.prefetch_related("services")]

    def _slices(self, stories: QuerySet[Story]) -> set[tuple[int, dt.date]]:
        return set(stories.values_list("organisation_id", "occurred_on"))

    def erase(self, *, ics_ids, ids: list[int]) -> Changed:
        stories = _stories(ics_ids).filter(pk__in=ids)
        ids = list(stories.values_list("pk", flat=True))
        changed = Changed(erased=True, slices=self._slices(stories), story_ids=set(ids))
        # Tag decisions and tagging claims name the story by id, not by a foreign key: they go with it.
        TagAudit.objects.filter(item_label=LABEL, item_id__in=ids).delete()
        TaggingClaim.objects.filter(item_label=LABEL, item_id__in=ids).delete()
        # Tags, consent history, actions, pathway links and quote roll-up rows cascade.
        Story.objects.filter(pk__in=ids).delete()
        return changed

    def anonymise(self, *, ics_ids, ids: list[int]) -> Changed:
        stories = list(_stories(ics_ids).filter(pk__in=ids))
        changed = Changed(erased=False, slices=self._slices(_stories(ics_ids).filter(pk__in=ids)))
        changed.story_ids = {story.pk for story in stories}
        now = timezone.now()
        for story in stories:
            # The words others already read stand in for the original; staff's own notes are redacted too,
            # as they may name the person. Status, consent and tags stay, so the story still counts.
            Story.objects.filter(pk=story.pk).update(
                title=story.redacted_title[:200] or "Anonymised story",
                narrative=story.redacted_narrative or "Anonymised story",
                title_spans=[],
                narrative_spans=[],
                redaction_corrections={},
                redaction_pending={},
                redaction_pending_version="",
                occurred_on=story.occurred_on.replace(day=1),
                occurred_precision=DatePrecision.MONTH,
                # The reply's public version (redacted with the story's corrections) stands in for it, too.
                teller_response=story.teller_response_public
                or (redact(story.teller_response).text if story.teller_response else ""),
                safety_response=redact(story.safety_response).text if story.safety_response else "",
                external_id="",
                updated_at=now,
                **dict.fromkeys(EQUALITY_FIELDS, ""),
            )
            for action in StoryAction.objects.filter(story=story):
                StoryAction.objects.filter(pk=action.pk).update(
                    description=redact(action.description).text,
                    outcome=redact(action.outcome).text if action.outcome else "",
                )
            for event in ConsentEvent.objects.filter(story=story).exclude(note=""):
                ConsentEvent.objects.filter(pk=event.pk).update(note=redact(event.note).text)
        return changed


provider = StoriesProvider()
