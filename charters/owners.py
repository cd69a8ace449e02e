"""Charter entries for the "Who owns what" register (dashboards/owners.py): every commitment of the adopted
charter and of a draft in progress with its owner and next review, and every open review action."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from stories.models import ActionStatus

from .models import CharterStatus, Commitment, ReviewAction


def charter_entries(ics) -> Iterable:
    from dashboards.owners import Owned

    commitments = (
        Commitment.objects.filter(
            charter__ics=ics,
            charter__status__in=[CharterStatus.ADOPTED, CharterStatus.DRAFT, CharterStatus.CONSULTATION],
        )
        .select_related("charter", "owner")
        .prefetch_related("reviews")
    )
    for commitment in commitments:
        charter = commitment.charter
        adopted = charter.status == CharterStatus.ADOPTED
        yield Owned(
            "Charter commitment",
            f"{commitment.order}. {commitment.text[:120]}",
            reverse("charters:commitment_detail", args=[commitment.pk]),
            commitment.owner,
            commitment.next_review_due(reviews=list(commitment.reviews.all())) if adopted else None,
            f"{charter.title}, version {charter.version} ({charter.get_status_display().lower()})",
        )
    actions = ReviewAction.objects.filter(
        review__commitment__charter__ics=ics, status=ActionStatus.OPEN
    ).select_related("owner", "review__commitment")
    for action in actions:
        yield Owned(
            "Charter action (you said, we did)",
            action.description[:120],
            reverse("charters:commitment_detail", args=[action.review.commitment_id]),
            action.owner,
            action.due_on,
            f"For commitment {action.review.commitment.order}",
        )
