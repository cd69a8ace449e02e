"""Stories as a search source (registered in `apps.py`): the stories a person reads (`visible_to`: their own
organisation's in every status, elsewhere only those shared with consent for internal learning), shown as on
the story list: the original inside the logging organisation, the redacted text anywhere else."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from insight_hub.organisations.permissions import scope_for
from insight_hub.privacy.models import AuditAction
from insight_hub.search.registry import Criteria, Hit, SearchSource

from .models import CRITICAL_STORY, SEARCH_FIELDS, Story, StoryTag

# Critical as board report page one, section 6, the system view and the digest count it: a safety concern or
# criticality 4–5 (`stories.models.CRITICAL_STORY`).
CRITICALITY = {"critical": CRITICAL_STORY, "not_critical": ~CRITICAL_STORY}


def story_candidates(user, criteria: Criteria) -> QuerySet[Story]:
    stories = Story.objects.visible_to(user)
    conditions = Q()
    if criteria.organisation:
        conditions &= Q(organisation=criteria.organisation)
    if criteria.service:
        # A subquery, not a join: a story at two services must not come back twice.
        at_service = Story.services.through.objects.filter(service=criteria.service)
        conditions &= Q(pk__in=at_service.values("story_id"))
    if criteria.theme:
        tagged = StoryTag.objects.filter(theme=criteria.theme).exclude(decision="rejected")
        conditions &= Q(pk__in=tagged.values("story_id"))
    if criteria.sentiment:
        conditions &= Q(sentiment=criteria.sentiment)
    if criteria.criticality in CRITICALITY:
        conditions &= CRITICALITY[criteria.criticality]
    if criteria.date_from:
        conditions &= Q(occurred_on__gte=criteria.date_from)
    if criteria.date_to:
        conditions &= Q(occurred_on__lte=criteria.date_to)
    if criteria.added_since:
        conditions &= Q(logged_at__gte=criteria.added_since)
    return stories.filter(conditions)


def story_hits(user, pks: list[int]) -> dict[int, Hit]:
    own = scope_for(user).px_org_ids
    hits = {}
    stories = Story.objects.visible_to(user).filter(pk__in=pks).select_related("organisation")
    for story in stories.prefetch_related("services"):
        original = story.organisation_id in own
        labels = [("Story", "white")]
        if original and story.status != "shared":
            labels.append((story.get_status_display(), "grey"))
        if story.is_flagged:
            labels.append(("Safety concern", "red"))
        if story.criticality_high:  # critical by the source's rating, flagged or not yet
            labels.append((f"Criticality {story.criticality_display}", "red"))
        if story.sentiment:
            labels.append((story.get_sentiment_display(), "blue"))
        labels += [(service.name, "aqua-green") for service in story.services.all()]
        hits[story.pk] = Hit(
            source="story",
            pk=story.pk,
            title=story.title if original else story.redacted_title,
            text=story.narrative if original else story.redacted_narrative,
            url=reverse("stories:detail", args=[story.pk]),
            organisation=story.organisation.display_name,
            when=story.occurred_display if original else story.occurred_display_outside,
            is_original=original,
            labels=tuple(labels),
        )
    return hits


STORY_SOURCE = SearchSource(
    key="story",
    label="Patient stories",
    candidates=story_candidates,
    present=story_hits,
    date_field="occurred_on",
    text_fields=tuple(zip(SEARCH_FIELDS, (2.0, 1.0), strict=True)),  # the title counts double
    audit_action=AuditAction.STORY_VIEWED_UNREDACTED,
)
