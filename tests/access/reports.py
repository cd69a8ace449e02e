"""Access matrix: board reports. A trust's report is read by its own people (px_lead, board) and the ICS's
(ICB lead, system administrator); a whole-ICS report by the ICS's people only. Reports are made by the ICB
lead (the ICS or any organisation in it) and a trust's px_lead (their own); board members and administrators
read but do not make them (404 on the form). A report's files stop being handed out (410) once a story they
quote has its consent withdrawn."""

from __future__ import annotations

from django.utils import timezone

from dashboards.reports.models import BoardReport, ReportFile, ReportStatus
from dashboards.reports.selectors import month_choices
from stories.services import story_consent_withdraw
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Route, expect
from tests.factories import StoryFactory


def _report(world, organisation) -> BoardReport:
    month = month_choices()[1][0]
    report = BoardReport.objects.create(
        ics=world.ics,
        organisation=organisation,
        period_first=month,
        period_last=month,
        status=ReportStatus.DONE,
        requested_by=world.icb_lead,
    )
    for fmt in ("pdf", "xlsx", "csv"):
        ReportFile.objects.create(report=report, format=fmt, content=b"x", size=1)
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
]
