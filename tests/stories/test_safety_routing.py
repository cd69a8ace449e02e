"""Safety routing that reaches people: lead and deputy, one alert email per (story, stage), no patient text,
escalation after working days (bank holidays excluded) to the deputy then the ICB's lead, ICB assignment."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import safety, selectors, services
from stories import tasks as story_tasks
from stories.models import FlagSource, SafetyConcern, SafetyStage, Story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

LONDON = ZoneInfo("Europe/London")
# Thursday 24 December 2026, 10:00: Christmas Day (Fri), the weekend and Boxing Day observed (Mon 28) follow.
CHRISTMAS_EVE = datetime.datetime(2026, 12, 24, 10, 0, tzinfo=LONDON)
# Words of the draft's title and narrative (tests/stories/conftest.py) that no email may carry.
PATIENT_WORDS = ["John Smith", "Long wait", "Dr Patel", "943 476 5919", "07700 900123", "nurses were kind"]


def _flag_at(story, user, at, *, source=FlagSource.PERSON):
    services.story_flag(story=story, user=user, concern=SafetyConcern.SAFETY, source=source)
    Story.objects.filter(pk=story.pk).update(safety_flagged_at=at, safety_routed_at=at)
    story.refresh_from_db()
    return story


def _name_lead_and_deputy(world):
    services.safety_lead_set(
        organisation=world.trust_a, user=world.px_a, deputy=world.px_a_colleague, chosen_by=world.px_a
    )


def _audits(action, story):
    return list(AuditEvent.objects.filter(action=action, object_id=str(story.pk)).order_by("pk"))


# Working days


def test_working_days_skip_weekends_and_englands_bank_holidays():
    assert not safety.is_working_day(datetime.date(2026, 12, 25))  # Christmas Day
    assert not safety.is_working_day(datetime.date(2026, 12, 28))  # Boxing Day, observed on the Monday
    assert not safety.is_working_day(datetime.date(2026, 12, 27))  # Sunday
    assert safety.is_working_day(datetime.date(2026, 12, 29))
    assert safety.add_working_days(CHRISTMAS_EVE, 2) == datetime.datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)
    # From a Friday: Monday and Tuesday.
    friday = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=LONDON)
    assert safety.add_working_days(friday, 2) == datetime.datetime(2026, 12, 8, 16, 30, tzinfo=LONDON)
    # New Year's Day 2027 is a Friday: from Wednesday 30 December, Thursday then Monday 4 January.
    wednesday = datetime.datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)
    assert safety.add_working_days(wednesday, 2) == datetime.datetime(2027, 1, 4, 10, 0, tzinfo=LONDON)


# Lead and deputy


def test_a_trust_names_a_lead_and_a_deputy_who_is_another_of_its_px_leads(world):
    with pytest.raises(ValidationError) as error:
        services.safety_lead_set(
            organisation=world.trust_a, user=world.px_a, deputy=world.px_b, chosen_by=world.px_a
        )
    assert "deputy" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.safety_lead_set(
            organisation=world.trust_a, user=world.px_a, deputy=world.px_a, chosen_by=None
        )
    assert "deputy" in error.value.message_dict
    _name_lead_and_deputy(world)
    choice = selectors.safety_lead_for(world.trust_a)
    assert choice.user == world.px_a and choice.deputy == world.px_a_colleague


def test_the_lead_page_saves_a_deputy_and_names_a_missing_one(client, world):
    client.force_login(world.px_a)
    url = reverse("stories:safety_lead_set", args=[world.trust_a.pk])
    prefix = f"lead-{world.trust_a.pk}"
    response = client.post(url, {f"{prefix}-user": world.px_a.pk}, follow=True)
    assert "Deputy" in response.content.decode()  # the error names the field
    response = client.post(
        url, {f"{prefix}-user": world.px_a.pk, f"{prefix}-deputy": world.px_a.pk}, follow=True
    )
    assert "someone other than the safety lead" in response.content.decode()
    client.post(url, {f"{prefix}-user": world.px_a.pk, f"{prefix}-deputy": world.px_a_colleague.pk})
    assert selectors.safety_lead_for(world.trust_a).deputy == world.px_a_colleague
    html = client.get(reverse("stories:awaiting")).content.decode()
    assert "deputy" in html and escape(world.px_a_colleague.get_full_name()) in html


# Alerts


def test_a_new_concern_emails_its_person_once_with_a_link_and_no_patient_text(
    world, draft, smtp_server, django_capture_on_commit_callbacks
):
    services.story_flag(story=draft, user=world.px_a_colleague, concern=SafetyConcern.SAFETY)
    with django_capture_on_commit_callbacks(execute=True):
        assert safety.send_safety_alerts() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert safety.send_safety_alerts() == 0  # alerted already: not again
    [message] = smtp_server.messages_to(world.px_a.email)
    text = smtp_server.text_of(message)
    assert f"S{draft.pk} at Trust A NHS Foundation Trust" in message["Subject"]
    assert f"/stories/{draft.pk}/" in text
    for words in PATIENT_WORDS:
        assert words not in text and words not in message["Subject"]
    [event] = _audits(AuditAction.SAFETY_ALERTED, draft)
    assert event.user is None and event.detail["stage"] == "lead" and event.detail["to_user"] == world.px_a.pk


def test_a_concern_the_tagger_raised_is_alerted_by_the_periodic_task(
    world, draft, smtp_server, django_capture_on_commit_callbacks
):
    draft.safety_signals = [{"kind": "harm", "text": "fell"}]
    services.story_after_tag(draft)
    assert draft.safety_flag_source == FlagSource.TAGGER
    with django_capture_on_commit_callbacks(execute=True):
        result = story_tasks.send_safety_alerts()
    assert result == {"flagged": 0, "escalated": 0, "alerted": 1}
    [message] = smtp_server.messages_to(world.px_a.email)
    for words in PATIENT_WORDS:
        assert words not in smtp_server.text_of(message)


# Escalation


def test_an_unanswered_concern_goes_to_the_deputy_then_the_icb_lead_in_working_days(
    world, draft, smtp_server, django_capture_on_commit_callbacks
):
    _name_lead_and_deputy(world)
    _flag_at(draft, world.px_a, CHRISTMAS_EVE)
    safety.send_safety_alerts(now=CHRISTMAS_EVE)
    due_deputy = datetime.datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)
    # Christmas Day, the weekend and Boxing Day observed do not count: not yet on Tuesday 29th.
    assert safety.escalate_unanswered(now=due_deputy - datetime.timedelta(minutes=1)) == 0
    assert safety.escalate_unanswered(now=due_deputy) == 1
    draft.refresh_from_db()
    assert draft.safety_routed_to == world.px_a_colleague and draft.safety_stage == SafetyStage.DEPUTY
    with django_capture_on_commit_callbacks(execute=True):
        assert safety.send_safety_alerts(now=due_deputy) == 1
    [to_deputy] = smtp_server.messages_to(world.px_a_colleague.email)
    assert "deputy" in smtp_server.text_of(to_deputy)

    due_icb = datetime.datetime(2027, 1, 4, 10, 0, tzinfo=LONDON)  # New Year's Day is a bank holiday
    assert safety.escalate_unanswered(now=due_icb - datetime.timedelta(minutes=1)) == 0
    assert safety.escalate_unanswered(now=due_icb) == 1
    draft.refresh_from_db()
    assert draft.safety_routed_to == world.icb_lead and draft.safety_stage == SafetyStage.ICB
    with django_capture_on_commit_callbacks(execute=True):
        safety.send_safety_alerts(now=due_icb)
    [to_icb] = smtp_server.messages_to(world.icb_lead.email)
    for words in PATIENT_WORDS:
        assert words not in smtp_server.text_of(to_icb)
    # The ICB's lead is the last stop.
    assert safety.escalate_unanswered(now=due_icb + datetime.timedelta(days=30)) == 0
    stages = [
        (e.detail["from_stage"], e.detail["stage"]) for e in _audits(AuditAction.SAFETY_ESCALATED, draft)
    ]
    assert stages == [("lead", "deputy"), ("deputy", "icb")]


def test_escalation_waits_the_configured_number_of_working_days(world, draft, settings):
    settings.SAFETY_ESCALATE_AFTER_WORKING_DAYS = 1
    _name_lead_and_deputy(world)
    _flag_at(draft, world.px_a, CHRISTMAS_EVE)
    assert safety.escalate_unanswered(now=datetime.datetime(2026, 12, 29, 9, 59, tzinfo=LONDON)) == 0
    assert safety.escalate_unanswered(now=datetime.datetime(2026, 12, 29, 10, 0, tzinfo=LONDON)) == 1


def test_an_answered_concern_does_not_escalate(world, draft):
    _name_lead_and_deputy(world)
    _flag_at(draft, world.px_a, CHRISTMAS_EVE)
    services.story_safety_respond(story=draft, user=world.px_a, response="Reviewed with the ward.")
    assert safety.escalate_unanswered(now=CHRISTMAS_EVE + datetime.timedelta(days=60)) == 0


def test_without_a_deputy_it_goes_straight_to_the_icb_lead(world, draft):
    _flag_at(draft, world.px_a, CHRISTMAS_EVE)
    assert safety.escalate_unanswered(now=datetime.datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)) == 1
    draft.refresh_from_db()
    assert draft.safety_routed_to == world.icb_lead and draft.safety_stage == SafetyStage.ICB


def test_the_awaiting_list_shows_age_in_days_and_stage(client, world, draft):
    _flag_at(draft, world.px_a, timezone.now() - datetime.timedelta(days=5, hours=1))
    client.force_login(world.px_a)
    html = client.get(reverse("stories:awaiting")).content.decode()
    assert "5 days" in html and "Safety lead" in html


# Assignment by the ICB lead


def test_an_icb_lead_assigns_a_concern_and_the_new_person_is_emailed(
    client, world, shared, smtp_server, django_capture_on_commit_callbacks
):
    services.story_flag(story=shared, user=world.px_a, concern=SafetyConcern.SAFETY)
    url = reverse("stories:safety_assign", args=[shared.pk])
    field = f"assign-{shared.pk}-user"
    client.force_login(world.px_a)
    assert client.post(url, {field: world.px_a_colleague.pk}).status_code == 404  # not an ICB lead
    client.force_login(world.icb_lead)
    html = client.get(reverse("stories:awaiting")).content.decode()
    assert url in html  # the form is on the list
    response = client.post(url, {field: world.px_b.pk}, follow=True)  # another trust's lead: refused
    assert response.status_code == 200 and "Give this concern to" in response.content.decode()
    shared.refresh_from_db()
    assert shared.safety_routed_to == world.px_a
    response = client.post(url, {field: world.px_a_colleague.pk}, follow=True)
    assert response.redirect_chain[0][1] == 302
    colleague = world.px_a_colleague.get_full_name()
    told = f"Concern about ‘{shared.redacted_title}’ (S{shared.pk}) given to {colleague}."
    assert escape(told) in response.content.decode()  # the title the ICB lead may read, and the reference
    shared.refresh_from_db()
    assert shared.safety_routed_to == world.px_a_colleague and shared.safety_stage == SafetyStage.ASSIGNED
    detail = client.get(reverse("stories:detail", args=[shared.pk])).content.decode()
    assert f"sent to {escape(world.px_a_colleague.get_full_name())} (Assigned by the ICB)" in detail
    [event] = _audits(AuditAction.SAFETY_ASSIGNED, shared)
    assert event.user == world.icb_lead and event.detail == {
        "from_user": world.px_a.pk,
        "to_user": world.px_a_colleague.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        safety.send_safety_alerts()
    [message] = smtp_server.messages_to(world.px_a_colleague.email)
    assert "ICB lead has given it to you" in smtp_server.text_of(message)
    for words in ["John Smith", "Shared", "Dr Patel"]:
        assert words not in smtp_server.text_of(message)


# The system view: trusts with nobody named


def test_the_system_view_lists_trusts_without_a_safety_lead_or_deputy(client, world):
    gaps = dict(selectors.trusts_without_safety_cover(world.ics))
    assert gaps == {world.trust_a: "safety lead and deputy", world.trust_b: "safety lead and deputy"}
    services.safety_lead_set(organisation=world.trust_b, user=world.px_b, chosen_by=world.px_b)
    _name_lead_and_deputy(world)
    assert dict(selectors.trusts_without_safety_cover(world.ics)) == {world.trust_b: "deputy"}
    # A deputy who stops being a px lead there no longer counts.
    world.px_a_colleague.memberships.all().delete()
    assert selectors.trusts_without_safety_cover(world.ics)[0] == (world.trust_a, "deputy")
    client.force_login(world.icb_lead)
    html = client.get(reverse("dashboards:system")).content.decode()
    assert "Who receives safety concerns" in html
    assert 'Trust B NHS Trust</td><td class="nhsuk-table__cell">Deputy<' in html
    # The htmx swap of the body carries it too.
    html = client.get(reverse("dashboards:system"), HTTP_HX_REQUEST="true").content.decode()
    assert "Who receives safety concerns" in html
