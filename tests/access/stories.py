"""Access matrix: stories. Only the logging organisation's px_lead reaches a story's own pages (originals,
consent, redaction, safety, actions); a shared story is read, redacted, by the ICS's readers and by the board
of its own trust; pathways are set up by the system administrator."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stories import pathway_services, services
from stories.importing import services as import_services
from tests.access.matrix import NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.factories import PathwayFactory, StoryFactory

NARRATIVE = f"The nurses were kind. Call me on {ORIGINAL_MARKER} about the discharge letter."


def setup(world) -> dict:
    # A pathway with a stage at each trust, each trust's shared story placed on it: the journey page lists
    # stories by title (the original to its own trust, the redacted one to everyone else).
    pathway = PathwayFactory(ics=world.ics)
    objects = {"pathway": pathway}
    for key, org, px in [("a", world.trust_a, world.px_a), ("b", world.trust_b, world.px_b)]:
        stage = pathway_services.pathway_stage_add(
            pathway=pathway, name=f"Stage at trust {key}", organisation=org
        )
        story = StoryFactory(
            organisation=org,
            user=px,
            title=f"Story of trust {key}, {ORIGINAL_MARKER}",
            narrative=NARRATIVE,
            status="shared",
            stages=[stage],
        )
        services.story_flag(story=story, user=px, concern="safety")
        objects[f"story_{key}"] = story
        objects[f"draft_{key}"] = StoryFactory(
            organisation=org, user=px, title=f"Draft of trust {key}, {ORIGINAL_MARKER}", narrative=NARRATIVE
        )
        objects[f"action_{key}"] = services.action_create(
            story=story,
            user=px,
            description="Change the signage",
            owner=px,
            due_on=timezone.localdate() + datetime.timedelta(days=30),
        )
        # A change claimed by the trust's px lead, waiting for a colleague's sign-off.
        services.change_claim(
            action=objects[f"action_{key}"], user=px, claim="made", description=f"Signage {ORIGINAL_MARKER}"
        )
        # A file import waiting to start (its consent basis declared), with patients' words in its file.
        upload = SimpleUploadedFile(
            "stories.csv", f"story_id,text\nS1,{NARRATIVE}\nS2,\n".encode(), content_type="text/csv"
        )
        batch = import_services.story_import_upload(user=px, organisation=org, uploaded_file=upload)
        objects[f"import_{key}"] = import_services.story_import_settings_save(
            batch=batch,
            user=px,
            values={},
            defaults={"teller": "patient", "source_channel": "care_opinion", "occurred_on": "2024-03"},
            consent={"internal_learning": True},
            consent_reason="Told to us for learning",
        )
    return objects


def _import_pages(name):
    return [
        Route(name, OWNER_A, kwargs=lambda o: {"uid": o.import_a.uid}, label="trust A's story import"),
        Route(name, OWNER_B, kwargs=lambda o: {"uid": o.import_b.uid}, label="trust B's story import"),
    ]


def _action_args(key):
    return lambda o: [getattr(o, f"story_{key}").pk, getattr(o, f"action_{key}").pk]


# Who reads a shared story (redacted outside its trust): its own px_lead, the ICS's readers, its board.
READS_SHARED_A = expect(NOT_FOUND, px_a=OK, icb_lead=OK, board_a=OK, admin=OK)
READS_SHARED_B = expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK)
OWNER_A = expect(NOT_FOUND, px_a=OK)
OWNER_B = expect(NOT_FOUND, px_b=OK)
PX_LEADS = expect(NOT_FOUND, px_a=OK, px_b=OK)
EVERYONE = expect(OK)
NOT_FOUND_ALL = expect(NOT_FOUND)


def _withdrawal() -> dict:
    today = timezone.localdate()
    return {
        "confirm": "yes",
        "withdraw-withdrawn_on_day": today.day,
        "withdraw-withdrawn_on_month": today.month,
        "withdraw-withdrawn_on_year": today.year,
    }


def _story_pages(name, *, a, b, method="GET", data=None, args=None):
    args = args or (lambda key: lambda o: [getattr(o, f"story_{key}").pk])
    return [
        Route(name, a, args=args("a"), method=method, data=data or {}, label="trust A's story"),
        Route(name, b, args=args("b"), method=method, data=data or {}, label="trust B's story"),
    ]


ROUTES = [
    Route("stories:list", EVERYONE),
    Route("stories:list", EVERYONE, headers={"HX-Request": "true"}, label="htmx results"),
    Route("stories:create", PX_LEADS),
    Route("stories:import", PX_LEADS),
    # The check queue before sharing in bulk: each px lead goes through their own trust's unshared stories
    # (originals on the page: audited); a story is checked, and stories shared, by its own trust's lead only.
    Route("stories:share_check", expect(NOT_FOUND, px_a=OK, px_b=OK)),
    Route(
        "stories:share_check_mark",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        args=lambda o: [o.draft_a.pk],
        data={"decision": "ok"},
        label="trust A's draft",
    ),
    Route(
        "stories:share_check_share",
        expect(NOT_FOUND, px_a=REDIRECT, px_b=REDIRECT),
        method="POST",
    ),
    # The import flow: a trust's file is its own px leads' (it holds patients' original words).
    Route("stories:imports", PX_LEADS),
    Route("stories:import_upload", PX_LEADS),
    *[
        route
        for name in ["detail", "columns", "settings", "preview", "errors", "mapping"]
        for route in _import_pages(f"stories:import_{name}")
    ],
    Route("stories:awaiting", EVERYONE),
    Route(
        "stories:safety_lead_set",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        args=lambda o: [o.world.trust_a.pk],
        data=lambda o: {f"lead-{o.world.trust_a.pk}-user": o.world.px_a.pk},
        label="trust A",
    ),
    Route(
        "stories:safety_lead_set",
        expect(NOT_FOUND, px_b=REDIRECT),
        method="POST",
        args=lambda o: [o.world.trust_b.pk],
        data=lambda o: {f"lead-{o.world.trust_b.pk}-user": o.world.px_b.pk},
        label="trust B",
    ),
    *_story_pages("stories:detail", a=READS_SHARED_A, b=READS_SHARED_B),
    Route("stories:detail", OWNER_A, args=lambda o: [o.draft_a.pk], label="trust A's draft"),
    Route("stories:detail", OWNER_B, args=lambda o: [o.draft_b.pk], label="trust B's draft"),
    *_story_pages("stories:edit", a=OWNER_A, b=OWNER_B),
    *_story_pages(
        "stories:status",
        a=expect(NOT_FOUND, px_a=REDIRECT),
        b=expect(NOT_FOUND, px_b=REDIRECT),
        method="POST",
        data={"status": "submitted"},
    ),
    # Withdrawing (and sharing) is asked about first: the confirmation page, by GET or by a POST without
    # `confirm`; only the owner reaches it.
    *_story_pages("stories:status", a=OWNER_A, b=OWNER_B, data={"status": "withdrawn"}),
    *_story_pages("stories:status", a=OWNER_A, b=OWNER_B, method="POST", data={"status": "withdrawn"}),
    *_story_pages(
        "stories:status",
        a=expect(NOT_FOUND, px_a=REDIRECT),
        b=expect(NOT_FOUND, px_b=REDIRECT),
        method="POST",
        data={"status": "withdrawn", "confirm": "yes"},
    ),
    # No such change from a draft: nothing to confirm.
    Route(
        "stories:status",
        NOT_FOUND_ALL,
        args=lambda o: [o.draft_a.pk],
        data={"status": "shared"},
        label="trust A's draft, to shared",
    ),  # fmt: skip
    *_story_pages("stories:consent", a=OWNER_A, b=OWNER_B),
    *_story_pages("stories:consent_withdraw", a=OWNER_A, b=OWNER_B),
    *_story_pages(
        "stories:consent_withdraw",
        a=expect(NOT_FOUND, px_a=REDIRECT),
        b=expect(NOT_FOUND, px_b=REDIRECT),
        method="POST",
        data=lambda o: _withdrawal(),
    ),
    *_story_pages("stories:redaction", a=OWNER_A, b=OWNER_B),
    *_story_pages("stories:flag", a=OWNER_A, b=OWNER_B),
    *_story_pages("stories:safety_respond", a=OWNER_A, b=OWNER_B),
    # An ICB lead (re)assigns a concern of its ICS; nobody else, not even the trust's own px lead. An empty
    # form is refused with a message (302 back to the list), so the matrix leaves the route unchanged.
    *_story_pages(
        "stories:safety_assign",
        a=expect(NOT_FOUND, icb_lead=REDIRECT),
        b=expect(NOT_FOUND, icb_lead=REDIRECT),
        method="POST",
    ),
    Route(
        "stories:safety_assign",
        expect(NOT_FOUND),
        method="POST",
        args=lambda o: [o.draft_a.pk],
        label="trust A's draft",
    ),
    *_story_pages("stories:teller_response", a=OWNER_A, b=OWNER_B),
    *_story_pages("stories:action_create", a=OWNER_A, b=OWNER_B),
    *_story_pages(
        "stories:action_edit",
        a=OWNER_A,
        b=OWNER_B,
        args=lambda key: lambda o: [getattr(o, f"story_{key}").pk, getattr(o, f"action_{key}").pk],
    ),
    # Change claims: the trust's px leads only. The claimant's own sign-off is refused with a message on
    # the page (200), so the matrix leaves the claim unsigned.
    *_story_pages("stories:change_claim", a=OWNER_A, b=OWNER_B, args=_action_args),
    *_story_pages("stories:change_sign_off", a=OWNER_A, b=OWNER_B, args=_action_args),
    *_story_pages(
        "stories:change_sign_off",
        a=OWNER_A,
        b=OWNER_B,
        args=_action_args,
        method="POST",
        data={"confirm": "yes"},
    ),
    Route("stories:pathway_list", EVERYONE),
    Route("stories:pathway_create", expect(NOT_FOUND, admin=OK)),
    Route("stories:pathway_detail", EVERYONE, args=lambda o: [o.pathway.pk], label="the ICS's pathway"),
    Route(
        "stories:pathway_stage_add",
        expect(NOT_FOUND, admin=OK),
        args=lambda o: [o.pathway.pk],
        label="the ICS's pathway",
    ),
]
