"""Access matrix: feedback. Staff pages read through the person's scope; anyone it is not theirs to read or
change gets 404 (a board member reads dashboards and reports, not responses or their exports; a trust's
uploaded file is read and imported by its own px_leads only). The public form and its thanks page need no
sign-in and are reached by a service's unguessable id."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from feedback import services
from feedback.importers import services as import_services
from feedback.importers.forms import location_field
from tests.access.matrix import NOT_FOUND, OK, ORIGINAL_MARKER, REDIRECT, Route, expect
from tests.themes.conftest import make_comment

CSV = b"date,location_1,question_1,fft_score\n2025-03-01,{service},Lovely staff,1\n"


def setup(world) -> dict:
    objects = {}
    for key, org, service, px in [
        ("a", world.trust_a, world.service_a, world.px_a),
        ("b", world.trust_b, world.service_b, world.px_b),
    ]:
        comment = make_comment(service, f"Kind staff on the ward. Call me on {ORIGINAL_MARKER}.")
        # Flagged by its own trust's px_lead, so that it is in the complex comments queue.
        services.comment_flag_set(user=px, comment=comment, kind="interesting", flagged=True)
        objects[f"comment_{key}"] = comment
        objects[f"response_{key}"] = comment.response
        objects[f"survey_{key}"] = services.fft_survey_for(organisation=org).survey
        local = services.survey_create(
            organisation=org,
            name="Discharge",
            questions=[services.QuestionSpec(kind="rating", text="How ready did you feel?", required=True)],
            created_by=px,
        )
        services.survey_publish(survey=local)
        objects[f"local_survey_{key}"] = local
        objects[f"batch_{key}"] = import_services.import_upload(
            user=px,
            organisation=org,
            uploaded_file=SimpleUploadedFile("a.csv", CSV.replace(b"{service}", service.name.encode())),
        )
        # A file whose location is none of the trust's services: its location step has a question to ask.
        objects[f"elsewhere_batch_{key}"] = import_services.import_upload(
            user=px,
            organisation=org,
            uploaded_file=SimpleUploadedFile("b.csv", CSV.replace(b"{service}", b"Elm Lodge Surgery")),
        )
    return objects


def both(name, a, b, *, object_key, attribute="pk", kwarg=None, **route):
    """One Route for trust A's object and one for trust B's."""

    def url_args(key):
        def get(o):
            value = getattr(getattr(o, f"{object_key}_{key}"), attribute)
            return {kwarg: value} if kwarg else [value]

        return get

    return [
        Route(
            name,
            a,
            **{"kwargs" if kwarg else "args": url_args("a")},
            label=f"trust A's {object_key}",
            **route,
        ),
        Route(
            name,
            b,
            **{"kwargs" if kwarg else "args": url_args("b")},
            label=f"trust B's {object_key}",
            **route,
        ),
    ]


def services_of(key):
    return lambda o: [getattr(o.world, f"service_{key}").pk]


# Who sees trust A's records at all: its px_lead and board, and the ICS's readers; likewise for trust B.
SEES_A = expect(NOT_FOUND, px_a=OK, board_a=OK, icb_lead=OK, admin=OK)
SEES_B = expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK)
# Who reads trust A's responses: as above, without the board.
READS_A = expect(NOT_FOUND, px_a=OK, icb_lead=OK, admin=OK)
# Who changes trust A's set-up (surveys, posters): its px_lead and the ICS's system administrator.
EDITS_A = expect(NOT_FOUND, px_a=OK, admin=OK)
EDITS_B = expect(NOT_FOUND, px_b=OK, admin=OK)
# Who works with trust A's uploaded file: its own px_lead only.
OWN_A = expect(NOT_FOUND, px_a=OK)
OWN_B = expect(NOT_FOUND, px_b=OK)
PUBLIC = expect(OK, anonymous=OK)
EVERYONE = expect(OK)
RECORD_READERS = expect(OK, board_a=NOT_FOUND)

ROUTES = [
    Route("feedback:response_list", RECORD_READERS),
    Route("feedback:response_list", RECORD_READERS, headers={"HX-Request": "true"}, label="htmx results"),
    *both("feedback:response_detail", READS_A, SEES_B, object_key="response"),
    Route("feedback:response_export_csv", RECORD_READERS),
    Route("feedback:response_export_xlsx", RECORD_READERS),
    # Complex and interesting comments: the records' readers (not a board member); a flag only on a comment
    # the person reads (without htmx, the button goes back to the queue).
    Route("feedback:complex_comments", RECORD_READERS),
    Route("feedback:complex_comments", RECORD_READERS, headers={"HX-Request": "true"}, label="htmx results"),
    Route("feedback:complex_comments", RECORD_READERS, data={"reason": "interesting"}, label="flagged"),
    Route("feedback:complex_comments_csv", RECORD_READERS),
    *both(
        "feedback:comment_flag",
        expect(NOT_FOUND, px_a=REDIRECT, icb_lead=REDIRECT, admin=REDIRECT),
        expect(NOT_FOUND, px_b=REDIRECT, icb_lead=REDIRECT, admin=REDIRECT),
        object_key="comment",
        method="POST",
        data={"kind": "wrongly_coded"},
    ),
    Route("feedback:service_feedback", SEES_A, args=services_of("a"), label="trust A's service"),
    Route("feedback:service_feedback", SEES_B, args=services_of("b"), label="trust B's service"),
    Route("feedback:service_poster", EDITS_A, args=services_of("a"), label="trust A's service"),
    Route("feedback:service_poster", EDITS_B, args=services_of("b"), label="trust B's service"),
    Route("feedback:survey_list", EVERYONE),
    Route("feedback:survey_create", EDITS_A, args=lambda o: [o.world.trust_a.ods_code], label="trust A"),
    Route("feedback:survey_create", EDITS_B, args=lambda o: [o.world.trust_b.ods_code], label="trust B"),
    Route(
        "feedback:fft_survey_setup",
        expect(NOT_FOUND, px_a=REDIRECT, admin=REDIRECT),
        method="POST",
        args=lambda o: [o.world.trust_a.ods_code],
        label="trust A",
    ),
    Route(
        "feedback:fft_survey_setup",
        expect(NOT_FOUND, px_b=REDIRECT, admin=REDIRECT),
        method="POST",
        args=lambda o: [o.world.trust_b.ods_code],
        label="trust B",
    ),
    *both("feedback:survey_detail", SEES_A, SEES_B, object_key="survey"),
    *both("feedback:survey_edit", EDITS_A, EDITS_B, object_key="survey"),
    *both(
        "feedback:survey_publish",
        expect(NOT_FOUND, px_a=REDIRECT, admin=REDIRECT),
        expect(NOT_FOUND, px_b=REDIRECT, admin=REDIRECT),
        object_key="survey",
        method="POST",
    ),
    # Imports: a trust's file is its own px_leads' (it holds patients' original words); NHS England's
    # workbooks: the ICB's leads and administrators.
    Route("feedback:imports:list", EVERYONE),
    Route("feedback:imports:upload", expect(NOT_FOUND, px_a=OK, px_b=OK)),
    Route("feedback:imports:nhse_upload", expect(NOT_FOUND, icb_lead=OK, admin=OK)),
    *[
        route
        for name in ["detail", "mapping", "values", "preview", "errors", "mapping_json"]
        for route in both(
            f"feedback:imports:{name}",
            OWN_A,
            OWN_B,
            object_key="batch",
            attribute="uid",
            kwarg="uid",
        )
    ],
    # The location step (which services the file's unknown locations are): the trust's own px_leads; their
    # choice is saved (and a new service added only when the import is confirmed).
    *both(
        "feedback:imports:locations",
        OWN_A,
        OWN_B,
        object_key="elsewhere_batch",
        attribute="uid",
        kwarg="uid",
    ),
    *both(
        "feedback:imports:locations",
        expect(NOT_FOUND, px_a=REDIRECT),
        expect(NOT_FOUND, px_b=REDIRECT),
        object_key="elsewhere_batch",
        attribute="uid",
        kwarg="uid",
        method="POST",
        data={
            "fft_setting": "gp",
            f"location_{location_field('Elm Lodge Surgery')}": "new",
            f"name_{location_field('Elm Lodge Surgery')}": "Elm Lodge Surgery",
        },
    ),
    # Starting the import (the preview's POST): the trust's own px_lead only.
    *both(
        "feedback:imports:preview",
        expect(NOT_FOUND, px_a=REDIRECT),
        expect(NOT_FOUND, px_b=REDIRECT),
        object_key="batch",
        attribute="uid",
        kwarg="uid",
        method="POST",
    ),
    # Public pages: anyone, signed in or not.
    Route(
        "feedback:public_form",
        PUBLIC,
        args=lambda o: [o.world.service_a.public_id],
        label="trust A's service",
    ),
    Route(
        "feedback:public_form_easy_read",
        PUBLIC,
        args=lambda o: [o.world.service_b.public_id],
        label="trust B's service",
    ),
    Route(
        "feedback:public_survey_form",
        PUBLIC,
        args=lambda o: [o.world.service_a.public_id, o.local_survey_a.pk],
        label="trust A's published local survey",
    ),
    Route(
        "feedback:public_survey_form",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        args=lambda o: [o.world.service_a.public_id, o.local_survey_b.pk],
        label="trust B's survey through trust A's service",
    ),
    Route(
        "feedback:public_thanks",
        PUBLIC,
        args=lambda o: [o.world.service_a.public_id],
        label="trust A's service",
    ),
]

ROUTES += [
    # The typed short address on a poster: public, and a redirect to the service's form.
    Route(
        "short_link",
        expect(REDIRECT, anonymous=REDIRECT),
        args=lambda o: [o.world.service_a.short_code],
        label="trust A's service",
    ),
]
