"""Survey comments as a search source (registered in `apps.py`): the comments of the organisations whose
records the person reads (`records_filter_for`: a px_lead's own, an ICB lead's or administrator's whole ICS,
never a board member's), shown as on a response's page: the original words inside the organisation that
collected them, the redacted text anywhere else."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import reads_records, records_filter_for, scope_for
from insight_hub.privacy.models import AuditAction
from insight_hub.privacy.structured import date_for_outsiders
from insight_hub.search.registry import Criteria, Hit, SearchSource

from .models import Comment, CommentTag
from .selectors import comment_display_text

CRITICALITY = {"critical": ~Q(safety_signals=[]), "not_critical": Q(safety_signals=[])}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def comment_candidates(user, criteria: Criteria) -> QuerySet[Comment]:
    # The organisations whose records the person reads, as a list of ids (the same rule as
    # `records_filter_for`): joined to organisations instead, PostgreSQL plans a search over the ICS as six
    # per-organisation scans ANDed with the organisation index, ten times slower than the GIN index alone.
    readable = records_filter_for(user, Organisation.objects.all(), organisation_path="")
    comments = Comment.objects.filter(organisation_id__in=list(readable.values_list("pk", flat=True)))
    conditions = Q()
    if criteria.organisation:
        conditions &= Q(organisation=criteria.organisation)
    if criteria.service:
        conditions &= Q(service=criteria.service)
    if criteria.theme:
        tagged = CommentTag.objects.filter(theme=criteria.theme).exclude(decision="rejected")
        conditions &= Q(pk__in=tagged.values("comment_id"))
    if criteria.sentiment:
        conditions &= Q(sentiment=criteria.sentiment)
    if criteria.criticality in CRITICALITY:
        conditions &= CRITICALITY[criteria.criticality]
    if criteria.date_from:
        conditions &= Q(responded_at__gte=_start_of(criteria.date_from))
    if criteria.date_to:
        conditions &= Q(responded_at__lt=_start_of(criteria.date_to + dt.timedelta(days=1)))
    if criteria.added_since:
        conditions &= Q(response__created_at__gte=criteria.added_since)
    return comments.filter(conditions)


def comment_hits(user, pks: list[int]) -> dict[int, Hit]:
    own = scope_for(user).px_org_ids
    hits = {}
    comments = records_filter_for(user, Comment.objects.filter(pk__in=pks)).select_related(
        "organisation", "service", "question"
    )
    for comment in comments:
        original = comment.organisation_id in own
        labels = [("Survey comment", "white")]
        if comment.safety_signals:
            labels.append(("Safety signal", "red"))
        if comment.sentiment:
            labels.append((comment.get_sentiment_display(), "blue"))
        labels.append((comment.service.name, "aqua-green"))
        asked = comment.question.text if comment.question_id else comment.get_question_type_display()
        responded = timezone.localtime(comment.responded_at)
        hits[comment.pk] = Hit(
            source="comment",
            pk=comment.pk,
            title=asked,
            text=comment_display_text(user, comment),
            url=reverse("feedback:response_detail", args=[comment.response_id]),
            organisation=comment.organisation.display_name,
            when=f"{responded:%-d %B %Y}" if original else date_for_outsiders(responded),
            is_original=original,
            labels=tuple(labels),
        )
    return hits


COMMENT_SOURCE = SearchSource(
    key="comment",
    label="Survey comments",
    candidates=comment_candidates,
    present=comment_hits,
    date_field="responded_at",
    text_fields=(("redacted_text", 1.0),),
    readable_by=reads_records,
    audit_action=AuditAction.RESPONSE_VIEWED_UNREDACTED,
)
