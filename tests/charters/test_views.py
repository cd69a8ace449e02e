"""Charter pages: who may see and do what, the messages people get, a public page without personal data."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from charters import services
from charters.models import Charter, CharterStatus
from dashboards import rollups
from insight_hub.organisations.models import ICS
from insight_hub.periods import Period
from stories.models import StoryTag
from tests.charters.helpers import framework_themes, make_charter
from tests.factories import MembershipFactory, OrganisationFactory, ResponseFactory, StoryFactory


@pytest.fixture
def outsider(db):
    """A px_lead of a trust in another ICS."""
    icb = OrganisationFactory(kind="icb", ods_code="QOO")
    ics = ICS.objects.create(name="Other ICS", icb=icb)
    trust = OrganisationFactory(ods_code="ROO", ics=ics, icb=icb)
    return MembershipFactory(organisation=trust, role="px_lead").user


def test_outsiders_get_404_for_every_charter_page(client, world, outsider):
    charter = make_charter(world, adopt=True)
    commitment = charter.commitments.first()
    client.force_login(outsider)
    for url in [
        reverse("charters:detail", args=[charter.pk]),
        reverse("charters:codesign", args=[charter.pk]),
        reverse("charters:commitment_detail", args=[commitment.pk]),
        reverse("charters:review_create", args=[commitment.pk]),
        reverse("charters:commitment_edit", args=[commitment.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("charters:adopt", args=[charter.pk])).status_code == 404
    assert client.post(reverse("charters:revise", args=[charter.pk])).status_code == 404
    response = client.get(reverse("charters:list"))
    assert response.status_code == 200 and charter.title.encode() not in response.content


def test_trust_people_read_but_do_not_set_up(client, world):
    charter = make_charter(world)
    client.force_login(world.px_b)
    assert client.get(reverse("charters:detail", args=[charter.pk])).status_code == 200
    # Setting up is not theirs: the pages are not there for them (404, as outside reach).
    assert client.post(reverse("charters:adopt", args=[charter.pk])).status_code == 404
    assert client.get(reverse("charters:commitment_create", args=[charter.pk])).status_code == 404
    charter.refresh_from_db()
    assert charter.status == CharterStatus.DRAFT


def test_adopt_with_an_unowned_commitment_says_which_one(client, world):
    charter = make_charter(world)
    services.commitment_save(
        charter=charter,
        user=world.admin,
        text="We will answer the phone.",
        category="access",
        metrics=["ics"],
    )
    client.force_login(world.admin)
    response = client.post(reverse("charters:adopt", args=[charter.pk]), follow=True)
    assert "Commitment 3 (“We will answer the phone.”) has no named owner" in response.content.decode()
    charter.refresh_from_db()
    assert charter.status == CharterStatus.DRAFT


def test_the_admin_sets_up_a_charter_through_the_forms(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("charters:create"), {"title": "", "summary": "x"})
    assert response.status_code == 200 and "Title: this field is required" in response.content.decode()
    response = client.post(reverse("charters:create"), {"title": "Our charter", "summary": "We promise."})
    charter = Charter.objects.get()
    assert response.url == reverse("charters:detail", args=[charter.pk])
    theme = framework_themes(1)[0]
    response = client.post(
        reverse("charters:commitment_create", args=[charter.pk]),
        {
            "text": "We will listen.",
            "category": "feedback",
            "owner": "",
            "cadence_months": "3",
            "target_percent": "150",
        },
    )
    assert (
        "Ensure that there are no more than 4 digits" in response.content.decode()
        or "between 0 and 100" in (response.content.decode())
    )
    response = client.post(
        reverse("charters:commitment_create", args=[charter.pk]),
        {"text": "We will listen.", "category": "feedback", "owner": "", "cadence_months": "3"},
        follow=True,
    )
    page = response.content.decode()
    assert "No linked theme or metric" in page and "No named owner" in page
    commitment = charter.commitments.get()
    response = client.post(
        reverse("charters:commitment_edit", args=[commitment.pk]),
        {
            "text": "We will listen.",
            "category": "feedback",
            "owner": world.icb_lead.pk,
            "cadence_months": "3",
            "themes": [theme.pk],
            "metrics": ["ics", f"org:{world.trust_b.ods_code}"],
            "change_outcome": "not_possible",
            "change_note": "",
        },
    )
    assert "Say why no change was possible" in response.content.decode()
    response = client.post(
        reverse("charters:event_add", args=[charter.pk]),
        {
            "title": "Workshop",
            "held_on_0": "1",
            "held_on_1": "1",
            "held_on_2": "2099",
            "people_reached": "-3",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Number of people reached: ensure this value is greater than or equal to 0" in page


def test_review_form_records_evidence_and_actions(client, world):
    charter = make_charter(world, adopt=True)
    commitment = charter.commitments.get(order=1)
    client.force_login(world.admin)
    assert client.get(reverse("charters:review_create", args=[commitment.pk])).status_code == 404
    client.force_login(world.icb_lead)
    url = reverse("charters:review_create", args=[commitment.pk])
    assert client.get(url).status_code == 200
    data = {
        "status": "at_risk",
        "narrative": "Waiting times slipped.",
        "months": "12",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Text people their expected wait",
        "actions-0-owner": "",
        "actions-1-description": "",
    }
    response = client.post(url, data)
    assert "Choose who owns this action" in response.content.decode()
    due = timezone.localdate() + dt.timedelta(days=30)
    data.update(
        {
            "actions-0-owner": world.px_a.pk,
            "actions-0-due_on_day": str(due.day),
            "actions-0-due_on_month": str(due.month),
            "actions-0-due_on_year": str(due.year),
            "actions-0-organisation": world.trust_a.pk,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    review = commitment.reviews.get()
    assert review.status == "at_risk" and review.actions.get().owner == world.px_a
    assert review.evidence["metrics"][0]["label"] == "FFT % positive across the ICS"
    page = client.get(reverse("charters:commitment_detail", args=[commitment.pk])).content.decode()
    assert "Waiting times slipped." in page and "Text people their expected wait" in page


def test_public_page_shows_the_adopted_charter_without_personal_data(client, world):
    charter = make_charter(world, adopt=True)
    services_review(charter, world)
    response = client.get(reverse("charters:public", args=[charter.public_id]))
    page = unescape(response.content.decode())  # or an O'Donnell would hide as O&#x27;Donnell
    assert response.status_code == 200
    assert charter.title in page and "We will keep promise 1." in page and "At risk" in page
    for person in (world.icb_lead, world.admin, world.px_a):
        assert person.email not in page
        assert person.get_full_name() not in page
    assert "Slipping, said Mrs Jones" not in page  # the internal narrative stays internal
    assert "Kind nurses" not in page  # no story text at all


def test_public_page_404s_for_a_draft(client, world):
    charter = make_charter(world)
    assert client.get(reverse("charters:public", args=[charter.public_id])).status_code == 404


def test_a_superseded_public_page_points_to_the_current_one(client, world):
    first = make_charter(world, adopt=True)
    second = services.charter_new_version(charter=first, user=world.admin)
    services.charter_adopt(charter=second, user=world.admin)
    page = client.get(reverse("charters:public", args=[first.public_id])).content.decode()
    assert "This is an earlier version" in page and str(second.public_id) in page


def services_review(charter, world):
    StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Kind nurses",
        narrative="Kind nurses.",
    )
    services.review_record(
        commitment=charter.commitments.get(order=1),
        user=world.icb_lead,
        status="at_risk",
        narrative="Slipping, said Mrs Jones.",
        period=Period.last_months(3),
        actions=[
            {"description": "Text people their wait", "owner": world.px_a, "due_on": timezone.localdate()}
        ],
    )


def test_evidence_under_each_commitment(client, world):
    charter = make_charter(world, adopt=True)
    first, second = framework_themes(2)
    now = timezone.now() - dt.timedelta(days=timezone.localdate().day + 2)  # last month: the default period
    for score in (1, 1, 2, 2, 4, 5):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=now)
    good = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Good",
        narrative="The staff were kind.",
        occurred_on=timezone.localdate(now).replace(day=1),
    )
    bad = StoryFactory(
        organisation=world.trust_b,
        status="shared",
        user=world.px_b,
        title="Bad",
        narrative="Nobody told me anything.",
        occurred_on=timezone.localdate(now).replace(day=1),
    )
    unconsented = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Private",
        narrative="Not shared with anyone.",
        occurred_on=timezone.localdate(now).replace(day=1),
    )
    for story, theme, sentiment in [
        (good, first, "positive"),
        (bad, first, "negative"),
        (unconsented, first, "positive"),
    ]:
        StoryTag.objects.filter(story=story).delete()
        StoryTag.objects.create(story=story, theme=theme, sentiment=sentiment)
    rollups.rebuild_all()
    client.force_login(world.icb_lead)
    page = client.get(reverse("charters:detail", args=[charter.pk])).content.decode()
    assert "FFT % positive across the ICS, by month" in page
    assert "The staff were kind." in page and "Nobody told me anything." in page
    assert "Not shared with anyone." not in page
    # Trust B's px_lead sees their own organisation's evidence only.
    client.force_login(world.px_b)
    page = client.get(
        reverse("charters:commitment_detail", args=[charter.commitments.get(order=1).pk])
    ).content.decode()
    assert "Nobody told me anything." in page and "The staff were kind." not in page
    assert "your organisation only" in page


def test_overdue_review_and_action_show_on_the_owners_home_and_who_owns_what(client, world):
    charter = make_charter(world, adopt=True)
    Charter.objects.filter(pk=charter.pk).update(adopted_at=timezone.now() - dt.timedelta(days=120))
    services.review_record(
        commitment=charter.commitments.get(order=2),
        user=world.icb_lead,
        status="on_track",
        narrative="Fine.",
        period=Period.last_months(3),
        actions=[
            {
                "description": "Publish waiting times",
                "owner": world.icb_lead,
                "due_on": timezone.localdate() - dt.timedelta(days=2),
            }
        ],
    )
    client.force_login(world.icb_lead)
    page = client.get(reverse("home")).content.decode()
    assert "Overdue on the patient charter" in page
    assert "Review commitment 1" in page and "Publish waiting times" in page
    assert "Review commitment 2" not in page  # reviewed today
    from dashboards.owners import ownership_register

    entries = {(e.kind, e.status) for e in ownership_register(world.ics)}
    assert ("Charter commitment", "overdue") in entries
    assert ("Charter action (you said, we did)", "overdue") in entries
    client.force_login(world.px_a)
    assert "Overdue on the patient charter" not in client.get(reverse("home")).content.decode()


def test_the_system_view_shows_the_adopted_charters_status(client, world):
    charter = make_charter(world, adopt=True)
    Charter.objects.filter(pk=charter.pk).update(adopted_at=timezone.now() - dt.timedelta(days=200))
    client.force_login(world.icb_lead)
    page = client.get(reverse("dashboards:system")).content.decode()
    assert "Patient charter" in page and charter.title in page
    assert "We will keep promise 1." in page and "Not reviewed yet" in page
    assert "2 reviews overdue" in page


def test_the_system_view_says_when_no_charter_is_adopted(client, world):
    make_charter(world, title="Work in progress")
    client.force_login(world.admin)
    page = client.get(reverse("dashboards:system")).content.decode()
    assert "No charter is adopted yet" in page and "Work in progress" in page


def test_the_lasting_public_address_leads_to_the_adopted_version(client, world):
    first = make_charter(world, adopt=True)
    url = reverse("charters:public_current", args=[world.icb.ods_code.lower()])
    assert client.get(url)["Location"] == reverse("charters:public", args=[first.public_id])
    second = services.charter_new_version(charter=first, user=world.admin)
    services.charter_adopt(charter=second, user=world.admin)
    assert client.get(url)["Location"] == reverse("charters:public", args=[second.public_id])
    assert client.get(reverse("charters:public_current", args=["QZZ"])).status_code == 404


def test_the_evidence_period_swaps_only_the_evidence_with_htmx(client, world):
    charter = make_charter(world, adopt=True)
    url = reverse("charters:commitment_detail", args=[charter.commitments.get(order=1).pk])
    client.force_login(world.icb_lead)
    response = client.get(url, {"months": "3"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="evidence-body"') and "<html" not in page
    assert Period.complete_months(3).label in page
    assert response["Vary"] and "HX-Request" in response["Vary"]
    full = client.get(url, {"months": "6"}).content.decode()
    assert "<html" in full and Period.complete_months(6).label in full


def test_the_evidence_period_may_be_any_past_months_and_a_bad_one_is_named(client, world):
    charter = make_charter(world, adopt=True)
    url = reverse("charters:commitment_detail", args=[charter.commitments.get(order=1).pk])
    client.force_login(world.icb_lead)
    page = client.get(url, {"months": "custom", "from_month": "2023-01", "to_month": "2023-12"})
    assert "Evidence for January 2023 to December 2023" in page.content.decode()
    bad = client.get(url, {"months": "custom", "from_month": "2023-12", "to_month": "2023-01"})
    assert "The last month must be the same as or after the first month" in bad.content.decode()
    assert f"Evidence for {Period.complete_months(12).label}" in bad.content.decode()
    swap = client.get(url, {"from_month": "2023-12", "to_month": "2023-01"}, headers={"HX-Request": "true"})
    swapped = swap.content.decode()  # the evidence, and the summary and fields out of band
    assert 'id="evidence-body"' in swapped and "<html" not in swapped
    assert '<div id="filter-errors" hx-swap-oob="true">' in swapped and 'id="id_to_month_error"' in swapped
    overview = client.get(
        reverse("charters:detail", args=[charter.pk]), {"from_month": "2024-02", "to_month": "2024-04"}
    )
    assert overview.status_code == 200 and 'value="2024-02" selected' in overview.content.decode()
