"""Access matrix: search and saved searches. Everyone signed in may search, within their own reach (results
are checked in tests/search/); a px lead reads their own trust's original words there, everyone else redacted
text; a saved search belongs to its owner alone."""

from __future__ import annotations

from feedback.services import comments_redact
from insight_hub.search import alerts
from insight_hub.search.models import SavedSearch
from tests.access.matrix import NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.factories import CommentFactory, ResponseFactory, StoryFactory

TEXT = f"The nurses were kind. Call me on {ORIGINAL_MARKER} about the discharge letter."


def setup(world) -> dict:
    comments = []
    for org, px, service in [
        (world.trust_a, world.px_a, world.service_a),
        (world.trust_b, world.px_b, world.service_b),
    ]:
        StoryFactory(
            organisation=org,
            user=px,
            title=f"Kind nurses, {ORIGINAL_MARKER}",
            narrative=TEXT,
            status="shared",
        )
        StoryFactory(
            organisation=org, user=px, title=f"Draft: kind nurses, {ORIGINAL_MARKER}", narrative=TEXT
        )
        comments.append(CommentFactory(response=ResponseFactory(service=service), text=TEXT))
    comments_redact(comments)
    saved_a = SavedSearch.objects.create(owner=world.px_a, name="Nurses", query="nurses")
    alerts.alert_subscribe(saved=saved_a, user=world.px_a, frequency="daily")
    return {
        "saved_a": saved_a,
        "saved_icb": SavedSearch.objects.create(owner=world.icb_lead, name="Nurses", query="nurses"),
        "alert_off_a": alerts.unsubscribe_path(saved_a).rstrip("/").rsplit("/", 1)[1],
    }


ROUTES = [
    Route("search:search", expect(OK)),
    Route("search:search", expect(OK), data={"q": "nurses"}, label="results"),
    Route(
        "search:search", expect(OK), data={"q": '"discharge letter" OR kind -rude'}, label="web-search syntax"
    ),
    Route(
        "search:search",
        expect(OK),
        data={"q": "nurses"},
        headers={"HX-Request": "true"},
        label="htmx results",
    ),
    Route("search:saved_list", expect(OK)),
    Route(
        "search:saved_create",
        expect(REDIRECT),
        method="POST",
        data={"q": "nurses", "period": "30d", "name": "Kind nurses"},
    ),
    Route(
        "search:saved_delete",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        args=lambda o: [o.saved_a.pk],
        label="px_a's saved search",
    ),
    Route(
        "search:saved_delete",
        expect(NOT_FOUND, icb_lead=REDIRECT),
        method="POST",
        args=lambda o: [o.saved_icb.pk],
        label="the ICB lead's saved search",
    ),
    Route(
        "search:saved_open",
        expect(NOT_FOUND, px_a=REDIRECT),
        args=lambda o: [o.saved_a.pk],
        label="px_a's saved search",
    ),
    # Email alerts on a saved search: its owner alone starts and stops them; the email's signed link stops
    # them without signing in (GET asks; a made-up link is a 404 for everyone).
    Route(
        "search:alert_subscribe",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        args=lambda o: [o.saved_a.pk],
        data={"frequency": "soon"},
        label="px_a's saved search",
    ),
    Route(
        "search:alert_unsubscribe",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        args=lambda o: [o.saved_a.pk],
        label="px_a's saved search",
    ),
    Route("search:alert_off", expect(OK, anonymous=OK), args=lambda o: [o.alert_off_a], label="px_a's link"),
    Route(
        "search:alert_off",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        args=lambda o: ["made-up"],
        label="a made-up link",
    ),
]
