"""Progress for the board report and the system view: the charter in force, the latest review, actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from charters import selectors, services
from charters.models import Review
from insight_hub.periods import Period
from tests.charters.helpers import make_charter
from tests.factories import OrganisationFactory


def _review(commitment, user, status, on, actions=()):
    return services.review_record(
        commitment=commitment,
        user=user,
        status=status,
        narrative=f"{status} on {on}",
        period=Period.last_months(3, today=on),
        reviewed_on=on,
        actions=list(actions),
    )


def test_progress_reads_the_latest_review_up_to_the_end_of_the_period(world):
    charter = make_charter(world, adopt=True)
    charter.adopted_at = timezone.now() - dt.timedelta(days=60)
    charter.save()
    today = timezone.localdate()
    first, second = charter.commitments.order_by("order")
    _review(first, world.icb_lead, "on_track", today - dt.timedelta(days=40))
    _review(
        first,
        world.icb_lead,
        "at_risk",
        today - dt.timedelta(days=5),
        actions=[
            {
                "description": "Tell people their wait",
                "owner": world.px_a,
                "due_on": today - dt.timedelta(days=1),
                "organisation": world.trust_a,
            }
        ],
    )
    rows = selectors.charter_progress(ics=world.ics, first=today - dt.timedelta(days=90), last=today)
    assert [r.status for r in rows] == ["at_risk", "not_reviewed"]
    assert rows[0].status_label == "At risk" and rows[0].last_reviewed_on == today - dt.timedelta(days=5)
    assert rows[0].charter_title == "Our patient charter" and rows[0].owner == world.icb_lead
    assert rows[0].narrative.startswith("at_risk")
    assert [(a.description, a.owner, a.status) for a in rows[0].actions] == [
        ("Tell people their wait", world.px_a, "overdue")
    ]
    assert rows[1].status_label == "Not reviewed yet" and rows[1].actions == []
    # A report that ended before the second review shows the first.
    earlier = selectors.charter_progress(
        ics=world.ics, first=today - dt.timedelta(days=90), last=today - dt.timedelta(days=10)
    )
    assert earlier[0].status == "on_track" and earlier[0].actions == []
    # Before the charter was adopted there is nothing to report.
    assert (
        selectors.charter_progress(
            ics=world.ics, first=today - dt.timedelta(days=90), last=today - dt.timedelta(days=61)
        )
        == []
    )


def test_progress_for_a_trust_leaves_out_other_trusts_commitments_and_actions(world):
    charter = make_charter(world, adopt=True)  # commitment 2 follows trust A's figure only
    today = timezone.localdate()
    first = charter.commitments.get(order=1)
    _review(
        first,
        world.icb_lead,
        "not_met",
        today,
        actions=[
            {"description": "At A", "owner": world.px_a, "due_on": today, "organisation": world.trust_a},
            {"description": "At B", "owner": world.px_b, "due_on": today, "organisation": world.trust_b},
            {"description": "Everywhere", "owner": world.icb_lead, "due_on": today},
        ],
    )
    for_b = selectors.charter_progress(ics=world.ics, first=today, last=today, organisation=world.trust_b)
    assert [r.commitment_text for r in for_b] == ["We will keep promise 1."]
    assert [a.description for a in for_b[0].actions] == ["At B", "Everywhere"]
    for_a = selectors.charter_progress(ics=world.ics, first=today, last=today, organisation=world.trust_a)
    assert len(for_a) == 2


def test_no_adopted_charter_means_no_progress(world):
    make_charter(world)
    today = timezone.localdate()
    assert selectors.charter_progress(ics=world.ics, first=today, last=today) == []


def test_a_new_version_keeps_the_last_status_until_reviewed_again(world):
    charter = make_charter(world, adopt=True)
    today = timezone.localdate()
    _review(charter.commitments.get(order=1), world.icb_lead, "not_met", today)
    second = services.charter_new_version(charter=charter, user=world.admin)
    services.charter_adopt(charter=second, user=world.admin)
    rows = selectors.charter_progress(ics=world.ics, first=today, last=today)
    assert rows[0].status == "not_met"
    assert Review.objects.count() == 1


def test_status_summary_flags_overdue_reviews(world):
    charter = make_charter(world, adopt=True)
    charter.adopted_at = timezone.now() - dt.timedelta(days=200)
    charter.save()
    summary = selectors.charter_status_summary(world.ics)
    assert summary.charter == charter and len(summary.rows) == 2
    assert summary.overdue_reviews == 2
    other = OrganisationFactory(kind="icb", ods_code="QYY")
    from insight_hub.organisations.models import ICS

    assert selectors.charter_status_summary(ICS.objects.create(name="Other", icb=other)).charter is None
