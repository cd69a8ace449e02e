"""Charter rules: adoption needs every commitment owned, links are flagged not forced, adopted charters
change by a new version, and co-design and review input is checked field by field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from charters import services
from charters.models import Charter, CharterStatus, Commitment, ReviewStatus
from insight_hub.periods import Period
from tests.charters.helpers import framework_themes, make_charter
from tests.factories import MembershipFactory


def test_adopting_refuses_an_unowned_commitment_and_names_it(world):
    charter = make_charter(world)
    services.commitment_save(
        charter=charter,
        user=world.admin,
        text="We will tell you how long you are likely to wait.",
        category="access",
        themes=framework_themes(1),
    )
    with pytest.raises(ValidationError) as error:
        services.charter_adopt(charter=charter, user=world.admin)
    message = " ".join(error.value.messages)
    assert "Commitment 3" in message and "likely to wait" in message and "no named owner" in message
    charter.refresh_from_db()
    assert charter.status == CharterStatus.DRAFT


def test_adopting_refuses_an_owner_who_is_no_longer_an_icb_lead(world):
    charter = make_charter(world)
    world.icb_lead.is_active = False
    world.icb_lead.save()
    with pytest.raises(ValidationError, match="no longer an active ICB lead"):
        services.charter_adopt(charter=charter, user=world.admin)


def test_an_owner_must_be_an_icb_lead_of_the_ics(world):
    charter = make_charter(world, commitments=0)
    with pytest.raises(ValidationError) as error:
        services.commitment_save(
            charter=charter, user=world.admin, text="We will listen.", category="feedback", owner=world.px_a
        )
    assert "not an active ICB lead" in error.value.message_dict["owner"][0]


def test_a_commitment_without_theme_or_metric_is_allowed_in_draft_but_flagged(world):
    charter = make_charter(world, commitments=0)
    commitment = services.commitment_save(
        charter=charter, user=world.admin, text="We will listen.", category="feedback", owner=world.icb_lead
    )
    assert services.commitment_flags(commitment) == [services.NO_LINK_FLAG]
    unowned = services.commitment_save(
        charter=charter, user=world.admin, text="We will call back.", category="access"
    )
    assert services.NO_OWNER_FLAG in services.commitment_flags(unowned)
    linked = services.commitment_save(
        charter=charter,
        user=world.admin,
        commitment=commitment,
        text="We will listen.",
        category="feedback",
        owner=world.icb_lead,
        metrics=["ics"],
    )
    assert services.commitment_flags(linked) == []


def test_adopting_a_new_version_supersedes_the_old(world):
    first = make_charter(world, adopt=True)
    assert first.status == CharterStatus.ADOPTED and first.adopted_at is not None
    second = services.charter_update(
        charter=first, user=world.admin, title="Our charter, 2027", summary="New words."
    )
    assert second.pk != first.pk and second.version == 2 and second.status == CharterStatus.DRAFT
    first.refresh_from_db()
    assert first.status == CharterStatus.ADOPTED and first.title == "Our patient charter"  # unchanged
    assert second.commitments.count() == 2
    assert all(c.origin.charter_id == first.pk for c in second.commitments.all())
    assert list(second.commitments.first().themes.all()) == list(first.commitments.first().themes.all())
    services.charter_adopt(charter=second, user=world.admin)
    first.refresh_from_db()
    assert first.status == CharterStatus.SUPERSEDED and first.superseded_at is not None
    assert Charter.objects.filter(ics=world.ics, status=CharterStatus.ADOPTED).get() == second


def test_editing_a_commitment_of_an_adopted_charter_changes_the_next_version(world):
    charter = make_charter(world, adopt=True)
    original = charter.commitments.get(order=1)
    changed = services.commitment_save(
        charter=charter,
        user=world.admin,
        commitment=original,
        text="We will tell you how long you will wait.",
        category="access",
        owner=world.icb_lead,
        metrics=["ics"],
    )
    original.refresh_from_db()
    assert original.text == "We will keep promise 1."
    assert changed.charter.version == 2 and changed.origin == original
    assert changed.charter.commitments.count() == 2
    # A second edit goes into the same draft, not a third version.
    again = services.charter_update(charter=charter, user=world.admin, title="T", summary="S")
    assert again == changed.charter


def test_a_superseded_charter_cannot_change(world):
    first = make_charter(world, adopt=True)
    second = services.charter_new_version(charter=first, user=world.admin)
    services.charter_adopt(charter=second, user=world.admin)
    first.refresh_from_db()
    with pytest.raises(ValidationError, match="superseded"):
        services.charter_update(charter=first, user=world.admin, title="x", summary="y")


def test_co_design_record_checks_its_input(world):
    charter = make_charter(world)
    services.participant_add(charter=charter, name="Healthwatch Testshire", kind="healthwatch")
    with pytest.raises(ValidationError, match="already listed"):
        services.participant_add(charter=charter, name="healthwatch testshire", kind="healthwatch")
    with pytest.raises(ValidationError) as error:
        services.event_add(
            charter=charter,
            title="Workshop",
            held_on=timezone.localdate() + dt.timedelta(days=3),
            people_reached=5,
        )
    assert "future" in error.value.message_dict["held_on"][0]
    event = services.event_add(
        charter=charter, title="Workshop", held_on=timezone.localdate(), people_reached=40
    )
    commitment = charter.commitments.first()
    services.draft_comment_add(
        commitment=commitment,
        user=world.admin,
        text="Say how long, not just sorry.",
        received_on=timezone.localdate(),
        event=event,
    )
    assert commitment.draft_comments.count() == 1
    with pytest.raises(ValidationError) as error:
        services.commitment_save(
            charter=charter,
            user=world.admin,
            commitment=commitment,
            text=commitment.text,
            category="access",
            owner=world.icb_lead,
            change_outcome="not_possible",
            change_note="",
        )
    assert "why no change was possible" in error.value.message_dict["change_note"][0]
    services.charter_adopt(charter=charter, user=world.admin)
    charter.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.participant_add(charter=charter, name="Carers group", kind="patient_group")


def test_a_local_theme_of_another_ics_cannot_be_linked(world):
    from insight_hub.organisations.models import ICS
    from insight_hub.themes.models import Taxonomy, Theme
    from tests.factories import OrganisationFactory

    other = ICS.objects.create(name="Elsewhere ICS", icb=OrganisationFactory(kind="icb", ods_code="QZZ"))
    taxonomy = Taxonomy.objects.get(is_default=True)
    foreign = Theme.objects.create(taxonomy=taxonomy, ics=other, name="Ferry", category="Local")
    own = Theme.objects.create(taxonomy=taxonomy, ics=world.ics, name="Parking", category="Local")
    charter = make_charter(world, commitments=0)
    commitment = services.commitment_save(
        charter=charter, user=world.admin, text="We will fix parking.", category="access", themes=[own]
    )
    assert list(commitment.themes.all()) == [own]
    with pytest.raises(ValidationError, match="Ferry"):
        services.commitment_save(
            charter=charter,
            user=world.admin,
            text="We will run ferries.",
            category="access",
            themes=[foreign],
        )


def test_unknown_metric_and_target_out_of_range_are_refused(world):
    charter = make_charter(world, commitments=0)
    with pytest.raises(ValidationError, match="not a partner organisation"):
        services.commitment_save(
            charter=charter, user=world.admin, text="We will.", category="access", metrics=["org:NOPE"]
        )
    with pytest.raises(ValidationError) as error:
        services.commitment_save(
            charter=charter,
            user=world.admin,
            text="We will.",
            category="access",
            metrics=["ics"],
            target_percent=120,
        )
    assert "between 0 and 100" in error.value.message_dict["target_percent"][0]


def test_a_review_keeps_its_evidence_and_checks_actions(world):
    charter = make_charter(world, adopt=True)
    commitment = charter.commitments.get(order=1)
    period = Period.last_months(3)
    with pytest.raises(ValidationError, match="Action 1: choose an owner"):
        services.review_record(
            commitment=commitment,
            user=world.icb_lead,
            status="at_risk",
            narrative="Slipping.",
            period=period,
            actions=[
                {
                    "description": "Text people their wait",
                    "owner": world.stranger,
                    "due_on": timezone.localdate(),
                }
            ],
        )
    review = services.review_record(
        commitment=commitment,
        user=world.icb_lead,
        status=ReviewStatus.AT_RISK,
        narrative="Slipping.",
        period=period,
        actions=[
            {
                "description": "Text people their wait",
                "owner": world.px_a,
                "due_on": timezone.localdate(),
                "organisation": world.trust_a,
            }
        ],
    )
    assert review.evidence["period"]["label"] == period.label
    assert review.evidence["metrics"][0]["label"] == "FFT % positive across the ICS"
    assert review.evidence["metrics"][0]["target"] == 90.0
    assert review.actions.get().owner == world.px_a


def test_a_draft_commitment_is_not_reviewed(world):
    charter = make_charter(world)
    with pytest.raises(ValidationError, match="adopted charter"):
        services.review_record(
            commitment=charter.commitments.first(),
            user=world.icb_lead,
            status="on_track",
            narrative="x",
            period=Period.last_months(3),
        )


def test_next_review_is_due_a_cadence_after_the_last(world):
    charter = make_charter(world, adopt=True)
    commitment: Commitment = charter.commitments.get(order=1)
    adopted = timezone.localtime(charter.adopted_at).date()
    assert commitment.next_review_due() == services_add(adopted, 3)
    review = services.review_record(
        commitment=commitment,
        user=world.icb_lead,
        status="on_track",
        narrative="Fine.",
        period=Period.last_months(3),
        reviewed_on=dt.date(2026, 1, 31),
    )
    assert review.commitment.next_review_due() == dt.date(2026, 4, 30)


def services_add(day, months):
    from insight_hub.periods import add_months

    return add_months(day, months)


def test_add_months_keeps_the_end_of_month():
    from insight_hub.periods import add_months

    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_a_second_icb_lead_can_own(world):
    other_lead = MembershipFactory(organisation=world.icb, role="icb_lead").user
    charter = make_charter(world, owner=None, commitments=0)
    commitment = services.commitment_save(
        charter=charter,
        user=world.admin,
        text="We will.",
        category="access",
        owner=other_lead,
        metrics=["ics"],
    )
    assert commitment.owner == other_lead


def test_adopting_refuses_a_commitment_with_no_theme_or_metric(world):
    charter = make_charter(world)
    services.commitment_save(
        charter=charter, user=world.admin, text="We will be kind.", category="dignity", owner=world.icb_lead
    )
    services.charter_open_consultation(charter=charter)  # allowed while drafting and consulting
    with pytest.raises(ValidationError) as error:
        services.charter_adopt(charter=charter, user=world.admin)
    assert "Commitment 3 (“We will be kind.”) has no linked theme or metric" in " ".join(error.value.messages)


def test_a_draft_commitment_can_be_removed_and_the_rest_renumbered(world):
    charter = make_charter(world, commitments=2)
    services.commitment_remove(commitment=charter.commitments.get(order=1))
    assert list(charter.commitments.values_list("order", "text")) == [(1, "We will keep promise 2.")]
    services.charter_adopt(charter=charter, user=world.admin)
    charter.refresh_from_db()
    with pytest.raises(ValidationError, match="start a new version"):
        services.commitment_remove(commitment=charter.commitments.get())
