"""Every story page on every persona: the owner (px_a), a colleague, an outsider trust (px_b → 404), the ICB
lead, a board member and the system administrator (shared stories only, redacted text only), a stranger,
and anonymous people (sent to sign in). htmx fragments are checked the same way."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from stories import services
from stories.models import Story, StoryStatus
from tests.factories import PathwayFactory, PathwayStageFactory, StoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

EVERYONE = ["px_a", "px_a_colleague", "px_b", "icb_lead", "board_a", "admin", "stranger"]
OWNERS = {"px_a", "px_a_colleague"}
READERS_OF_SHARED = OWNERS | {"icb_lead", "board_a", "admin"}
PERSONAL_DATA = ["John Smith", "Dr Patel", "943 476 5919", "07700 900123"]


def get_as(client, user, url, **headers):
    client.force_login(user)
    return client.get(url, headers=headers)


def post_as(client, user, url, data, **headers):
    client.force_login(user)
    return client.post(url, data, headers=headers)


@pytest.mark.parametrize("person", EVERYONE)
def test_detail_of_a_draft_exists_only_for_the_logging_organisation(client, world, draft, person):
    response = get_as(client, world.people()[person], reverse("stories:detail", args=[draft.pk]))
    assert response.status_code == (200 if person in OWNERS else 404)


@pytest.mark.parametrize("person", EVERYONE)
def test_detail_of_a_shared_story_by_persona(client, world, shared, person):
    response = get_as(client, world.people()[person], reverse("stories:detail", args=[shared.pk]))
    assert response.status_code == (200 if person in READERS_OF_SHARED else 404)


@pytest.mark.parametrize("person", ["icb_lead", "board_a", "admin"])
def test_outside_the_trust_only_the_redacted_text_is_in_the_page(client, world, shared, person):
    html = get_as(
        client, world.people()[person], reverse("stories:detail", args=[shared.pk])
    ).content.decode()
    for personal in PERSONAL_DATA:
        assert personal not in html
    assert "[NHS number]" in html and "[phone number]" in html


@pytest.fixture
def dated(world, tagging_recorded):
    """A shared story whose text and "When it happened" both hold an exact date."""
    return StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Seen in A&E",
        narrative="I was seen on 3 March 2026 and sent home.",
        occurred_on=datetime.date(2026, 3, 3),
        status="shared",
    )


@pytest.mark.parametrize("person", ["icb_lead", "board_a", "admin"])
def test_outside_the_trust_when_it_happened_is_shown_to_the_month_as_the_text_is(
    client, world, dated, person
):
    for url in (reverse("stories:detail", args=[dated.pk]), reverse("stories:list")):
        html = unescape(get_as(client, world.people()[person], url).content.decode())
        assert "3 March 2026" not in html
        assert "March 2026" in html
    detail = unescape(
        get_as(client, world.people()[person], reverse("stories:detail", args=[dated.pk])).content.decode()
    )
    assert "I was seen on [date] and sent home." in detail


def test_the_owner_sees_the_day_it_happened(client, world, dated):
    html = unescape(get_as(client, world.px_a, reverse("stories:detail", args=[dated.pk])).content.decode())
    assert "3 March 2026" in html


def test_the_owner_reads_the_original_and_the_redacted_text(client, world, shared):
    html = get_as(client, world.px_a, reverse("stories:detail", args=[shared.pk])).content.decode()
    assert "943 476 5919" in html and "[NHS number]" in html


def test_html_in_a_story_is_shown_as_text(client, world):
    story = StoryFactory(
        organisation=world.trust_a, user=world.px_a, narrative="<script>alert(1)</script> hi"
    )
    html = get_as(client, world.px_a, reverse("stories:detail", args=[story.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


OWNER_ONLY_PAGES = ["edit", "consent", "redaction", "flag", "teller_response", "action_create"]


@pytest.mark.parametrize("name", OWNER_ONLY_PAGES)
@pytest.mark.parametrize("person", EVERYONE)
def test_owner_only_pages_by_persona(client, world, shared, name, person):
    response = get_as(client, world.people()[person], reverse(f"stories:{name}", args=[shared.pk]))
    assert response.status_code == (200 if person in OWNERS else 404)


@pytest.mark.parametrize("person", EVERYONE)
def test_safety_response_page_by_persona(client, world, shared, person):
    services.story_flag(story=shared, user=world.px_a, concern="safety")
    response = get_as(client, world.people()[person], reverse("stories:safety_respond", args=[shared.pk]))
    assert response.status_code == (200 if person in OWNERS else 404)


def test_safety_response_page_is_not_found_without_a_concern(client, world, shared):
    assert get_as(client, world.px_a, reverse("stories:safety_respond", args=[shared.pk])).status_code == 404


@pytest.mark.parametrize("person", EVERYONE)
def test_action_edit_by_persona(client, world, shared, person):
    action = services.action_create(
        story=shared, user=world.px_a, description="Fix it", owner=world.px_a, due_on=timezone.localdate()
    )
    response = get_as(
        client, world.people()[person], reverse("stories:action_edit", args=[shared.pk, action.pk])
    )
    assert response.status_code == (200 if person in OWNERS else 404)


@pytest.mark.parametrize("person", EVERYONE)
def test_status_change_by_persona(client, world, shared, person):
    response = post_as(
        client,
        world.people()[person],
        reverse("stories:status", args=[shared.pk]),
        {"status": "withdrawn", "confirm": "yes"},
    )
    assert response.status_code == (302 if person in OWNERS else 404)
    shared.refresh_from_db()
    assert (shared.status == StoryStatus.WITHDRAWN) == (person in OWNERS)


@pytest.mark.parametrize("person", EVERYONE)
def test_list_and_awaiting_pages_answer_everyone_signed_in(client, world, person):
    for name in ("list", "awaiting", "pathway_list"):
        assert get_as(client, world.people()[person], reverse(f"stories:{name}")).status_code == 200


@pytest.mark.parametrize("person", EVERYONE)
def test_create_and_import_are_for_px_leads(client, world, person):
    for name in ("create", "import"):
        response = get_as(client, world.people()[person], reverse(f"stories:{name}"))
        assert response.status_code == (200 if person in {"px_a", "px_a_colleague", "px_b"} else 404)


@pytest.mark.parametrize(
    "url",
    [
        "stories:list",
        "stories:create",
        "stories:import",
        "stories:awaiting",
        "stories:pathway_list",
        "stories:pathway_create",
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, world, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["detail", *OWNER_ONLY_PAGES, "safety_respond"])
def test_anonymous_people_are_sent_to_sign_in_from_story_pages(client, world, shared, name):
    response = client.get(reverse(f"stories:{name}", args=[shared.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_list_shows_only_what_the_person_may_see_with_redacted_titles(client, world, draft, shared):
    html = get_as(client, world.icb_lead, reverse("stories:list")).content.decode()
    assert f"/stories/{shared.pk}/" in html and f"/stories/{draft.pk}/" not in html
    assert "John Smith" not in html
    html = get_as(client, world.px_b, reverse("stories:list")).content.decode()
    assert f"/stories/{shared.pk}/" not in html


def test_the_list_filters_from_the_query_string_and_keeps_them_in_pagination(client, world, tagging_recorded):
    for _ in range(21):
        StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared")
    response = get_as(client, world.px_a, reverse("stories:list") + "?status=shared&q=nurses")
    assert response.status_code == 200
    assert "?status=shared&amp;q=nurses&amp;page=2" in response.content.decode()


def test_the_list_answers_htmx_with_the_results_only(client, world, shared):
    response = get_as(client, world.icb_lead, reverse("stories:list"), HX_Request="true")
    html = response.content.decode()
    assert 'id="results"' in html and "<html" not in html
    assert response.headers["Vary"].count("HX-Request")


def test_a_story_logged_without_javascript(client, world):
    today = timezone.localdate()
    data = {
        "organisation": world.trust_a.pk,
        "title": "Seen quickly",
        "narrative": "The nurse saw me quickly.",
        "teller": "patient",
        "when_day": "",
        "when_month": str(today.month),
        "when_year": str(today.year),
        "source_channel": "interview",
        "services": [world.service_a.pk],
        "ethnic_category": "H",
    }
    response = post_as(client, world.px_a, reverse("stories:create"), data)
    story = Story.objects.get()
    assert response.status_code == 302 and response.url == reverse("stories:detail", args=[story.pk])
    assert story.occurred_precision == "month" and story.ethnic_category == "H"


def test_bad_input_is_refused_with_messages_naming_each_field(client, world):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    data = {
        "organisation": world.trust_b.pk,
        "title": "",
        "narrative": "x" * 20_001,
        "when_day": str(tomorrow.day),
        "when_month": str(tomorrow.month),
        "when_year": str(tomorrow.year),
        "source_channel": "interview",
        "services": [world.service_b.pk],
    }
    html = post_as(client, world.px_a, reverse("stories:create"), data).content.decode()
    for message in (
        "Select an organisation you log stories for",
        "Enter a title",
        "The story must be 20,000 characters or fewer",
        "Select who told the story",
        "The date it happened must be today or in the past",
        "Select services of the story’s organisation",
    ):
        assert message in html
    assert not Story.objects.exists()
    assert "x" * 20_001 in html  # nothing typed is lost


def test_one_field_is_checked_over_htmx(client, world):
    data = {"_validate": "title", "title": ""}
    response = post_as(client, world.px_a, reverse("stories:create"), data, HX_Request="true")
    html = response.content.decode()
    assert 'id="field-title"' in html and "Enter a title" in html and "<html" not in html


def test_an_outsider_cannot_use_the_htmx_fragment_of_an_edit_page(client, world, shared):
    for person in ("px_b", "icb_lead"):
        response = post_as(
            client,
            world.people()[person],
            reverse("stories:edit", args=[shared.pk]),
            {"_validate": "title", "title": ""},
            HX_Request="true",
        )
        assert response.status_code == 404


def test_the_owner_edits_a_story_and_is_warned_when_a_correction_no_longer_applies(client, world, draft):
    services.redaction_phrase_add(story=draft, user=world.px_a, phrase="the wait", kind="person")
    data = {
        "title": "New title",
        "narrative": "Rewritten completely.",
        "teller": "carer",
        "when_day": str(draft.occurred_on.day),
        "when_month": str(draft.occurred_on.month),
        "when_year": str(draft.occurred_on.year),
        "source_channel": "pals",
    }
    response = post_as(client, world.px_a_colleague, reverse("stories:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "no longer applies" in page
    draft.refresh_from_db()
    assert draft.narrative == "Rewritten completely."


def test_sharing_without_consent_shows_why_and_with_consent_shares(client, world, draft):
    client.force_login(world.px_a)
    url = reverse("stories:status", args=[draft.pk])
    page = client.post(url, {"status": "submitted"}, follow=True).content.decode()
    assert "Record the person’s consent" in page
    consent = {"action": "record", "consent-internal_learning": "on", "consent-note": "Signed form"}
    assert client.post(reverse("stories:consent", args=[draft.pk]), consent).status_code == 302
    client.post(url, {"status": "submitted"})
    client.post(url, {"status": "shared", "confirm": "yes"})
    draft.refresh_from_db()
    assert draft.status == StoryStatus.SHARED


def test_withdrawing_consent_makes_the_story_disappear_for_the_icb(client, world, shared):
    client.force_login(world.px_a)
    today = timezone.localdate()
    data = {
        "confirm": "yes",
        "withdraw-withdrawn_on_day": today.day,
        "withdraw-withdrawn_on_month": today.month,
        "withdraw-withdrawn_on_year": today.year,
    }
    assert client.post(reverse("stories:consent_withdraw", args=[shared.pk]), data).status_code == 302
    assert get_as(client, world.icb_lead, reverse("stories:detail", args=[shared.pk])).status_code == 404


def test_the_redaction_page_removes_and_adds(client, world, draft):
    client.force_login(world.px_a)
    url = reverse("stories:redaction", args=[draft.pk])
    assert "John Smith" in client.get(url).content.decode()
    client.post(url, {"action": "add", "phrase": "the wait", "kind": "person"})
    draft.refresh_from_db()
    assert "the wait" not in draft.redacted_narrative.lower()
    response = client.post(url, {"action": "add", "phrase": "Nobody at all", "kind": "person"})
    assert "does not appear" in response.content.decode()
    index = next(i for i, s in enumerate(draft.narrative_spans) if s["kind"] == "nhs_number")
    client.post(url, {"action": "remove", "field": "narrative", "index": index})
    draft.refresh_from_db()
    assert "943 476 5919" in draft.redacted_narrative


def test_flag_and_respond_through_the_pages(client, world, draft):
    client.force_login(world.px_a)
    client.post(reverse("stories:flag", args=[draft.pk]), {"concern": "safeguarding"})
    # Unescaped: a name such as O'Donnell is sent as O&#x27;Donnell.
    html = unescape(client.get(reverse("stories:awaiting")).content.decode())
    assert draft.title in html and "0 days" in html and world.px_a.get_full_name() in html
    response = client.post(reverse("stories:safety_respond", args=[draft.pk]), {"response": ""})
    assert "Enter the response to the concern before closing it" in response.content.decode()
    client.post(
        reverse("stories:safety_respond", args=[draft.pk]), {"response": "Referred to safeguarding team."}
    )
    draft.refresh_from_db()
    assert not draft.awaiting_response


def test_the_awaiting_list_outside_the_trust_shows_shared_stories_redacted(client, world, draft, shared):
    services.story_flag(story=draft, user=world.px_a, concern="safety")
    services.story_flag(story=shared, user=world.px_a, concern="safety")
    html = get_as(client, world.icb_lead, reverse("stories:awaiting")).content.decode()
    assert f"/stories/{shared.pk}/" in html and f"/stories/{draft.pk}/" not in html
    assert "John Smith" not in html


def test_a_concern_on_a_draft_reaches_the_icb_lead_only_once_escalated_and_without_its_text(
    client, world, draft
):
    services.story_flag(story=draft, user=world.px_a, concern="safety")
    url = reverse("stories:awaiting")
    assign = reverse("stories:safety_assign", args=[draft.pk])

    def names_it(html: str) -> bool:  # the row's own words, not a bare "S1" a CSRF token may hold by chance
        return f"Concern S{draft.pk}" in html or assign in html

    assert not names_it(get_as(client, world.icb_lead, url).content.decode())  # still the trust's
    Story.objects.filter(pk=draft.pk).update(safety_stage="icb", safety_routed_to=world.icb_lead)
    html = get_as(client, world.icb_lead, url).content.decode()
    assert f"Concern S{draft.pk}" in html and assign in html
    assert draft.title not in html and draft.redacted_title not in html and "John Smith" not in html
    assert f'href="/stories/{draft.pk}/"' not in html
    field = f"assign-{draft.pk}-user"
    told = client.post(assign, {field: world.px_a_colleague.pk}, follow=True).content.decode()
    assert f"Concern S{draft.pk} at {escape(world.trust_a.display_name)} given to" in told
    assert draft.title not in told and draft.redacted_title not in told  # the title stays the trust's
    for outsider in (world.px_b, world.board_a):
        assert not names_it(get_as(client, outsider, url).content.decode())


def test_the_safety_lead_is_named_on_the_awaiting_page(client, world):
    client.force_login(world.px_a)
    url = reverse("stories:safety_lead_set", args=[world.trust_a.pk])
    client.post(
        url,
        {
            f"lead-{world.trust_a.pk}-user": world.px_a_colleague.pk,
            f"lead-{world.trust_a.pk}-deputy": world.px_a.pk,
        },
    )
    html = client.get(reverse("stories:awaiting")).content.decode()
    assert "named safety lead" in html
    assert post_as(client, world.px_b, url, {}).status_code == 404


def test_actions_and_the_response_to_the_teller(client, world, shared):
    client.force_login(world.px_a)
    today = timezone.localdate()
    data = {
        "description": "Offer water hourly",
        "owner": world.px_a_colleague.pk,
        "due_on_day": today.day,
        "due_on_month": today.month,
        "due_on_year": today.year,
    }
    assert client.post(reverse("stories:action_create", args=[shared.pk]), data).status_code == 302
    client.post(reverse("stories:teller_response", args=[shared.pk]), {"response": "We wrote back in May."})
    shared.refresh_from_db()
    assert shared.actions.get().owner == world.px_a_colleague and shared.teller_response
    html = get_as(client, world.icb_lead, reverse("stories:detail", args=[shared.pk])).content.decode()
    assert "Offer water hourly" in html and "We wrote back in May." not in html


def test_import_reports_bad_rows_and_refuses_other_files(client, world):
    client.force_login(world.px_a)
    url = reverse("stories:import")
    pdf = SimpleUploadedFile("report.pdf", b"%PDF", content_type="application/pdf")
    html = client.post(url, {"organisation": world.trust_a.pk, "file": pdf}).content.decode()
    assert "The selected file must be a CSV or JSON file" in html
    bad = SimpleUploadedFile(
        "s.csv",
        b"external_id,title,narrative,teller,occurred_on,source_channel\nA1,T,N,alien,2025-01-01,pals\n",
    )
    html = client.post(url, {"organisation": world.trust_a.pk, "file": bad}).content.decode()
    assert "Row 2, teller" in html and not Story.objects.exists()
    good = SimpleUploadedFile(
        "s.csv",
        b"external_id,title,narrative,teller,occurred_on,source_channel\nA1,T,N,carer,2025-01-01,pals\n",
    )
    assert client.post(url, {"organisation": world.trust_a.pk, "file": good}).status_code == 302
    assert Story.objects.count() == 1


def test_a_px_lead_cannot_import_into_another_trust(client, world):
    good = SimpleUploadedFile(
        "s.csv",
        b"external_id,title,narrative,teller,occurred_on,source_channel\nA1,T,N,carer,2025-01-01,pals\n",
    )
    response = post_as(
        client, world.px_b, reverse("stories:import"), {"organisation": world.trust_a.pk, "file": good}
    )
    assert "Organisation: select a valid choice" in response.content.decode() and not Story.objects.exists()


@pytest.mark.parametrize("person", EVERYONE)
def test_pathway_pages_by_persona(client, world, person, tagging_recorded):
    pathway = PathwayFactory(ics=world.ics, name="Stroke")
    stage = PathwayStageFactory(pathway=pathway, organisation=world.trust_a, name="Stroke unit")
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared", stages=[stage])
    user = world.people()[person]
    response = get_as(client, user, reverse("stories:pathway_detail", args=[pathway.pk]))
    assert response.status_code == (404 if person == "stranger" else 200)
    if response.status_code == 200:
        assert "Stroke unit" in response.content.decode()
        assert (f"/stories/{story.pk}/" in response.content.decode()) == (person != "px_b")
    for name, args in (("pathway_create", []), ("pathway_stage_add", [pathway.pk])):
        assert get_as(client, user, reverse(f"stories:{name}", args=args)).status_code == (
            200 if person == "admin" else 404
        )


def test_the_system_administrator_sets_up_a_pathway(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("stories:pathway_create"), {"ics": world.ics.pk, "name": "Stroke"})
    pathway = world.ics.pathways.get()
    assert response.url == reverse("stories:pathway_detail", args=[pathway.pk])
    url = reverse("stories:pathway_stage_add", args=[pathway.pk])
    client.post(url, {"name": "Ambulance", "organisation": world.trust_b.pk})
    response = client.post(
        url, {"name": "Unit", "organisation": world.trust_a.pk, "service": world.service_b.pk}
    )
    assert "Choose a service of Trust A" in response.content.decode()
    assert [s.name for s in pathway.stages.all()] == ["Ambulance"]


def test_a_lead_of_one_organisation_finds_it_already_chosen(client, world):
    """Logging a story began with an "Organisation: ---------" choice of one; a lead of one trust has it
    chosen, and the story saves without touching it."""
    client.force_login(world.px_a)
    page = client.get(reverse("stories:create")).content.decode()
    assert "---------" not in page
    assert f'<option value="{world.trust_a.pk}" selected>' in page


@pytest.mark.parametrize(("day", "year"), [("99999999999999999999", "2026"), ("1", "99999999999999999999")])
def test_a_date_of_twenty_digits_is_refused_with_a_message_not_a_500(client, world, day, year):
    client.force_login(world.px_a)
    data = {
        "organisation": world.trust_a.pk,
        "title": "A wait",
        "narrative": "We waited.",
        "teller": "patient",
        "source_channel": "interview",
        "when_day": day,
        "when_month": "1",
        "when_year": year,
    }
    response = client.post(reverse("stories:create"), data)
    assert response.status_code in {200, 400}
    assert "Enter a real date" in response.content.decode()
    assert not Story.objects.filter(title="A wait").exists()


def test_free_text_about_a_story_is_held_to_the_story_s_limit(client, world, shared):
    """The reply to the teller took 300,000 characters (stored and redacted); it, an action and a change
    claimed are refused past 20,000 with a message naming what is too long."""
    from stories.forms import TEXT_MAX_LENGTH

    client.force_login(world.px_a)
    long = "x" * (TEXT_MAX_LENGTH + 1)
    response = client.post(reverse("stories:teller_response", args=[shared.pk]), {"response": long})
    assert "The response must be 20,000 characters or fewer" in response.content.decode()
    shared.refresh_from_db()
    assert shared.teller_response == ""
    due = timezone.localdate() + datetime.timedelta(days=30)
    action_data = {
        "description": long,
        "owner": world.px_a.pk,
        "due_on_day": due.day,
        "due_on_month": due.month,
        "due_on_year": due.year,
    }
    response = client.post(reverse("stories:action_create", args=[shared.pk]), action_data)
    assert "What will change must be 20,000 characters or fewer" in response.content.decode()
    assert not shared.actions.exists()
    action = services.action_create(
        story=shared, user=world.px_a, description="Water rounds", owner=world.px_a, due_on=due
    )
    url = reverse("stories:change_claim", args=[shared.pk, action.pk])
    response = client.post(url, {"claim": "made", "description": long})
    assert "What changed must be 20,000 characters or fewer" in response.content.decode()
    action.refresh_from_db()
    assert not action.change_claim
