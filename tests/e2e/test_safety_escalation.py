"""A safety concern reaches people, in a real browser and through a real SMTP server: a px lead names the
trust's safety lead and deputy and logs a story that the tagger flags with a concern; the periodic alert task
(what celery beat sends every minute) emails the lead; nobody answers, so it escalates to the deputy and then
to the ICB's lead, who sees the concern (not the story, which was never shared) and gives it to the trust's
colleague; the colleague records the response. Every step is in the audit, and no email carries a word of
the story."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from insight_hub.privacy.models import AuditAction, AuditEvent
from stories.models import SafetyStage, Story
from stories.tasks import send_safety_alerts
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Left on the floor after a fall"
NARRATIVE = (
    "My mother Margaret Okafor fell on the ward at night and lay on the floor for an hour. "
    "Call me on 07700 900321. The night staff said they were too busy to help her up."
)
PATIENT_WORDS = ["Margaret", "Okafor", "07700 900321", "on the floor", TITLE, "too busy"]


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/**")


def _beat_runs(*, working_days_later: int = 0) -> dict:
    """Celery beat's minute: the alert task, after the concern has waited so many days."""
    if working_days_later:
        # Two calendar weeks hold at least `working_days_later` working days, bank holidays included.
        earlier = timezone.now() - datetime.timedelta(days=7 * working_days_later)
        Story.objects.filter(safety_closed_at__isnull=True).update(safety_routed_at=earlier)
    return send_safety_alerts.apply().get()


def _email_to(smtp_server, person) -> str:
    [message] = smtp_server.messages_to(person.email)
    text = smtp_server.text_of(message)
    for words in PATIENT_WORDS:
        assert words.lower() not in text.lower(), f"an email carries patient text: {words!r}"
    return text


def test_a_concern_goes_lead_deputy_icb_lead_who_reassigns_and_the_response_closes_it(
    page, world, smtp_server
):
    world.px_a.first_name, world.px_a.last_name = "Asha", "Lead"
    world.px_a_colleague.first_name, world.px_a_colleague.last_name = "Dev", "Deputy"
    for person in (world.px_a, world.px_a_colleague):
        person.save()

    # The trust names its safety lead and deputy.
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/awaiting-response/")
    page.get_by_label("Safety lead").select_option(label="Asha Lead")
    page.get_by_label("Deputy").select_option(label="Dev Deputy")
    page.get_by_role("button", name="Name safety lead and deputy").click()
    page.get_by_text("Safety lead and deputy for").wait_for()
    assert_accessible(page)

    # A story is logged (a draft, never shared with the ICS) and a concern flagged on it.
    today = timezone.localdate()
    page.goto("/stories/new/")
    page.get_by_label("Organisation").select_option(label=world.trust_a.display_name)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("The story", exact=True).fill(NARRATIVE)
    page.get_by_label("Carer").check()
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("How the story reached you").select_option("pals")
    page.get_by_label(world.service_a.name).check()
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r".*/stories/\d+/$"))
    story = Story.objects.get()
    # The tagger reads the fall and the hour on the floor as a safety signal and flags the story itself.
    page.reload()
    main = page.locator("main").inner_text()
    assert "Safety concern awaiting a response" in main and "flagged by the tagger" in main.lower()
    assert_accessible(page)
    _sign_out(page)

    # Within the beat period the lead is emailed: a link, no patient text.
    assert _beat_runs() == {"flagged": 0, "escalated": 0, "alerted": 1}
    assert f"/stories/{story.pk}/" in _email_to(smtp_server, world.px_a)

    # Nobody answers: after the working days it goes to the deputy, then to the ICB's lead.
    assert _beat_runs(working_days_later=2) == {"flagged": 0, "escalated": 1, "alerted": 1}
    assert "deputy" in _email_to(smtp_server, world.px_a_colleague)
    assert _beat_runs(working_days_later=2) == {"flagged": 0, "escalated": 1, "alerted": 1}
    # The draft is not the ICB's to open: the link leads to the list of waiting concerns.
    assert "/stories/awaiting-response/" in _email_to(smtp_server, world.icb_lead)
    story.refresh_from_db()
    assert story.safety_stage == SafetyStage.ICB and story.safety_routed_to == world.icb_lead
    assert _beat_runs(working_days_later=4) == {
        "flagged": 0,
        "escalated": 0,
        "alerted": 0,
    }  # the ICB lead is the last stop

    # The ICB lead sees that the concern waits (its trust, age and stage, not the draft's text) and gives it
    # to the trust's colleague.
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/awaiting-response/")
    main = page.locator("main").inner_text()
    assert f"Concern S{story.pk}" in main and world.trust_a.display_name in main
    for words in PATIENT_WORDS:
        assert words not in main
    assert_accessible(page)
    page.get_by_label("Give this concern to").select_option(label="Dev Deputy")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Concern S{story.pk} at {world.trust_a.display_name} given to Dev Deputy").wait_for()
    assert story.title not in page.locator("main").inner_text()  # an unshared story's title stays the trust's
    assert page.console_errors == []
    assert page.goto(f"/stories/{story.pk}/").status == 404  # the draft itself stays the trust's
    page.console_errors.clear()  # the browser logs that 404, which was asked for
    _sign_out(page)
    assert _beat_runs() == {"flagged": 0, "escalated": 0, "alerted": 1}
    assert "ICB lead has given it to you" in smtp_server.text_of(
        smtp_server.messages_to(world.px_a_colleague.email)[-1]
    )

    # The colleague records the response, which closes the concern.
    sign_in(page, world.px_a_colleague.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/{story.pk}/")
    page.get_by_role("link", name="Respond to the concern").click()
    assert_accessible(page)
    page.get_by_label("Response to the concern").fill("Reviewed with the ward sister; falls checks added.")
    page.get_by_role("button", name=re.compile("Save|Close|Record")).click()
    page.wait_for_url(f"**/stories/{story.pk}/")
    assert "Response by Dev Deputy" in page.locator("main").inner_text()
    page.goto("/stories/awaiting-response/")
    assert "No safety concern is waiting for a response." in page.locator("main").inner_text()

    steps = list(
        AuditEvent.objects.filter(
            object_type="stories.story", object_id=str(story.pk), action__startswith="safety."
        )
        .order_by("pk")
        .values_list("action", "user_id")
    )
    assert steps == [
        (AuditAction.SAFETY_FLAGGED, None),  # by the tagger
        (AuditAction.SAFETY_ALERTED, None),
        (AuditAction.SAFETY_ESCALATED, None),
        (AuditAction.SAFETY_ALERTED, None),
        (AuditAction.SAFETY_ESCALATED, None),
        (AuditAction.SAFETY_ALERTED, None),
        (AuditAction.SAFETY_ASSIGNED, world.icb_lead.pk),
        (AuditAction.SAFETY_ALERTED, None),
        (AuditAction.SAFETY_RESPONDED, world.px_a_colleague.pk),
    ]
    assert page.console_errors == []
