"""Access matrix: charters. Charters belong to an ICS: everyone in it reads them (trust people included),
the system administrator sets them up and co-designs them, ICB leads record reviews, an action's owner marks
it done. Another ICS's charter does not exist for anyone here. The adopted charter's public page needs no
sign-in; a draft has none."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from charters import services
from dashboards import rollups
from insight_hub.organisations.models import ICS
from insight_hub.periods import Period
from stories.models import StoryTag
from tests.access.matrix import FORBIDDEN, NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.charters.helpers import framework_themes, make_charter
from tests.factories import MembershipFactory, OrganisationFactory, StoryFactory


def _marked_stories(world) -> None:
    """A shared story of each trust, tagged with the first commitment's theme, its original holding the
    marker: evidence quotes it redacted to everyone, and the public page not at all."""
    theme = framework_themes(1)[0]
    for org, px in ((world.trust_a, world.px_a), (world.trust_b, world.px_b)):
        story = StoryFactory(
            organisation=org,
            user=px,
            status="shared",
            title=f"Promise kept, {ORIGINAL_MARKER}",
            narrative=f"They told us the wait. Call me on {ORIGINAL_MARKER} about it.",
        )
        StoryTag.objects.filter(story=story).delete()
        StoryTag.objects.create(story=story, theme=theme, sentiment="positive")
    rollups.rebuild_all()


def setup(world) -> dict:
    _marked_stories(world)
    adopted = make_charter(world, adopt=True, title="Adopted charter")
    commitment = adopted.commitments.get(order=1)
    review = services.review_record(
        commitment=commitment,
        user=world.icb_lead,
        status="on_track",
        narrative="Kept.",
        period=Period.last_months(3),
        actions=[
            {
                "description": "Publish waits",
                "owner": world.px_a,
                "due_on": timezone.localdate() + dt.timedelta(days=30),
            }
        ],
    )
    draft = services.charter_create(ics=world.ics, user=world.admin, title="Draft charter", summary="Draft.")
    draft_commitment = services.commitment_save(
        charter=draft,
        user=world.admin,
        text="We will.",
        category="access",
        owner=world.icb_lead,
        metrics=["ics"],
    )
    # Another ICS, with its own admin and an adopted charter of its own.
    icb = OrganisationFactory(kind="icb", ods_code="QOT")
    other_ics = ICS.objects.create(name="Other ICS", icb=icb)
    icb.ics = other_ics
    icb.save()
    other_lead = MembershipFactory(organisation=icb, role="icb_lead").user
    other_admin = MembershipFactory(organisation=icb, role="system_admin").user
    other = services.charter_create(ics=other_ics, user=other_admin, title="Elsewhere", summary="Elsewhere.")
    services.commitment_save(
        charter=other, user=other_admin, text="We will.", category="access", owner=other_lead, metrics=["ics"]
    )
    other = services.charter_adopt(charter=other, user=other_admin)
    return {
        "adopted": adopted,
        "commitment": commitment,
        "action": review.actions.get(),
        "draft": draft,
        "draft_commitment": draft_commitment,
        "other": other,
        "other_commitment": other.commitments.get(),
    }


EVERYONE = expect(OK)
# Setting a charter up is the system administrator's: everyone else who reads the charter gets 404 there.
ADMIN_ONLY = expect(NOT_FOUND, admin=OK)
ADMIN_POSTS = expect(NOT_FOUND, admin=REDIRECT)
NOBODY = expect(NOT_FOUND)


def _pk(name):
    return lambda o: [getattr(o, name).pk]


ROUTES = [
    Route("charters:list", EVERYONE),
    Route("charters:create", ADMIN_ONLY),
    Route("charters:create", ADMIN_POSTS, method="POST", data={"title": "New", "summary": "New charter."}),
    Route("charters:public", expect(OK, anonymous=OK), args=lambda o: [o.adopted.public_id], label="adopted"),
    Route(
        "charters:public",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        args=lambda o: [o.draft.public_id],
        label="draft",
    ),
    Route(
        "charters:public",
        expect(OK, anonymous=OK),
        args=lambda o: [o.other.public_id],
        label="another ICS's adopted charter (public)",
    ),
    Route(
        "charters:public_current",
        expect(REDIRECT, anonymous=REDIRECT),
        kwargs=lambda o: {"ods_code": o.world.icb.ods_code},
        label="the ICS's adopted charter",
    ),
    Route(
        "charters:public_current",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        kwargs=lambda o: {"ods_code": "QZZ"},
        label="an ICB with no adopted charter",
    ),
    Route("charters:detail", EVERYONE, args=_pk("adopted"), label="adopted"),
    Route("charters:detail", EVERYONE, args=_pk("draft"), label="draft"),
    Route("charters:detail", NOBODY, args=_pk("other"), label="another ICS's charter"),
    Route("charters:edit", ADMIN_ONLY, args=_pk("draft"), label="draft"),
    Route("charters:edit", ADMIN_ONLY, args=_pk("adopted"), label="adopted (saving starts a new version)"),
    Route("charters:edit", NOBODY, args=_pk("other"), label="another ICS's charter"),
    Route("charters:consultation", ADMIN_POSTS, method="POST", args=_pk("draft"), label="draft"),
    Route("charters:consultation", NOBODY, method="POST", args=_pk("other"), label="another ICS's charter"),
    Route("charters:adopt", ADMIN_POSTS, method="POST", args=_pk("draft"), label="draft"),
    Route("charters:adopt", NOBODY, method="POST", args=_pk("other"), label="another ICS's charter"),
    Route("charters:revise", ADMIN_POSTS, method="POST", args=_pk("adopted"), label="adopted"),
    Route("charters:revise", NOBODY, method="POST", args=_pk("other"), label="another ICS's charter"),
    Route("charters:codesign", EVERYONE, args=_pk("draft"), label="draft"),
    Route("charters:codesign", NOBODY, args=_pk("other"), label="another ICS's charter"),
    Route(
        "charters:participant_add",
        ADMIN_POSTS,
        method="POST",
        args=_pk("draft"),
        data={"name": "Healthwatch", "kind": "healthwatch"},
        label="draft",
    ),
    Route(
        "charters:participant_add", NOBODY, method="POST", args=_pk("other"), label="another ICS's charter"
    ),
    Route(
        "charters:event_add",
        ADMIN_POSTS,
        method="POST",
        args=_pk("draft"),
        data={
            "title": "Workshop",
            "held_on_day": "2",
            "held_on_month": "3",
            "held_on_year": "2026",
            "people_reached": "30",
        },
        label="draft",
    ),
    Route("charters:event_add", NOBODY, method="POST", args=_pk("other"), label="another ICS's charter"),
    Route("charters:commitment_create", ADMIN_ONLY, args=_pk("draft"), label="draft"),
    Route("charters:commitment_create", NOBODY, args=_pk("other"), label="another ICS's charter"),
    Route("charters:commitment_detail", EVERYONE, args=_pk("commitment"), label="adopted charter's"),
    Route("charters:commitment_detail", NOBODY, args=_pk("other_commitment"), label="another ICS's"),
    Route(
        "charters:commitment_detail",
        EVERYONE,
        args=_pk("commitment"),
        data={"months": "3"},
        headers={"HX-Request": "true"},
        label="htmx evidence fragment",
    ),
    Route(
        "charters:commitment_detail",
        NOBODY,
        args=_pk("other_commitment"),
        headers={"HX-Request": "true"},
        label="another ICS's, htmx evidence fragment",
    ),
    Route("charters:commitment_edit", ADMIN_ONLY, args=_pk("draft_commitment"), label="draft charter's"),
    Route("charters:commitment_edit", NOBODY, args=_pk("other_commitment"), label="another ICS's"),
    Route(
        "charters:commitment_remove", ADMIN_POSTS, method="POST", args=_pk("draft_commitment"), label="draft"
    ),
    Route(
        "charters:commitment_remove",
        NOBODY,
        method="POST",
        args=_pk("other_commitment"),
        label="another ICS's",
    ),
    Route(
        "charters:commitment_remove",
        ADMIN_POSTS,
        method="POST",
        args=_pk("commitment"),
        label="adopted (refused with a message)",
    ),
    Route("charters:comment_add", ADMIN_ONLY, args=_pk("draft_commitment"), label="draft charter's"),
    Route("charters:comment_add", NOBODY, args=_pk("other_commitment"), label="another ICS's"),
    Route("charters:review_create", expect(NOT_FOUND, icb_lead=OK), args=_pk("commitment"), label="adopted"),
    # The ICB lead reviews, but not a draft's commitment: in reach, refused (403).
    Route(
        "charters:review_create",
        expect(NOT_FOUND, icb_lead=FORBIDDEN),
        args=_pk("draft_commitment"),
        label="draft",
    ),
    Route("charters:review_create", NOBODY, args=_pk("other_commitment"), label="another ICS's"),
    Route(
        "charters:action_done",
        expect(NOT_FOUND, px_a=REDIRECT, icb_lead=REDIRECT),
        method="POST",
        args=_pk("action"),
        label="owned by trust A's px_lead",
    ),
]
