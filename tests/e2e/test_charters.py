"""The system administrator co-designs a two-commitment charter with partners (who took part, an event, a
comment and what changed), is refused adoption while a commitment has no owner, then adopts it and sees
evidence under each commitment: an FFT trend and consented stories tagged with its themes. The ICB lead
records a review with an action. The public page shows the adopted charter and no personal data. axe-core
passes on every charter page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from charters.models import Charter, Review
from dashboards import rollups
from insight_hub.periods import Period
from insight_hub.themes.models import Theme
from stories.models import StoryTag
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, ResponseFactory, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAITING = "Timeliness of care"


def _months_ago(n: int) -> dt.datetime:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(month.replace(day=3), dt.time(10)))


def _story(world, org, px, title, narrative, theme, sentiment):
    story = StoryFactory(
        organisation=org,
        status="shared",
        user=px,
        title=title,
        narrative=narrative,
        occurred_on=_months_ago(1).date().replace(day=1),  # the default evidence period ends with last month
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment=sentiment)
    return story


def _data(world) -> tuple[Theme, Theme]:
    waiting = Theme.objects.get(taxonomy__is_default=True, ics__isnull=True, name=WAITING)
    other = (
        Theme.objects.filter(taxonomy__is_default=True, ics__isnull=True)
        .exclude(pk=waiting.pk)
        .order_by("pk")
        .first()
    )
    for months_ago in range(6):
        for score in (1, 1, 1, 2, 2, 4, 5):
            ResponseFactory(service=world.service_a, fft_score=score, responded_at=_months_ago(months_ago))
            ResponseFactory(service=world.service_b, fft_score=score, responded_at=_months_ago(months_ago))
    _story(
        world,
        world.trust_a,
        world.px_a,
        "Told how long",
        "They told us we would wait two hours, and we did.",
        waiting,
        "positive",
    )
    _story(
        world,
        world.trust_b,
        world.px_b,
        "Nine hours",
        "We waited nine hours and nobody told us why.",
        waiting,
        "negative",
    )
    _story(
        world,
        world.trust_a,
        world.px_a,
        "Kind words",
        "The reception team were patient with my mother.",
        other,
        "positive",
    )
    _story(
        world,
        world.trust_a,
        world.px_a,
        "Ignored",
        "Nobody on reception looked up when we arrived.",
        other,
        "negative",
    )
    private = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Not shared",
        narrative="A draft nobody else may read.",
    )
    StoryTag.objects.filter(story=private).delete()
    StoryTag.objects.create(story=private, theme=waiting, sentiment="negative")
    rollups.rebuild_all()
    return waiting, other


def _theme_label(theme) -> str:
    return f"{theme.category}: {theme.name}"


def _add_commitment(page, charter_id, *, text, owner, theme, metric, target=""):
    page.goto(f"/charters/{charter_id}/commitments/new/")
    assert_accessible(page)
    page.get_by_label("Commitment", exact=True).fill(text)
    page.get_by_label("Category").select_option(label="Access and waiting")
    if owner:
        page.get_by_label("Named owner").select_option(label=owner.get_full_name())
    page.get_by_label(_theme_label(theme), exact=True).check()
    page.get_by_label(metric, exact=True).check()
    if target:
        page.get_by_label("Target FFT % positive").fill(target)
    page.get_by_role("button", name="Save the commitment").click()
    page.wait_for_url(f"**/charters/{charter_id}/")


def test_a_charter_is_co_designed_adopted_evidenced_reviewed_and_published(page, world, browser, live_server):
    waiting, other = _data(world)

    # --- The system administrator starts the charter -----------------------------------------------
    sign_in(page, world.admin.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Charters", exact=True).first.click()
    page.wait_for_url("**/charters/")
    assert_accessible(page)
    page.get_by_role("link", name="Start a new charter").click()
    page.get_by_role("button", name="Start the charter").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Title").fill("Kent waits charter")
    page.get_by_label("Plain-language summary").fill(
        "What you can expect from every NHS service in the county."
    )
    page.get_by_role("button", name="Start the charter").click()
    page.wait_for_url(re.compile(r".*/charters/\d+/$"))
    charter_id = Charter.objects.get(title="Kent waits charter").pk
    assert_accessible(page)

    _add_commitment(
        page,
        charter_id,
        text="We will tell you how long you are likely to wait.",
        owner=world.icb_lead,
        theme=waiting,
        metric="FFT % positive across the ICS",
        target="85",
    )
    _add_commitment(
        page,
        charter_id,
        text="We will greet you when you arrive.",
        owner=None,
        theme=other,
        metric=f"FFT % positive: {world.trust_a.display_name}",
    )
    assert page.get_by_text("No named owner: the charter cannot be adopted").first.is_visible()
    assert_accessible(page)

    # --- Co-design: who took part, an event, a comment, what changed --------------------------------
    page.get_by_role("link", name=re.compile("How this charter was co-designed")).click()
    page.wait_for_url(f"**/charters/{charter_id}/co-design/")
    assert_accessible(page)
    page.get_by_text("Add who took part").click()
    page.get_by_label("Name of the group or organisation").fill("Healthwatch Kent")
    page.get_by_label("Kind").select_option(label="Healthwatch")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(f"**/charters/{charter_id}/co-design/")
    page.get_by_text("Record an event").click()
    page.get_by_label("Event").fill("Workshop in Maidstone")
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Number of people reached").fill("42")
    page.get_by_role("button", name="Record the event").click()
    page.wait_for_url(f"**/charters/{charter_id}/co-design/")
    assert page.get_by_text("42 people reached").is_visible()
    page.get_by_role("link", name="Record a comment on commitment 1").click()
    assert_accessible(page)
    page.get_by_label("What they said").fill("Tell us the wait when we arrive, not an apology later.")
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("From").select_option(label="Healthwatch Kent")
    page.get_by_role("button", name="Record the comment").click()
    page.wait_for_url(f"**/charters/{charter_id}/co-design/")
    assert page.get_by_text("Tell us the wait when we arrive").is_visible()
    assert_accessible(page)

    # --- Adoption is refused while commitment 2 has no owner ----------------------------------------
    page.goto(f"/charters/{charter_id}/")
    page.get_by_role("button", name="Open the consultation").click()
    page.wait_for_url(f"**/charters/{charter_id}/")
    page.get_by_role("button", name="Adopt this charter").click()
    page.wait_for_url(f"**/charters/{charter_id}/")
    assert page.get_by_text(
        re.compile(r"Commitment 2 \(“We will greet you when you arrive.”\) has no named owner")
    ).first.is_visible()
    assert Charter.objects.get(pk=charter_id).status == "consultation"

    page.get_by_role("link", name="Change commitment 2").click()
    assert_accessible(page)
    page.get_by_label("Named owner").select_option(label=world.icb_lead.get_full_name())
    page.get_by_label("No change was possible").check()
    page.get_by_label("Note for the people who commented").fill(
        "We cannot staff every door, so we start with the emergency departments."
    )
    page.get_by_role("button", name="Save the commitment").click()
    page.wait_for_url(f"**/charters/{charter_id}/")
    page.get_by_role("button", name="Adopt this charter").click()
    page.wait_for_url(f"**/charters/{charter_id}/")
    assert page.get_by_text("Version 1 adopted").is_visible()

    # --- Evidence under each commitment: a metric trend and tagged stories ---------------------------
    first = page.locator("section.app-commitment", has_text="We will tell you how long")
    second = page.locator("section.app-commitment", has_text="We will greet you")
    assert first.get_by_role("heading", name="FFT % positive across the ICS, by month").is_visible()
    assert first.get_by_text("They told us we would wait two hours").is_visible()
    assert first.get_by_text("We waited nine hours and nobody told us why").is_visible()
    assert second.get_by_role(
        "heading", name=f"FFT % positive: {world.trust_a.display_name}, by month"
    ).is_visible()
    assert second.get_by_text("The reception team were patient").is_visible()
    assert second.get_by_text("Nobody on reception looked up").is_visible()
    assert page.get_by_text("A draft nobody else may read").count() == 0
    page.locator("[data-chart] svg").first.wait_for()
    assert_accessible(page)
    public_url = page.get_by_role("link", name="Public page").get_attribute("href")
    page.goto(f"/charters/{charter_id}/edit/")
    assert page.get_by_text("saving starts a new draft version").is_visible()
    assert_accessible(page)
    page.goto("/charters/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/**")

    # --- The owner records a review with an action ---------------------------------------------------
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/charters/{charter_id}/")
    page.get_by_role("link", name="Commitment 1: evidence and reviews").click()
    page.wait_for_url("**/charters/commitments/**")
    assert_accessible(page)
    page.get_by_role("link", name="Record a review").click()
    assert_accessible(page)
    page.get_by_label("At risk").check()
    page.get_by_label("What the evidence shows").fill(
        "Most people are told their wait; some still wait hours unseen."
    )
    action = page.locator("fieldset", has_text="Action 1")
    action.get_by_label("What will change").fill(
        "Show the expected wait on screens in every emergency department"
    )
    action.get_by_label("Owner").select_option(label=world.px_a.get_full_name())
    due = today + dt.timedelta(days=60)
    action.get_by_label("Day").fill(str(due.day))
    action.get_by_label("Month").fill(str(due.month))
    action.get_by_label("Year").fill(str(due.year))
    action.get_by_label("Where").select_option(label=world.trust_a.display_name)
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(re.compile(r".*/charters/commitments/\d+/$"))
    assert page.get_by_text("Most people are told their wait").is_visible()
    assert page.get_by_text("Show the expected wait on screens").is_visible()
    # The evidence period: htmx swaps the evidence only, and the chart is drawn again.
    page.get_by_label("Evidence period").select_option("3")
    page.get_by_role("button", name="Show evidence").click()
    page.wait_for_url("**months=3**")
    assert (
        page.locator("#evidence-body")
        .get_by_text(f"Evidence for {Period.complete_months(3).label}")
        .is_visible()
    )
    page.locator("#evidence-body [data-chart] svg").first.wait_for()
    review = Review.objects.get()
    assert review.status == "at_risk" and review.evidence["metrics"][0]["target"] == 85.0
    assert_accessible(page)

    # --- The public page: the adopted charter, no sign-in, no personal data --------------------------
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    public = context.new_page()
    public.goto(public_url)
    assert public.get_by_role("heading", name="Kent waits charter", level=1).is_visible()
    assert public.get_by_text("We will tell you how long you are likely to wait.").is_visible()
    assert public.get_by_text("Healthwatch Kent").is_visible()
    assert public.get_by_text("We cannot staff every door").is_visible()
    body = public.content()
    for person in (world.icb_lead, world.admin, world.px_a, world.px_b):
        assert person.email not in body
        assert person.get_full_name() not in body
    for private_text in (
        "They told us we would wait",
        "nine hours",
        "Tell us the wait when we arrive",
        "Most people are told",
    ):
        assert private_text not in body
    assert_accessible(public)
    context.close()
    assert not [e for e in page.console_errors if "favicon" not in e]
