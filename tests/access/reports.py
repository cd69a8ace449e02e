"""Access matrix: board reports. A trust's report is read by its own people (px_lead, board) and the ICS's
(ICB lead, system administrator); a whole-ICS report by the ICS's people only. Reports are made by the ICB
lead (the ICS or any organisation in it) and a trust's px_lead (their own); board members and administrators
read but do not make them (404 on the form). A report's files stop being handed out (410) once a story they
quote has its consent withdrawn."""

from __future__ import annotations

from django.utils import timezone

from dashboards.reports import signoff
from dashboards.reports.models import BoardReport, ReportFile, ReportSection, ReportStatus, SignOff
from dashboards.reports.owners import section_owners
from dashboards.reports.selectors import month_choices
from stories.services import story_consent_withdraw
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Route, expect
from tests.factories import StoryFactory


def _report(world, organisation, *, signoff_state=SignOff.RELEASED, by=None) -> BoardReport:
    month = month_choices()[1][0]
    report = BoardReport.objects.create(
        ics=world.ics,
        organisation=organisation,
        period_first=month,
        period_last=month,
        status=ReportStatus.DONE,
        requested_by=by or world.icb_lead,
        signoff=signoff_state,
    )
    for fmt in ("pdf", "xlsx", "csv"):
        ReportFile.objects.create(report=report, format=fmt, content=b"x", size=1)
    signoff.sections_record(report, section_owners(world.ics, organisation, requested_by=report.requested_by))
    if signoff_state != SignOff.DRAFT:
        ReportSection.objects.filter(report=report).update(
            approved_by=report.requested_by, approved_at=timezone.now()
        )
    return report


def _quoting_a_withdrawn_story(world) -> BoardReport:
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared")
    report = _report(world, world.trust_a)
    report.quoted_story_ids = [story.pk]
    report.save(update_fields=["quoted_story_ids"])
    story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=timezone.localdate())
    return report


def setup(world) -> dict:
    return {
        "report_a": _report(world, world.trust_a),
        "report_b": _report(world, world.trust_b),
        "report_ics": _report(world, None),
        "report_withdrawn": _quoting_a_withdrawn_story(world),
        # Made by the trusts' px leads, who own every section (no dashboard or safety lead named).
        "draft_a": _report(world, world.trust_a, signoff_state=SignOff.DRAFT, by=world.px_a),
        "draft_b": _report(world, world.trust_b, signoff_state=SignOff.DRAFT, by=world.px_b),
        "draft_ics": _report(world, None, signoff_state=SignOff.DRAFT),
        "approved_a": _report(world, world.trust_a, signoff_state=SignOff.APPROVED, by=world.px_a),
    }


def _ask(scope):
    def data(o):
        month = month_choices()[1][0]
        key = f"ics-{o.world.ics.pk}" if scope == "ics" else getattr(o.world, scope).ods_code
        return {"scope": key, "first_month": month, "last_month": month, "quote_count": 3}

    return data


TRUST_A = expect(NOT_FOUND, px_a=OK, board_a=OK, icb_lead=OK, admin=OK)
TRUST_B = expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK)
ICS = expect(NOT_FOUND, icb_lead=OK, admin=OK)
GONE_A = expect(NOT_FOUND, px_a=410, board_a=410, icb_lead=410, admin=410)
MAKERS = expect(OK, board_a=NOT_FOUND, admin=NOT_FOUND)
# A draft: read by the people who make and sign off reports, not by the board.
DRAFT_A = expect(NOT_FOUND, px_a=OK, icb_lead=OK, admin=OK)
ONLY_PX_A = expect(NOT_FOUND, px_a=OK)
CONFIRM = {"confirm": "yes"}


def _section(name, key):
    return lambda o: {"uid": getattr(o, name).uid, "key": key}


def _uid(name):
    return lambda o: {"uid": getattr(o, name).uid}


def _file(name, fmt):
    return lambda o: {"uid": getattr(o, name).uid, "fmt": fmt}


ROUTES = [
    Route("reports:list", expect(OK)),
    Route("reports:new", MAKERS),
    Route("reports:new", MAKERS, data=_ask("trust_a"), label="trust A's stories to choose"),
    # A POST for a scope out of the person's reach is an invalid choice: the form again (200), nothing made.
    Route(
        "reports:new",
        expect(OK, px_a=REDIRECT, icb_lead=REDIRECT, board_a=NOT_FOUND, admin=NOT_FOUND),
        method="POST",
        data=_ask("trust_a"),
        label="make trust A's report",
    ),
    Route(
        "reports:new",
        expect(OK, icb_lead=REDIRECT, board_a=NOT_FOUND, admin=NOT_FOUND),
        method="POST",
        data=_ask("ics"),
        label="make the ICS's report",
    ),
    Route("reports:detail", TRUST_A, kwargs=_uid("report_a"), label="trust A's report"),
    Route("reports:detail", TRUST_B, kwargs=_uid("report_b"), label="trust B's report"),
    Route("reports:detail", ICS, kwargs=_uid("report_ics"), label="the ICS's report"),
    Route(
        "reports:detail",
        TRUST_A,
        kwargs=_uid("report_a"),
        headers={"HX-Request": "true"},
        label="trust A's report, progress fragment",
    ),
    Route(
        "reports:detail",
        ICS,
        kwargs=_uid("report_ics"),
        headers={"HX-Request": "true"},
        label="the ICS's report, progress fragment",
    ),
    Route("reports:download", TRUST_A, kwargs=_file("report_a", "pdf"), label="trust A's PDF"),
    Route("reports:download", TRUST_A, kwargs=_file("report_a", "xlsx"), label="trust A's XLSX"),
    Route("reports:download", TRUST_B, kwargs=_file("report_b", "csv"), label="trust B's CSV"),
    Route("reports:download", ICS, kwargs=_file("report_ics", "pdf"), label="the ICS's PDF"),
    Route(
        "reports:detail",
        TRUST_A,
        kwargs=_uid("report_withdrawn"),
        label="trust A's, quoting a withdrawn story",
    ),
    Route(
        "reports:download", GONE_A, kwargs=_file("report_withdrawn", "pdf"), label="quoting a withdrawn story"
    ),
    Route(
        "reports:download",
        GONE_A,
        kwargs=_file("report_withdrawn", "xlsx"),
        label="quoting a withdrawn story",
    ),
    # Sign-off. A board member reads a report only once released: drafts and approved reports are 404.
    Route("reports:detail", DRAFT_A, kwargs=_uid("draft_a"), label="trust A's draft"),
    Route(
        "reports:detail",
        expect(NOT_FOUND, px_b=OK, icb_lead=OK, admin=OK),
        kwargs=_uid("draft_b"),
        label="trust B's draft",
    ),
    Route("reports:detail", ICS, kwargs=_uid("draft_ics"), label="the ICS's draft"),
    Route("reports:detail", DRAFT_A, kwargs=_uid("approved_a"), label="trust A's, approved, not released"),
    Route("reports:download", DRAFT_A, kwargs=_file("draft_a", "pdf"), label="trust A's draft PDF"),
    Route("reports:download", DRAFT_A, kwargs=_file("approved_a", "pdf"), label="trust A's approved PDF"),
    # Approving a section: its owner (here the report's owner too); anyone else 404, the board included.
    Route("reports:approve", ONLY_PX_A, kwargs=_section("draft_a", "fft"), label="trust A's draft, FFT"),
    Route(
        "reports:approve",
        expect(NOT_FOUND, px_b=OK),
        kwargs=_section("draft_b", "stories"),
        label="trust B's draft, stories",
    ),
    Route(
        "reports:approve",
        expect(NOT_FOUND, icb_lead=OK),
        kwargs=_section("draft_ics", "commitments"),
        label="the ICS's draft, commitments",
    ),
    Route(
        "reports:approve", expect(NOT_FOUND), kwargs=_section("draft_a", "nosuch"), label="an unknown section"
    ),
    Route(
        "reports:approve",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        data=CONFIRM,
        kwargs=_section("draft_a", "actions"),
        label="trust A's draft, approve actions",
    ),
    # Already approved: its owner is sent back to the report with a message.
    Route(
        "reports:approve",
        expect(NOT_FOUND, px_a=REDIRECT),
        kwargs=_section("approved_a", "fft"),
        label="trust A's approved report",
    ),
    # Releasing: the report's owner only; a draft sends them back to the report with a message.
    Route("reports:release", ONLY_PX_A, kwargs=_uid("approved_a"), label="trust A's approved report"),
    Route(
        "reports:release", expect(NOT_FOUND, px_a=REDIRECT), kwargs=_uid("draft_a"), label="trust A's draft"
    ),
    Route(
        "reports:release",
        expect(NOT_FOUND, icb_lead=REDIRECT),
        kwargs=_uid("report_b"),
        label="trust B's, released already",
    ),
    Route(
        "reports:release",
        expect(NOT_FOUND, px_a=REDIRECT),
        method="POST",
        data=CONFIRM,
        kwargs=_uid("approved_a"),
        label="release trust A's approved report",
    ),
    # Making a report again after a withdrawal: whoever may make a report of its scope.
    Route(
        "reports:regenerate",
        expect(NOT_FOUND, px_a=OK, icb_lead=OK),
        kwargs=_uid("report_withdrawn"),
        label="trust A's, quoting a withdrawn story",
    ),
    Route(
        "reports:regenerate",
        expect(NOT_FOUND, px_a=REDIRECT, icb_lead=REDIRECT),
        method="POST",
        data=CONFIRM,
        kwargs=_uid("report_withdrawn"),
        label="remake trust A's, quoting a withdrawn story",
    ),
    Route(
        "reports:regenerate",
        expect(NOT_FOUND, px_b=REDIRECT, icb_lead=REDIRECT),
        kwargs=_uid("report_b"),
        label="trust B's, nothing withdrawn",
    ),
    Route(
        "reports:regenerate",
        expect(NOT_FOUND, icb_lead=REDIRECT),
        kwargs=_uid("draft_ics"),
        label="the ICS's draft, nothing withdrawn",
    ),
]
