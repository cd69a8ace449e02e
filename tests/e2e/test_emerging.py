"""In a browser: an ICB lead reads this month's emerging themes, accepts one, and the next tagging puts the
new local theme on the texts it matches. Every page passes axe-core."""

import pytest
from django.conf import settings

from feedback.models import CommentTag
from insight_hub.themes import emerging, services
from insight_hub.themes.ml import load_tagger
from insight_hub.themes.models import CandidateStatus
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.themes.conftest import make_comment
from tests.themes.test_emerging import OTHERS, WIFI

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LABEL = "feedback.comment"


def test_an_icb_lead_accepts_an_emerging_theme_and_it_appears_on_the_next_tagging(page, world):
    tagger = load_tagger()
    comments = [make_comment(world.service_a, text, "could_improve") for text in WIFI + OTHERS]
    services.items_tag(label=LABEL, ids=[c.pk for c in comments], tagger=tagger)
    [candidate] = [c for c in emerging.themes_discover(ics=world.ics, tagger=tagger) if "wifi" in c.phrases]

    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.goto("/themes/emerging/")
    main = page.locator("main")
    assert "Candidates waiting for a decision" in main.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name=candidate.name).click()
    page.wait_for_url(f"**/themes/emerging/{candidate.pk}/")
    assert "wifi" in main.inner_text().lower() and "Example sentences (redacted)" in main.inner_text()
    assert_accessible(page)
    page.get_by_label("Name of the theme").fill("Wifi for patients")
    page.get_by_role("button", name="Accept as a local theme").click()
    page.wait_for_url(f"**/themes/emerging/{candidate.pk}/")
    assert "Wifi for patients is now a local theme" in main.inner_text()
    assert "accept" in main.inner_text()
    assert_accessible(page)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED

    # With Redis the re-tag waits for a worker: do here what the worker's tasks do (eagerly run already).
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        emerging.local_theme_retag(theme_id=candidate.theme_id)
        services.items_tag(label=LABEL, ids=[c.pk for c in comments], tagger=tagger)
    wifi_comment = comments[0]
    assert CommentTag.objects.filter(comment=wifi_comment, theme=candidate.theme).exists()
    page.goto(f"/themes/review/{LABEL}/{wifi_comment.pk}/")
    assert "Wifi for patients" in page.locator("main").inner_text()
    assert_accessible(page)
    assert page.console_errors == []
