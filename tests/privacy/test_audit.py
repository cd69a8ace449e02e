"""The access audit: what is recorded (unredacted reads, exports, consent and tag changes), that nothing in
it can be changed, and that only a system administrator reads it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from insight_hub.privacy import audit
from insight_hub.privacy.admin import AuditEventAdmin
from insight_hub.privacy.models import AuditAction, AuditEvent
from insight_hub.themes.models import Theme
from stories import services as story_services
from tests.factories import MembershipFactory, OrganisationFactory, StoryFactory, UserFactory
from tests.themes.conftest import make_comment

pytestmark = pytest.mark.django_db

# Personal data in a narrative: none of it may ever reach the audit.
NARRATIVE = (
    "My husband John Smith was seen by Dr Patel. His NHS number is 943 476 5919 and you can call me on "
    "07700 900123. The nurses were kind but the wait was long."
)
PERSONAL = ["John Smith", "Patel", "943 476 5919", "07700 900123"]


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


@pytest.fixture
def story(world):
    return StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="John Smith waited",
        narrative=NARRATIVE,
        status="shared",
    )


def events(action=None, **lookup):
    found = AuditEvent.objects.filter(**lookup)
    return list(found.filter(action=action) if action else found)


def assert_no_personal_text_in_audit():
    dumped = json.dumps(list(AuditEvent.objects.values("detail", "object_type", "object_id")))
    for text in PERSONAL:
        assert text not in dumped


# The recording API.


def test_record_keeps_who_what_which_object_and_its_organisation(world, story):
    event = audit.record(world.px_a, AuditAction.STORY_VIEWED_UNREDACTED, story, page="detail")
    event.refresh_from_db()
    assert event.user == world.px_a
    assert (event.object_type, event.object_id) == ("stories.story", str(story.pk))
    assert event.organisation == world.trust_a
    assert event.detail == {"page": "detail"}
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)


def test_record_without_a_person_is_the_system(world):
    from django.contrib.auth.models import AnonymousUser

    assert audit.record(None, AuditAction.EXPORT_DOWNLOADED, export="x").user is None
    assert audit.record(AnonymousUser(), AuditAction.EXPORT_DOWNLOADED, export="x").user is None


def test_an_explicit_organisation_wins_over_the_objects(world, story):
    event = audit.record(world.icb_lead, AuditAction.REPORT_VIEWED, story, organisation=world.icb)
    assert event.organisation == world.icb


@pytest.mark.parametrize(
    "detail",
    [
        {"note": "x" * (audit.MAX_DETAIL_TEXT + 1)},
        {"nested": {"a": 1}},
        {"rows": [[1, 2]]},
        {"when": datetime.date(2026, 1, 1)},
    ],
)
def test_record_refuses_detail_that_could_carry_free_text(world, detail):
    with pytest.raises((ValueError, TypeError), match="audit detail"):
        audit.record(world.px_a, AuditAction.EXPORT_DOWNLOADED, **detail)
    assert not AuditEvent.objects.exists()


def test_record_refuses_an_unknown_action(world):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(world.px_a, "story.deleted")


# Append-only.


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_event(world):
    event = audit.record(world.px_a, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.REPORT_VIEWED)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORT_DOWNLOADED


def test_the_django_admin_reads_but_never_adds_changes_or_deletes(world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/privacy/auditevent/")
    request.user = superuser
    model_admin = AuditEventAdmin(AuditEvent, admin_site)
    event = audit.record(world.px_a, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv")
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_the_admin_change_page_offers_no_save_and_refuses_a_post(client, world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    event = audit.record(world.px_a, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv")
    client.force_login(superuser)
    url = reverse("admin:privacy_auditevent_change", args=[event.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"action": "report.viewed"}).status_code == 403
    assert client.post(reverse("admin:privacy_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:privacy_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORT_DOWNLOADED


# What is recorded.


@pytest.mark.parametrize(
    "page", ["detail", "edit", "redaction", "consent", "flag", "teller_response", "action_create"]
)
def test_each_page_with_the_original_story_text_records_the_reader(client, world, story, page):
    client.force_login(world.px_a_colleague)
    url = reverse(f"stories:{page}", args=[story.pk])
    assert client.get(url).status_code == 200
    [event] = events(AuditAction.STORY_VIEWED_UNREDACTED)
    assert (event.user, event.object_id, event.organisation) == (
        world.px_a_colleague,
        str(story.pk),
        world.trust_a,
    )
    assert event.detail == {"page": page}


def test_a_list_of_own_stories_by_their_titles_is_one_record_naming_them(client, world, story):
    other = StoryFactory(organisation=world.trust_b, user=world.px_b, status="shared")
    client.force_login(world.px_a)
    assert client.get(reverse("stories:list")).status_code == 200
    [event] = events(AuditAction.STORY_VIEWED_UNREDACTED)
    assert event.detail == {"page": "list", "stories": [story.pk]}
    assert other.pk not in event.detail["stories"]
    client.force_login(world.icb_lead)  # reads redacted titles only
    assert client.get(reverse("stories:list")).status_code == 200
    assert len(events(AuditAction.STORY_VIEWED_UNREDACTED)) == 1


@pytest.mark.parametrize("person", ["icb_lead", "board_a", "admin"])
def test_reading_only_the_redacted_story_is_not_an_unredacted_read(client, world, story, person):
    client.force_login(world.people()[person])
    assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 200
    assert not events(AuditAction.STORY_VIEWED_UNREDACTED)


def test_an_outsider_turned_away_leaves_no_read_on_record(client, world, story):
    client.force_login(world.px_b)
    assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 404
    assert not events(AuditAction.STORY_VIEWED_UNREDACTED)


def test_consent_recorded_changed_and_withdrawn_are_each_recorded(client, world):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, narrative=NARRATIVE)
    client.force_login(world.px_a)
    url = reverse("stories:consent", args=[story.pk])
    client.post(
        url, {"action": "record", "consent-internal_learning": "on", "consent-note": "John Smith said yes"}
    )
    client.post(url, {"action": "record", "consent-internal_learning": "on", "consent-board_quote": "on"})
    today = timezone.localdate()
    client.post(
        reverse("stories:consent_withdraw", args=[story.pk]),
        {
            "confirm": "yes",
            "withdraw-withdrawn_on_day": today.day,
            "withdraw-withdrawn_on_month": today.month,
            "withdraw-withdrawn_on_year": today.year,
        },
    )
    recorded = sorted(events(AuditAction.CONSENT_CHANGED), key=lambda e: e.pk)
    assert [e.detail["change"] for e in recorded] == ["recorded", "changed", "withdrawn"]
    assert all(e.user == world.px_a and e.object_id == str(story.pk) for e in recorded)
    assert recorded[1].detail == {
        "change": "changed",
        "internal_learning": True,
        "board_quote": True,
        "publication": False,
    }
    assert recorded[2].detail["withdrawn_on"] == today.isoformat()
    assert_no_personal_text_in_audit()
    assert "John Smith" not in json.dumps([e.detail for e in recorded])


def test_consent_in_an_import_or_a_service_call_is_recorded_too(world):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    story_services.story_consent_record(
        story=story, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    assert len(events(AuditAction.CONSENT_CHANGED, object_id=str(story.pk))) == 1


def test_a_refused_consent_change_leaves_no_record(world):
    from django.core.exceptions import ValidationError

    story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    with pytest.raises(ValidationError):
        story_services.story_consent_record(
            story=story, user=world.px_a, internal_learning=False, board_quote=True, publication=False
        )
    assert not events(AuditAction.CONSENT_CHANGED)


def test_a_tag_decision_is_recorded_beside_the_items_own_history(client, world):
    comment = make_comment(world.service_a, "The car park was full.", "could_improve")
    parking = Theme.objects.get(name="Parking")
    client.force_login(world.px_a)
    response = client.post(
        reverse("themes:tag_review", args=["feedback.comment", comment.pk]),
        {"theme": parking.pk, "action": "add", "next": "/"},
    )
    assert response.status_code == 302
    [event] = events(AuditAction.TAGS_CHANGED)
    assert (event.user, event.object_type, event.object_id) == (
        world.px_a,
        "feedback.comment",
        str(comment.pk),
    )
    assert event.organisation == world.trust_a
    assert event.detail == {"theme": parking.pk, "decision": "add"}


@pytest.mark.parametrize(
    ("name", "export"), [("response_export_csv", "feedback.csv"), ("response_export_xlsx", "feedback.xlsx")]
)
def test_each_feedback_export_is_recorded_with_its_filters(client, world, name, export):
    make_comment(world.service_a, "Kind staff.")
    client.force_login(world.icb_lead)
    response = client.get(reverse(f"feedback:{name}"), {"organisation": "RAA", "date_from": "2026-01-01"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) if response.streaming else response.content
    [event] = events(AuditAction.EXPORT_DOWNLOADED)
    assert event.user == world.icb_lead
    assert event.detail == {"export": export, "filter_organisation": "RAA", "filter_date_from": "2026-01-01"}


def test_the_corrections_download_is_recorded(client, world):
    client.force_login(world.px_a)
    assert client.get(reverse("themes:corrections_export")).status_code == 200
    [event] = events(AuditAction.EXPORT_DOWNLOADED)
    assert event.detail == {"export": "tag-corrections.csv"}


def test_reading_a_response_with_original_comments_is_recorded_for_the_owner_only(client, world):
    comment = make_comment(world.service_a, "Nurse Jane Doe was lovely.")
    url = reverse("feedback:response_detail", args=[comment.response_id])
    client.force_login(world.icb_lead)
    assert client.get(url).status_code == 200
    assert not events(AuditAction.RESPONSE_VIEWED_UNREDACTED)
    client.force_login(world.px_a)
    assert client.get(url).status_code == 200
    [event] = events(AuditAction.RESPONSE_VIEWED_UNREDACTED)
    assert (event.user, event.object_id, event.organisation) == (
        world.px_a,
        str(comment.response_id),
        world.trust_a,
    )


# The audit page.


def test_only_a_system_administrator_reads_the_audit(client, world):
    url = reverse("privacy:audit_list")
    for person in ["px_a", "px_b", "icb_lead", "board_a", "stranger"]:
        client.force_login(world.people()[person])
        assert client.get(url).status_code == 404, person
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(world.admin)
    assert client.get(url).status_code == 200


def test_the_audit_page_has_no_way_to_change_anything(client, world):
    client.force_login(world.admin)
    audit.record(world.px_a, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv")
    assert client.post(reverse("privacy:audit_list"), {"action": "x"}).status_code == 405
    html = client.get(reverse("privacy:audit_list")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert 'method="post"' not in main.lower()


def test_the_audit_page_lists_events_of_the_administrators_ics_only(client, world, story):
    other_icb = OrganisationFactory(kind="icb", ods_code="QYY")
    from insight_hub.organisations.models import ICS

    other_ics = ICS.objects.create(name="Other ICS", icb=other_icb)
    other_trust = OrganisationFactory(ods_code="RCC", ics=other_ics, icb=other_icb)
    outsider = MembershipFactory(organisation=other_trust, role="px_lead").user
    audit.record(world.px_a, AuditAction.STORY_VIEWED_UNREDACTED, story, page="detail")
    audit.record(world.icb_lead, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv")  # no organisation
    audit.record(outsider, AuditAction.EXPORT_DOWNLOADED, organisation=other_trust, export="feedback.csv")
    audit.record(outsider, AuditAction.EXPORT_DOWNLOADED, export="feedback.xlsx")
    client.force_login(world.admin)
    page = client.get(reverse("privacy:audit_list"))
    shown = {event.pk for event in page.context["page_obj"].object_list}
    assert shown == set(
        AuditEvent.objects.filter(user__in=[world.px_a, world.icb_lead]).values_list("pk", flat=True)
    )
    assert outsider.email not in page.content.decode()
    assert_no_personal_text_in_audit()


def test_the_audit_page_filters_by_person_action_and_date(client, world, story):
    read = audit.record(world.px_a, AuditAction.STORY_VIEWED_UNREDACTED, story, page="detail")
    export = audit.record(
        world.icb_lead, AuditAction.EXPORT_DOWNLOADED, organisation=world.trust_a, export="feedback.csv"
    )
    client.force_login(world.admin)
    url = reverse("privacy:audit_list")

    def shown(**params):
        page = client.get(url, params)
        assert page.status_code == 200
        return {event.pk for event in page.context["page_obj"].object_list}

    assert {read.pk, export.pk} <= shown()
    by_px_a = shown(user=world.px_a.email.upper())
    assert read.pk in by_px_a and export.pk not in by_px_a
    assert shown(action=AuditAction.EXPORT_DOWNLOADED) == {export.pk}
    today = timezone.localdate()
    assert {read.pk, export.pk} <= shown(date_from=today.isoformat(), date_to=today.isoformat())
    assert shown(date_to=(today - datetime.timedelta(days=1)).isoformat()) == set()
    page = client.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The end date must be on or after the start date" in page.content.decode()


def test_the_audit_page_is_paginated(client, world, story):
    AuditEvent.objects.bulk_create(
        AuditEvent(user=world.px_a, action=AuditAction.STORY_VIEWED_UNREDACTED, organisation=world.trust_a)
        for _ in range(120)
    )
    client.force_login(world.admin)
    first = client.get(reverse("privacy:audit_list"))
    assert len(first.context["page_obj"].object_list) == 50
    assert first.context["page_obj"].paginator.num_pages == 3
    last = client.get(
        reverse("privacy:audit_list"), {"page": 3, "action": AuditAction.STORY_VIEWED_UNREDACTED}
    )
    assert len(last.context["page_obj"].object_list) >= 20
    assert "action=story.viewed_unredacted" in last.content.decode()
