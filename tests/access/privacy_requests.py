"""Access matrix: requests about a person (subject access and erasure). The ICS's system administrator only;
everyone else gets 404, and records of another ICS do not exist even for the administrator. The copy for the
person is the one download that carries original text to the administrator, audited per record."""

from __future__ import annotations

from insight_hub.organisations.models import ICS
from tests.access.matrix import NOT_ALLOWED, NOT_FOUND, OK, ORIGINAL_MARKER, Route, expect
from tests.factories import CommentFactory, OrganisationFactory, ResponseFactory, ServiceFactory, StoryFactory

EMAIL = "sam.teller@example.com"
WORDS = f"Write to {EMAIL} or call {ORIGINAL_MARKER} about my mother's discharge."


def setup(world) -> dict:
    story_a = StoryFactory(organisation=world.trust_a, narrative=WORDS, status="shared")
    draft_b = StoryFactory(organisation=world.trust_b, narrative=WORDS)
    response_a = ResponseFactory(service=world.service_a)
    CommentFactory(response=response_a, text=WORDS)
    icb = OrganisationFactory(kind="icb", ods_code="QZZ")
    ics = ICS.objects.create(name="Another ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trust = OrganisationFactory(ods_code="RZZ", icb=icb, ics=ics)
    elsewhere = StoryFactory(organisation=trust, narrative=WORDS)
    elsewhere_response = ResponseFactory(service=ServiceFactory(organisation=trust))
    CommentFactory(response=elsewhere_response, text=WORDS)
    return {
        "keys": [f"story:{story_a.pk}", f"story:{draft_b.pk}", f"response:{response_a.pk}"],
        "elsewhere": [f"story:{elsewhere.pk}", f"response:{elsewhere_response.pk}"],
    }


ADMIN_ONLY = expect(NOT_FOUND, admin=OK)
POST_ONLY = expect(NOT_FOUND, admin=NOT_ALLOWED)


def _records(o):
    return {"record": o.keys}


def _confirmed(o):
    return {"record": o.keys, "confirm": "yes"}


def _elsewhere(o):
    return {"record": o.elsewhere, "confirm": "yes"}


ROUTES = [
    Route("privacy:subject_find", ADMIN_ONLY),
    Route(
        "privacy:subject_find", ADMIN_ONLY, method="POST", data={"by": "email", "value": EMAIL}, label="email"
    ),
    Route(
        "privacy:subject_find", ADMIN_ONLY, method="POST", data={"by": "name", "value": "x"}, label="bad name"
    ),
]
for _name in ("subject_records", "subject_export", "subject_erase", "subject_anonymise"):
    ROUTES += [
        Route(f"privacy:{_name}", POST_ONLY, label="GET"),
        Route(
            f"privacy:{_name}",
            ADMIN_ONLY,
            method="POST",
            data=_records,
            label="the ICS's records",
            originals=("admin",) if _name == "subject_export" else (),
        ),
        Route(
            f"privacy:{_name}",
            expect(NOT_FOUND),
            method="POST",
            data=_elsewhere,
            label="another ICS's records",
        ),
        Route(
            f"privacy:{_name}",
            expect(NOT_FOUND),
            method="POST",
            data={"record": ["story:x"]},
            label="no record",
        ),
    ]
ROUTES += [
    Route("privacy:subject_erase", ADMIN_ONLY, method="POST", data=_confirmed, label="confirmed"),
    Route("privacy:subject_anonymise", ADMIN_ONLY, method="POST", data=_confirmed, label="confirmed"),
]
