"""Search over stories and comments: only what the person may read, originals only inside their organisation,
ranked and highlighted; saved searches belong to their owner. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.services import comments_redact
from insight_hub.privacy.models import AuditAction, AuditEvent
from insight_hub.search.models import Period, SavedSearch
from insight_hub.search.registry import Criteria
from insight_hub.search.selectors import search
from tests.factories import CommentFactory, ResponseFactory, StoryFactory

PHONE = "07700 900123"


@pytest.fixture
def texts(world):
    shared_a = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Parking at the main entrance",
        narrative=f"The car park was full and the pay machine was broken. Call me on {PHONE}.",
        status="shared",
    )
    draft_b = StoryFactory(
        organisation=world.trust_b,
        user=world.px_b,
        title="A draft about parking",
        narrative="The car park was full every evening.",
    )
    submitted_a = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Waiting room",
        narrative="Four hours in the waiting room with nobody telling us anything.",
        status="submitted",
    )
    comment_a = CommentFactory(
        response=ResponseFactory(service=world.service_a),
        text=f"Receptionist was rude about the car park. Ring {PHONE}.",
    )
    comment_b = CommentFactory(
        response=ResponseFactory(service=world.service_b), text="Lovely staff, but the car park costs a lot."
    )
    comments_redact([comment_a, comment_b])
    return {
        "shared_a": shared_a,
        "draft_b": draft_b,
        "submitted_a": submitted_a,
        "comment_a": comment_a,
        "comment_b": comment_b,
    }


def _found(user, q, **filters):
    page = search(user, Criteria(q=q, **filters))
    return {(r.hit.source, r.hit.pk): r for r in page.results}


def test_an_icb_lead_finds_shared_stories_and_comments_redacted_and_no_drafts(world, texts):
    found = _found(world.icb_lead, '"car park"')
    assert set(found) == {
        ("story", texts["shared_a"].pk),
        ("comment", texts["comment_a"].pk),
        ("comment", texts["comment_b"].pk),
    }
    for result in found.values():
        assert not result.hit.is_original
        assert PHONE not in result.hit.text and PHONE not in result.snippet_html
        assert "<mark>" in result.snippet_html


def test_a_px_lead_finds_their_own_drafts_in_full_and_nothing_of_another_trust_unshared(world, texts):
    found = _found(world.px_b, "parking")
    assert ("story", texts["draft_b"].pk) in found
    assert found[("story", texts["draft_b"].pk)].hit.is_original
    # A px lead's reach is their own trust: trust A's story (shared with the ICS) and comments are not theirs.
    assert ("story", texts["shared_a"].pk) not in found
    assert ("comment", texts["comment_a"].pk) not in _found(world.px_b, "rude")


def test_the_own_trust_reads_its_original_words_highlighted(world, texts):
    found = _found(world.px_a, "rude")
    result = found[("comment", texts["comment_a"].pk)]
    assert result.hit.is_original and PHONE in result.snippet_html
    assert "<mark>rude</mark>" in result.snippet_html


def test_a_board_member_searches_stories_but_not_comments(world, texts):
    found = _found(world.board_a, '"car park"')
    assert set(found) == {("story", texts["shared_a"].pk)}


def test_or_and_exclusions_and_ranking(world, texts):
    either = _found(world.icb_lead, "rude OR lovely")
    assert set(either) == {("comment", texts["comment_a"].pk), ("comment", texts["comment_b"].pk)}
    without = _found(world.icb_lead, '"car park" -rude')
    assert ("comment", texts["comment_a"].pk) not in without
    assert ("comment", texts["comment_b"].pk) in without
    # The story says "parking" in its title and "car park" in its text: a title match ranks first.
    ranked = search(world.px_a, Criteria(q="parking OR park")).results
    assert (ranked[0].hit.source, ranked[0].hit.pk) == ("story", texts["shared_a"].pk)


def test_filters_narrow_the_results(world, texts):
    assert set(_found(world.icb_lead, '"car park"', organisation=world.trust_b)) == {
        ("comment", texts["comment_b"].pk)
    }
    assert set(_found(world.icb_lead, '"car park"', service=world.service_a)) == {
        ("comment", texts["comment_a"].pk)
    }
    assert set(_found(world.icb_lead, '"car park"', sources=("story",))) == {("story", texts["shared_a"].pk)}
    assert _found(world.icb_lead, '"car park"', criticality="critical") == {}


def test_the_search_page_shows_highlights_and_records_originals_in_the_audit(client, world, texts):
    client.force_login(world.px_a)
    response = client.get(reverse("search:search"), {"q": "rude"})
    assert response.status_code == 200
    assert "<mark>rude</mark>" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.RESPONSE_VIEWED_UNREDACTED, user=world.px_a)
    assert event.detail["items"] == [texts["comment_a"].pk]


def test_a_query_that_only_excludes_is_refused_naming_the_field(client, world):
    client.force_login(world.icb_lead)
    response = client.get(reverse("search:search"), {"q": "-parking"})
    assert "Enter at least one word to look for" in response.content.decode()
    assert response.context["page"] is None


def test_a_saved_search_keeps_the_question_and_its_link(client, world, texts):
    client.force_login(world.icb_lead)
    response = client.post(
        reverse("search:saved_create"),
        {"q": '"car park"', "organisation": world.trust_b.pk, "period": "30d", "name": "Parking at B"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=world.icb_lead)
    assert (saved.query, saved.organisation) == ('"car park"', world.trust_b)
    assert saved.period == Period.LAST_30_DAYS
    page = client.get(saved.get_absolute_url())
    assert [(r.hit.source, r.hit.pk) for r in page.context["page"].results] == [
        ("comment", texts["comment_b"].pk)
    ]
    # The same link opened by trust A's px lead: trust B is outside their reach, so the filter is refused
    # (naming the field) and nothing of trust B's is shown.
    client.force_login(world.px_a)
    opened = client.get(saved.get_absolute_url())
    assert opened.context["page"] is None
    assert "organisation" in opened.context["form"].errors
    assert "costs a lot" not in opened.content.decode()


def test_a_saved_search_name_is_unique_per_person(client, world):
    client.force_login(world.icb_lead)
    data = {"q": "parking", "name": "Parking"}
    client.post(reverse("search:saved_create"), data)
    response = client.post(reverse("search:saved_create"), data)
    assert response.status_code == 400
    assert "You already have a saved search with this name" in response.content.decode()


def test_only_its_owner_can_delete_a_saved_search(client, world):
    saved = SavedSearch.objects.create(owner=world.icb_lead, name="Mine", query="parking")
    client.force_login(world.px_a)
    assert client.post(reverse("search:saved_delete", args=[saved.pk])).status_code == 404
    client.force_login(world.icb_lead)
    assert client.post(reverse("search:saved_delete", args=[saved.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def test_saved_search_criteria_follow_today_for_relative_periods(world):
    import datetime as dt

    saved = SavedSearch(owner=world.icb_lead, name="x", query="parking", period=Period.LAST_7_DAYS)
    criteria = saved.criteria(today=dt.date(2026, 3, 10))
    assert (criteria.date_from, criteria.date_to) == (dt.date(2026, 3, 4), dt.date(2026, 3, 10))


def test_markup_in_a_text_is_shown_as_text_around_the_highlight(world):
    comment = CommentFactory(
        response=ResponseFactory(service=world.service_a), text="<b onclick=x>Rude</b> porter <script>"
    )
    comments_redact([comment])
    result = _found(world.icb_lead, "porter")[("comment", comment.pk)]
    assert "<b" not in result.snippet_html and "<script>" not in result.snippet_html
    assert "&lt;script&gt;" in result.snippet_html and "<mark>porter</mark>" in result.snippet_html


@pytest.mark.parametrize(
    "q", ['"', "OR", "- -", "a & b | !c", "nurse:*", "((", '"unclosed phrase', "OR OR kind", "9" * 300]
)
def test_odd_queries_never_fail(world, texts, q):
    search(world.icb_lead, Criteria(q=q))


def test_a_period_with_its_dates_the_wrong_way_round_is_refused_naming_the_field(client, world):
    client.force_login(world.icb_lead)
    response = client.get(
        reverse("search:search"), {"q": "parking", "date_from": "2026-03-01", "date_to": "2026-02-01"}
    )
    assert response.context["form"].errors["date_to"] == [
        "The date to search to must be the same as or after the date from"
    ]
    assert response.context["page"] is None


def test_a_date_that_is_no_date_is_named_once_not_also_as_missing(client, world):
    # 30 February: the field says the date is not valid; "enter a date" as well would contradict it.
    client.force_login(world.icb_lead)
    response = client.get(
        reverse("search:search"), {"q": "nurse", "period": "between", "date_from": "2026-02-30"}
    )
    assert response.context["form"].errors == {"date_from": ["Enter a valid date."]}
    assert response.context["page"] is None


def test_a_period_narrows_by_when_it_happened(world, texts):
    import datetime as dt

    long_ago = dt.date(2000, 1, 1)
    assert _found(world.icb_lead, '"car park"', date_to=long_ago) == {}


def test_the_saved_searches_page_lists_only_the_persons_own(client, world):
    SavedSearch.objects.create(
        owner=world.icb_lead, name="Comments about parking", query="parking", source="comment"
    )
    SavedSearch.objects.create(owner=world.px_a, name="Trust A's own", query="food")
    client.force_login(world.icb_lead)
    body = client.get(reverse("search:saved_list")).content.decode()
    assert "Comments about parking" in body and "Survey comments" in body
    assert "Trust A&#x27;s own" not in body and "Trust A's own" not in body


def test_an_edited_story_is_found_by_its_new_words_and_not_its_old_ones(world, texts):
    from stories.services import story_update

    story = texts["shared_a"]
    story_update(
        story=story,
        title=story.title,
        narrative="The lift to the outpatients clinic was broken for a week.",
        teller=story.teller,
        occurred_on=story.occurred_on,
        occurred_precision=story.occurred_precision,
        source_channel=story.source_channel,
        services=[],
        stages=[],
    )
    assert ("story", story.pk) in _found(world.icb_lead, "outpatients")
    assert ("story", story.pk) not in _found(world.icb_lead, '"pay machine"')


def test_added_since_keeps_only_texts_added_after_a_moment(world, texts):
    """What an alert subscription asks of its saved search: only what is new since its last digest."""
    import datetime as dt

    from django.utils import timezone

    later = timezone.now() + dt.timedelta(minutes=1)
    assert _found(world.icb_lead, '"car park"', added_since=later) == {}
    saved = SavedSearch(owner=world.icb_lead, name="x", query='"car park"')
    assert search(world.icb_lead, saved.criteria(added_since=later)).results == []
    assert len(search(world.icb_lead, saved.criteria()).results) == 3


def test_critical_in_search_is_what_board_reports_count_as_critical(world):
    """A story is critical with a safety concern or criticality 4–5 (`stories.models.CRITICAL_STORY`), as on
    board report page one, section 6, the system view and the digest; not only with a safety concern."""
    from stories.models import Story

    rated = StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Ward rated five", status="shared"
    )
    flagged = StoryFactory(organisation=world.trust_a, user=world.px_a, title="Ward flagged", status="shared")
    mild = StoryFactory(organisation=world.trust_a, user=world.px_a, title="Ward rated two", status="shared")
    unrated = StoryFactory(organisation=world.trust_a, user=world.px_a, title="Ward unrated", status="shared")
    Story.objects.filter(pk=rated.pk).update(criticality=5)  # before the safety pass has flagged it
    Story.objects.filter(pk=flagged.pk).update(safety_concern="safety")
    Story.objects.filter(pk=mild.pk).update(criticality=2)
    critical = _found(world.px_a, "ward", criticality="critical", sources=("story",))
    assert set(critical) == {("story", rated.pk), ("story", flagged.pk)}
    not_critical = _found(world.px_a, "ward", criticality="not_critical", sources=("story",))
    assert set(not_critical) == {("story", mild.pk), ("story", unrated.pk)}
    assert ("Criticality 5 of 5, severely critical", "red") in critical[("story", rated.pk)].hit.labels
