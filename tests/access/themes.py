"""Access matrix: the theme taxonomy and human review of tags. An item's tags are seen by whoever sees the
item (outsiders 404); px_leads and ICB leads review (others 403); reviewers download the corrections."""

from __future__ import annotations

from insight_hub.themes.models import Theme
from tests.access.matrix import NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.factories import StoryFactory
from tests.themes.conftest import make_comment


def setup(world) -> dict:
    return {
        "comment_a": make_comment(
            world.service_a, f"The car park was full. Ring {ORIGINAL_MARKER}.", "could_improve"
        ),
        "comment_b": make_comment(
            world.service_b, f"The car park was full. Ring {ORIGINAL_MARKER}.", "could_improve"
        ),
        "story_a": StoryFactory(
            organisation=world.trust_a, user=world.px_a, narrative=f"Ring {ORIGINAL_MARKER}.", status="shared"
        ),
        "parking": Theme.objects.get(name="Parking"),
    }


def _item(label, key):
    return lambda o: [label, getattr(o, key).pk]


# Tag panels are records: read by the organisation's px_lead and the ICS's ICB lead and administrator, not
# by a board member (who reads dashboards and reports).
SEES_A = expect(NOT_FOUND, px_a=OK, icb_lead=OK, admin=OK)
SEES_B = expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK)
REVIEWERS = expect(NOT_FOUND, px_a=OK, px_b=OK, icb_lead=OK)


def _item_routes(name, a, b, **route):
    return [
        Route(name, a, args=_item("feedback.comment", "comment_a"), label="trust A's comment", **route),
        Route(name, b, args=_item("feedback.comment", "comment_b"), label="trust B's comment", **route),
        Route(name, a, args=_item("stories.story", "story_a"), label="trust A's shared story", **route),
    ]


ROUTES = [
    Route("themes:taxonomy", expect(OK)),
    Route("themes:review_queue", REVIEWERS),
    Route("themes:corrections_export", REVIEWERS),
    *_item_routes("themes:review_item", SEES_A, SEES_B),
    *_item_routes("themes:tag_panel", SEES_A, SEES_B),
    *_item_routes("themes:tag_panel", SEES_A, SEES_B, headers={"HX-Request": "true"}),
    *_item_routes(
        "themes:tag_review",
        expect(NOT_FOUND, px_a=REDIRECT, icb_lead=REDIRECT),
        expect(NOT_FOUND, px_b=REDIRECT, icb_lead=REDIRECT),
        method="POST",
        data=lambda o: {"theme": o.parking.pk, "action": "add", "next": "/"},
    ),
    Route(
        "themes:review_item",
        expect(NOT_FOUND),
        args=lambda o: ["auth.user", o.world.px_a.pk],
        label="not a taggable kind",
    ),
]
