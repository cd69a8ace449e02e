"""Reads for stories. Who sees what is decided here and in `insight_hub.organisations.permissions`:

- the organisation that logged a story (its px leads) sees it in every status, original text included;
- everyone else within reach (ICB leads, boards, system administrators) sees only stories shared with the
  ICS with consent for internal learning not withdrawn (`Story.objects.visible_to`), and only their redacted
  text; anything else does not exist for them (404), and is not counted either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.http import Http404
from django.utils.safestring import SafeString

from insight_hub.organisations.models import Membership, Organisation, OrganisationKind, Role
from insight_hub.organisations.permissions import filter_for, scope_for
from insight_hub.search.selectors import text_match
from insight_hub.themes.selectors import highlight

from .models import (
    CRITICAL_STORY,
    HIGH_CRITICALITY,
    SEARCH_FIELDS,
    ChangeClaim,
    Pathway,
    PathwayStage,
    SafetyLead,
    SafetyStage,
    Story,
    StoryAction,
    StoryStatus,
    StoryTag,
)

User = get_user_model()


def stories_visible_to(user) -> QuerySet[Story]:
    """Every story the person may see: `Story.objects.visible_to`, the one rule for lists and counts."""
    return Story.objects.visible_to(user).select_related("organisation")


def story_get_for(user, *, pk: int) -> Story:
    try:
        return stories_visible_to(user).get(pk=pk)
    except Story.DoesNotExist:
        raise Http404 from None


def story_get_editable(user, *, pk: int) -> Story:
    """A story the person may change: only inside the organisation that logged it; 404 for anyone else."""
    try:
        return Story.objects.select_related("organisation").get(
            pk=pk, organisation_id__in=scope_for(user).px_org_ids
        )
    except Story.DoesNotExist:
        raise Http404 from None


def stories_usable_for(*, purpose: str, user=None) -> QuerySet[Story]:
    """THE selector for anything that uses shared stories (dashboards, charters, board exports): shared
    with the ICS, consent for `purpose` (a `stories.models.Purpose`) given and not withdrawn. Narrowed to a
    person's reach when given."""
    stories = Story.objects.usable_for(purpose)
    return filter_for(user, stories) if user is not None else stories


@dataclass(frozen=True)
class StoryFilters:
    q: str = ""
    organisation: Organisation | None = None
    service: object = None
    stage: PathwayStage | None = None
    theme: object = None
    sentiment: str = ""
    consent: str = ""
    safety: str = ""
    criticality: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


CONSENT_FILTERS = {
    "none": Q(consent_recorded_at__isnull=True),
    "internal_learning": Q(consent_internal_learning=True, consent_withdrawn_on__isnull=True),
    "board_quote": Q(consent_board_quote=True, consent_withdrawn_on__isnull=True),
    "publication": Q(consent_publication=True, consent_withdrawn_on__isnull=True),
    "withdrawn": Q(consent_withdrawn_on__isnull=False),
}
SAFETY_FILTERS = {
    "flagged": ~Q(safety_concern=""),
    "awaiting": ~Q(safety_concern="") & Q(safety_closed_at__isnull=True),
    "not_flagged": Q(safety_concern=""),
}
# The source's rating (`Story.criticality`, `Story.praise`), not the safety flag.
CRITICALITY_FILTERS = {
    "high": Q(criticality__gte=HIGH_CRITICALITY),
    "critical": Q(criticality__gte=1),
    "not_critical": Q(criticality=0),
    "praise": Q(praise__gte=1),
    "unrated": Q(criticality__isnull=True),
}


def story_search(stories: QuerySet[Story], q: str) -> QuerySet[Story]:
    """Full-text search of the redacted text, in web-search syntax: PostgreSQL's over the stored, GIN-indexed
    vector (migration 0006); the same syntax read as substring matches on SQLite (the embedded default)."""
    return text_match(stories, q, text_fields=SEARCH_FIELDS)


def story_list(user, filters: StoryFilters) -> QuerySet[Story]:
    stories = stories_visible_to(user)
    conditions = Q()
    if filters.organisation:
        conditions &= Q(organisation=filters.organisation)
    if filters.service:
        conditions &= Q(services=filters.service)
    if filters.stage:
        conditions &= Q(stages=filters.stage)
    if filters.theme:
        tagged = StoryTag.objects.filter(theme=filters.theme).exclude(decision="rejected")
        conditions &= Q(pk__in=tagged.values("story_id"))
    if filters.sentiment:
        conditions &= Q(sentiment=filters.sentiment)
    if filters.consent:
        conditions &= CONSENT_FILTERS[filters.consent]
    if filters.safety:
        conditions &= SAFETY_FILTERS[filters.safety]
    if filters.criticality:
        conditions &= CRITICALITY_FILTERS[filters.criticality]
    if filters.status:
        conditions &= Q(status=filters.status)
    if filters.date_from:
        conditions &= Q(occurred_on__gte=filters.date_from)
    if filters.date_to:
        conditions &= Q(occurred_on__lte=filters.date_to)
    stories = stories.filter(conditions)
    if filters.q:
        stories = story_search(stories, filters.q)
    # A story at two filtered services or stages would otherwise be listed twice.
    return stories.distinct().order_by("-occurred_on", "-pk")


def awaiting_response_for(user) -> QuerySet[Story]:
    """Flagged stories the person may read, still waiting for a response, oldest first."""
    return (
        stories_visible_to(user)
        .filter(SAFETY_FILTERS["awaiting"])
        .select_related("safety_routed_to")
        .order_by("safety_flagged_at")
    )


def escalated_unshared_for(user) -> QuerySet[Story]:
    """Concerns that reached an ICB lead (escalated to the ICB, or given to them) on stories their trust never
    shared with the ICS. The lead must see that these wait and be able to give them to someone, so they get
    the concern's reference, trust, age and stage; never the story, which stays its trust's (404)."""
    icb_ics_ids = scope_for(user).icb_lead_ics_ids
    if not icb_ics_ids:
        return Story.objects.none()
    return (
        Story.objects.filter(SAFETY_FILTERS["awaiting"], organisation__ics_id__in=icb_ics_ids)
        .filter(Q(safety_stage=SafetyStage.ICB) | Q(safety_routed_to=user))
        .exclude(pk__in=Story.objects.visible_to(user).values("pk"))
        .select_related("organisation", "safety_routed_to")
        .order_by("safety_flagged_at")
    )


def concern_for_icb_lead(user, *, pk: int) -> Story:
    """A waiting concern an ICB lead may (re)assign: one of their ICS they may read, or one escalated to
    them on a story never shared; 404 for anyone else."""
    icb_ics_ids = scope_for(user).icb_lead_ics_ids
    for concerns in (awaiting_response_for(user), escalated_unshared_for(user)):
        story = (
            concerns.filter(pk=pk, organisation__ics_id__in=icb_ics_ids)
            .select_related("organisation")
            .first()
        )
        if story is not None:
            return story
    raise Http404


def px_leads_of(organisation: Organisation) -> QuerySet:
    return User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.PX_LEAD, is_active=True
    ).distinct()


@dataclass(frozen=True)
class SafetyLeadChoice:
    user: object
    chosen: bool  # False: nobody was named, so the first px lead (the longest-standing) receives concerns
    deputy: object = None

    @property
    def explanation(self) -> str:
        if self.user is None:
            return "No patient experience lead is set up for this organisation"
        if self.chosen:
            return "named safety lead"
        return "first patient experience lead; no safety lead has been named"


def safety_lead_for(organisation: Organisation) -> SafetyLeadChoice:
    lead = (
        SafetyLead.objects.filter(organisation=organisation, user__in=px_leads_of(organisation))
        .select_related("user", "deputy")
        .first()
    )
    if lead is not None:
        return SafetyLeadChoice(user=lead.user, chosen=True, deputy=lead.deputy)
    first = (
        Membership.objects.filter(organisation=organisation, role=Role.PX_LEAD, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return SafetyLeadChoice(user=first.user if first else None, chosen=False)


def action_owners_for(story: Story) -> QuerySet:
    """People who may own an action on a story: anyone with a role at its organisation."""
    return User.objects.filter(memberships__organisation_id=story.organisation_id, is_active=True).distinct()


def redaction_corrections_not_applying(story: Story) -> list[dict]:
    """A person's corrections whose phrase no longer appears in the text (it was edited away)."""
    text = f"{story.title}\n{story.narrative}".casefold()
    corrections = story.redaction_corrections or {}
    return [
        {**item, "action": action}
        for action in ("removed", "added")
        for item in corrections.get(action, [])
        if item["text"].casefold() not in text
    ]


def redaction_spans(story: Story) -> list[dict]:
    """Each redaction with the original words it hides, for the review page (the owner's eyes only)."""
    rows = []
    for field, spans_field in (("title", "title_spans"), ("narrative", "narrative_spans")):
        text = getattr(story, field)
        for index, span in enumerate(getattr(story, spans_field)):
            rows.append(
                {"field": field, "index": index, "original": text[span["start"] : span["end"]], **span}
            )
    return rows


def story_narrative_highlighted(story: Story) -> SafeString:
    """The redacted narrative with every standing tag's evidence marked (offsets are into the title and
    narrative together, see `Story.taggable_text`)."""
    offset = story.narrative_offset
    ranges = [
        (tag.evidence_start - offset, tag.evidence_end - offset)
        for tag in story.tags.exclude(decision="rejected")
        if tag.evidence_end and tag.evidence_end > offset
    ]
    return highlight(story.redacted_narrative, ranges)


def ics_ids_for(user) -> set[int]:
    """The ICSs a person works in, through any role."""
    scope = scope_for(user)
    org_ids = scope.px_org_ids | scope.board_org_ids
    return set(scope.system_ics_ids) | set(
        Organisation.objects.filter(pk__in=org_ids, ics__isnull=False).values_list("ics_id", flat=True)
    )


def pathways_for(user) -> QuerySet[Pathway]:
    return Pathway.objects.filter(ics_id__in=ics_ids_for(user)).select_related("ics")


def pathway_get_for(user, *, pk: int) -> Pathway:
    try:
        return pathways_for(user).get(pk=pk)
    except Pathway.DoesNotExist:
        raise Http404 from None


def pathway_journey(user, pathway: Pathway) -> list[tuple[PathwayStage, list[Story]]]:
    """Each stage in order with the stories the person may see there."""
    stages = list(pathway.stages.select_related("organisation", "service"))
    stories = stories_visible_to(user).filter(stages__in=stages).prefetch_related("stages").distinct()
    by_stage: dict[int, list[Story]] = {stage.pk: [] for stage in stages}
    for story in stories:
        for stage in story.stages.all():
            if stage.pk in by_stage:
                by_stage[stage.pk].append(story)
    return [(stage, by_stage[stage.pk]) for stage in stages]


def stages_for(organisation_ids) -> QuerySet[PathwayStage]:
    """Pathway stages a story of these organisations may be placed at: any in their ICSs."""
    ics_ids = Organisation.objects.filter(pk__in=organisation_ids).values("ics_id")
    return PathwayStage.objects.filter(pathway__ics_id__in=ics_ids).select_related("pathway", "organisation")


TRUST_KINDS = (
    OrganisationKind.ACUTE,
    OrganisationKind.MENTAL_HEALTH,
    OrganisationKind.COMMUNITY,
    OrganisationKind.AMBULANCE,
)


def trusts_without_safety_cover(ics) -> list[tuple[Organisation, str]]:
    """Open trusts of an ICS that have not named a safety lead and a deputy who are active px leads there,
    each with what is missing ("safety lead and deputy", "safety lead" or "deputy")."""
    gaps = []
    trusts = Organisation.objects.filter(ics=ics, kind__in=TRUST_KINDS, closed_on__isnull=True)
    named = {
        lead.organisation_id: lead
        for lead in SafetyLead.objects.filter(organisation__in=trusts).select_related("user", "deputy")
    }
    active_leads = set(
        Membership.objects.filter(
            organisation__in=trusts, role=Role.PX_LEAD, user__is_active=True
        ).values_list("organisation_id", "user_id")
    )
    for trust in trusts.order_by("name"):
        lead = named.get(trust.pk)
        has_lead = lead is not None and (trust.pk, lead.user_id) in active_leads
        has_deputy = lead is not None and lead.deputy_id and (trust.pk, lead.deputy_id) in active_leads
        if not has_lead and not has_deputy:
            gaps.append((trust, "safety lead and deputy"))
        elif not has_lead:
            gaps.append((trust, "safety lead"))
        elif not has_deputy:
            gaps.append((trust, "deputy"))
    return gaps


# Responses and changes made ----------------------------------------------------------------------

# A critical story: a safety concern, or rated strongly or severely critical (`stories.models.CRITICAL_STORY`,
# the one meaning every count of critical stories uses).
CRITICAL = CRITICAL_STORY


@dataclass(frozen=True)
class CriticalFollowUp:
    """Of the critical stories collected: how many had a response to the teller, and how many an action
    with a change made, signed off by a second person at the trust."""

    critical: int
    with_response: int
    with_change_made: int
    # With both a response and a change made: what a table of the three counts needs to know which of them
    # would give a small count away (dashboards.follow_up suppresses them as one table).
    with_both: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_share(self) -> float | None:
        """0 to 1; None when no critical story was collected (no share to show, rather than 0%)."""
        return self._share(self.with_response, self.critical)

    @property
    def change_made_share(self) -> float | None:
        return self._share(self.with_change_made, self.critical)


def _counted_stories(organisation_ids=None) -> QuerySet[Story]:
    """The stories the follow-up figures count: not withdrawn, consent not withdrawn (shared or not, as the
    other figures of a dashboard count them). Narrowed to organisations when given."""
    stories = Story.objects.filter(consent_withdrawn_on__isnull=True).exclude(status=StoryStatus.WITHDRAWN)
    if organisation_ids is not None:
        stories = stories.filter(organisation_id__in=list(organisation_ids))
    return stories


def _follow_up_counts() -> dict:
    """The four counts of critical stories, as aggregates over stories."""
    # The stories with a change made, as one set the database reads once and hashes (`id IN (...)`), not an
    # `EXISTS` per critical story: that was evaluated once for each count it fed, and its cost estimate woke
    # PostgreSQL's JIT compiler (tens of milliseconds on a system view). Same stories either way. The set is
    # not narrowed to the organisations (a join to the stories cost more than it saved): the outer filter is.
    made = Q(
        pk__in=StoryAction.objects.filter(
            change_claim=ChangeClaim.MADE, change_signed_off_at__isnull=False
        ).values("story_id")
    )
    answered = ~Q(teller_response="")
    return {
        "critical": Count("pk"),
        "with_response": Count("pk", filter=answered),
        "with_change_made": Count("pk", filter=made),
        "with_both": Count("pk", filter=made & answered),
    }


def critical_follow_up(organisation_ids, *, since: datetime.date, before: datetime.date) -> CriticalFollowUp:
    """For the organisations' critical stories that happened from `since` up to (not including) `before`
    (not withdrawn, consent not withdrawn): the share with a response to the teller and the share with a
    change made and signed off, read story by story. The dashboards read the same counts from their
    roll-up (`critical_follow_up_by_month`, summed over months): this is the reading they are checked by."""
    stories = _counted_stories(organisation_ids).filter(
        CRITICAL, occurred_on__gte=since, occurred_on__lt=before
    )
    return CriticalFollowUp(**stories.aggregate(**_follow_up_counts()))


def critical_follow_up_by_month(where: Q | None = None) -> QuerySet:
    """The counts of `critical_follow_up` per organisation and month the story happened (`o`, `m`, then
    `critical`, `with_response`, `with_change_made`, `with_both`): the rows of the dashboards' roll-up.
    `where` narrows the stories (one roll-up slice); by default every story."""
    counted = _counted_stories().filter(CRITICAL, where or Q())
    return (
        counted.values(o=F("organisation_id"), m=TruncMonth("occurred_on", output_field=DateField()))
        .annotate(**_follow_up_counts())
        .order_by()
    )


def responses_by_day(where: Q | None = None, *, tz) -> QuerySet:
    """Responses to the people who told the stories (counted stories with a response recorded), grouped by
    organisation, month the story happened (`o`, `m`), the day it was logged and the day it was answered
    (`logged`, `answered`: dates in `tz`, England's time), with how many (`n`); `where` narrows the stories
    (one roll-up slice). Never one story's figures; the working days between the two days are the caller's
    (`dashboards.follow_up`)."""
    counted = (
        _counted_stories().filter(where or Q(), teller_response_at__isnull=False).exclude(teller_response="")
    )
    return (
        counted.values(
            o=F("organisation_id"),
            m=TruncMonth("occurred_on", output_field=DateField()),
            logged=TruncDate("logged_at", tzinfo=tz),
            answered=TruncDate("teller_response_at", tzinfo=tz),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
