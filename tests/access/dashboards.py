"""Access matrix: dashboards. The system view, pathways and "who owns what" are the ICS's (ICB lead,
system administrator); a trust's dashboard is read by its own people and the ICS's; a configured dashboard is
the ICS's, and once published, also read by the people of the organisations it covers."""

from __future__ import annotations

from dashboards import rollups
from dashboards.models import Dashboard, DashboardStatus, Tile
from insight_hub.themes.models import Theme
from stories.models import StoryTag
from tests.access.matrix import NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.factories import PathwayFactory, StoryFactory


def setup(world) -> dict:
    published = Dashboard.objects.create(
        ics=world.ics,
        title="Trust A",
        scope_kind="organisations",
        status=DashboardStatus.PUBLISHED,
        owner=world.icb_lead,
    )
    published.organisations.set([world.trust_a])
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    # A shared story of each trust whose original holds the marker, tagged with the tile's theme, so that the
    # quotes every dashboard shows are checked: redacted text only, for everyone.
    for org, px in ((world.trust_a, world.px_a), (world.trust_b, world.px_b)):
        story = StoryFactory(
            organisation=org,
            user=px,
            status="shared",
            title=f"Waiting, {ORIGINAL_MARKER}",
            narrative=f"We waited hours. Call me on {ORIGINAL_MARKER} about it.",
        )
        StoryTag.objects.filter(story=story).delete()
        StoryTag.objects.create(story=story, theme=theme, sentiment="negative")
    rollups.rebuild_all()
    return {
        "draft": Dashboard.objects.create(ics=world.ics, title="Draft"),
        "published": published,
        "tile": Tile.objects.create(dashboard=published, kind="theme", theme=theme),
        "theme": theme,
        "pathway": PathwayFactory(ics=world.ics),
    }


ICS_READERS = expect(NOT_FOUND, icb_lead=OK, admin=OK)
ICS_WRITERS_POST = expect(NOT_FOUND, icb_lead=REDIRECT, admin=REDIRECT)
EVERYONE = expect(OK)
TRUST_A = expect(NOT_FOUND, px_a=OK, board_a=OK, icb_lead=OK, admin=OK)
TRUST_B = expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK)

ROUTES = [
    Route("dashboards:index", EVERYONE),
    Route("dashboards:system", ICS_READERS),
    Route("dashboards:system", ICS_READERS, headers={"HX-Request": "true"}, label="htmx body"),
    # The funnel plots' theme chooser: the same pages with ?funnel_theme=, swapped in over htmx.
    Route(
        "dashboards:system",
        ICS_READERS,
        data=lambda o: {"funnel_theme": o.theme.pk, "months": "24"},
        headers={"HX-Request": "true"},
        label="funnel theme chooser",
    ),
    Route(
        "dashboards:organisation",
        TRUST_A,
        args=lambda o: [o.world.trust_a.ods_code],
        data=lambda o: {"funnel_theme": o.theme.pk},
        label="trust A, funnel theme chooser",
    ),
    Route("dashboards:equality", EVERYONE),
    Route("dashboards:owners", ICS_READERS),
    Route("dashboards:organisation", TRUST_A, args=lambda o: [o.world.trust_a.ods_code], label="trust A"),
    Route("dashboards:organisation", TRUST_B, args=lambda o: [o.world.trust_b.ods_code], label="trust B"),
    Route(
        "dashboards:organisation",
        expect(NOT_FOUND),
        args=lambda o: [o.world.icb.ods_code],
        label="the ICB itself",
    ),
    Route(
        "dashboards:service",
        TRUST_A,
        args=lambda o: [o.world.trust_a.ods_code, o.world.service_a.public_id],
        label="trust A's service",
    ),
    Route(
        "dashboards:service",
        TRUST_B,
        args=lambda o: [o.world.trust_b.ods_code, o.world.service_b.public_id],
        label="trust B's service",
    ),
    Route("dashboards:pathway", ICS_READERS, args=lambda o: [o.pathway.pk]),
    Route("dashboards:theme", EVERYONE, args=lambda o: [o.theme.pk]),
    Route("dashboards:create", ICS_READERS),
    Route("dashboards:detail", ICS_READERS, args=lambda o: [o.draft.pk], label="a draft"),
    Route("dashboards:detail", TRUST_A, args=lambda o: [o.published.pk], label="published, covering trust A"),
    Route("dashboards:edit", ICS_READERS, args=lambda o: [o.draft.pk]),
    Route("dashboards:export_csv", ICS_READERS, args=lambda o: [o.draft.pk], label="a draft"),
    Route(
        "dashboards:export_csv", TRUST_A, args=lambda o: [o.published.pk], label="published, covering trust A"
    ),
    Route("dashboards:publish", ICS_WRITERS_POST, method="POST", args=lambda o: [o.draft.pk]),
    Route(
        "dashboards:tile_add",
        ICS_WRITERS_POST,
        method="POST",
        args=lambda o: [o.published.pk],
        data=lambda o: {"kind": "theme", "theme": o.theme.pk},
    ),
    Route(
        "dashboards:tile_remove", ICS_WRITERS_POST, method="POST", args=lambda o: [o.published.pk, o.tile.pk]
    ),
]
