"""Generating a board report: the PDF's sections, owners, quotes and balance statement; the workbook's sums
against the roll-ups; withdrawal; audit; expiry."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboards.models import FFTMonthly, ThemeMonthly
from dashboards.reports import services
from dashboards.reports import stories as report_stories
from dashboards.reports.models import BoardReport, ReportFile, ReportStatus
from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import services as story_services
from stories.models import Story
from tests.reports.conftest import Data, make_story, previous_months


@pytest.fixture
def request_report(django_capture_on_commit_callbacks):
    """Ask for a report as a view does; the generation task queued on commit runs (eagerly) at once."""

    def make(world, data, **kwargs) -> BoardReport:
        with django_capture_on_commit_callbacks(execute=True):
            report = _request(world, data, **kwargs)
        report.refresh_from_db()
        return report

    return make


def _request(world, data, *, user=None, organisation="a", chosen=None, quote_count=5) -> BoardReport:
    return services.report_request(
        user=user or world.px_a,
        ics=world.ics,
        organisation=world.trust_a if organisation == "a" else None,
        first=data.period.first,
        last=data.period.last,
        quote_count=quote_count,
        chosen_story_ids=chosen,
    )


def pdf_text(report) -> str:
    content = bytes(ReportFile.objects.get(report=report, format="pdf").content)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def workbook(report):
    return load_workbook(io.BytesIO(bytes(ReportFile.objects.get(report=report, format="xlsx").content)))


def test_the_pdf_has_every_section_its_owners_and_quotes_with_references(world, data, request_report):
    report = request_report(world, data)
    assert report.status == ReportStatus.DONE, report.message
    text = pdf_text(report)
    for heading in (
        "Board report: Trust A NHS Foundation Trust",
        "1. Friends and Family Test",
        "2. Themes most praised and most criticised",
        "3. Patient stories",
        "4. Charter commitments",
        "5. Actions and their owners",
        "6. Responses and changes made",
        "7. Data sources and suppression notes",
    ):
        assert heading in text
    # A trust's report is owned by the trust's people: no dashboard of trust A and no safety lead named, so
    # its px lead who asked for it owns each section; the ICB's lead is shown where the ICB owns (charter).
    lead = world.px_a.get_full_name()
    assert text.count(f"Section owner: {lead}, patient-experience lead, Trust A NHS Foundation Trust") == 6
    icb = world.icb_lead.get_full_name()
    assert text.count(f"ICB owner: {icb}, patient-experience lead, Testshire ICS (owns the charter)") == 1
    # Default selection follows the mix: 2 critical, 2 negative, 1 positive of 5.
    quoted = Story.objects.filter(pk__in=report.quoted_story_ids)
    assert len(report.quoted_story_ids) == 5
    assert sum(1 for s in quoted if s.safety_concern) == 2
    for story in quoted:
        reference = f"S{story.pk} · Trust A NHS Foundation Trust · {story.occurred_on:%B %Y}"
        assert reference in text
        assert story.redacted_title in text
    assert "consent to an anonymised quote in board reports, recorded" in text
    # Balanced: the mix is printed, the warning is not.
    assert "This report includes" not in text
    assert "Stories collected in the period: 10, of which fewer than 5 critical (*)" in text  # 4 of 10
    # Themes ranked by share: Timeliness (7 of 10 negative) most criticised, Staff manner (7 of 7) praised.
    criticised = text[text.index("Most criticised") : text.index("3. Patient stories")]
    praised = text[text.index("Most praised") : text.index("Most criticised")]
    # 7 negative of 10: the other 3 would be 10 - 7, a small count, so the 7 and its 70% are starred.
    assert "Timeliness of care * * 10" in criticised and "70%" not in criticised
    assert "Staff manner & personal attributes 7 100%" in praised
    # Timeliness's 3 positive of 10 cannot be shown: it is not ranked among the praised (it was, as "* *").
    assert "Timeliness" not in praised
    assert "Staff manner" not in criticised
    # Under the trend, a key says in plain words what * and a month's grey dash mean.
    assert "Key: * means a number is not shown: it is under 5" in criticised
    assert "A short grey dash instead of a bar: that month's number is not shown" in criticised
    assert "No adopted charter." in text
    # The SPC chart reaches back 24 months; the 22 before the period had no answers, and the caption says so.
    assert "22 months have no responses." in text


def test_a_selection_without_critical_stories_is_declared_on_the_first_page_and_audited(
    world, data, request_report
):
    positives = [data.stories[f"positive{i}"].pk for i in range(3)]
    report = request_report(world, data, chosen=positives)
    assert report.under_represented
    reader = PdfReader(io.BytesIO(bytes(ReportFile.objects.get(report=report, format="pdf").content)))
    first_page = " ".join(reader.pages[0].extract_text().split())
    # 4 critical stories of 10: a count under 5, so neither it nor its share (40%) is printed.
    assert (
        "This report includes 0% critical stories; fewer than 5 critical stories were collected in the "
        "period (the exact number is suppressed)" in first_page
    )
    assert "40%" not in first_page
    event = AuditEvent.objects.get(action=AuditAction.REPORT_GENERATED, object_id=str(report.pk))
    assert event.user == world.px_a
    assert event.detail["selection"] == "custom"
    assert event.detail["selection_chosen_by"] == world.px_a.pk
    assert event.detail["critical_under_represented"] is True
    default = report_stories.default_selection([world.trust_a.pk], data.period, 5)
    assert sorted(event.detail["left_out_story_ids"]) == sorted(pk for pk in default if pk not in positives)
    assert event.organisation == world.trust_a


def test_a_gap_that_chance_explains_is_not_declared(world, data, request_report):
    # 1 critical of 4 quoted = 25%, against 40% collected: P(at most 1 of 4) = 0.475, not significant.
    chosen = [data.stories["critical0"].pk] + [data.stories[f"positive{i}"].pk for i in range(3)]
    report = request_report(world, data, chosen=chosen)
    assert not report.under_represented
    assert "This report includes" not in pdf_text(report)


def test_the_workbook_sums_match_the_rollups(world, data, request_report):
    report = request_report(world, data)
    book = workbook(report)
    assert {
        "Summary",
        "FFT by month",
        "SPC % positive",
        "Themes",
        "Stories quoted",
        "Balance",
        "Actions",
    } <= set(book.sheetnames)
    sheet = book["FFT by month"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    rollup = FFTMonthly.objects.filter(
        organisation=world.trust_a, month__gte=data.period.first, month__lte=data.period.last
    ).aggregate(*(Sum(f) for f in ("very_good", "good", "neither", "poor", "very_poor", "dont_know")))
    months = [f"{m:%Y-%m}" for m in data.period.months]
    for label, name in zip(
        header[1:7], ("very_good", "good", "neither", "poor", "very_poor", "dont_know"), strict=True
    ):
        column = header.index(label)
        assert sum(rows[m][column] for m in months) == rollup[f"{name}__sum"] == 10
        assert rows["Period"][column] == rollup[f"{name}__sum"]
    assert rows["Period"][header.index("Total")] == 60
    assert rows["Period"][header.index("% positive")] == 33  # 20 of 60
    themes = {r[0]: r for r in book["Themes"].iter_rows(min_row=2, values_only=True)}
    theme_rollup = ThemeMonthly.objects.filter(
        organisation=world.trust_a, month__gte=data.period.first, month__lte=data.period.last,
        theme__name="Timeliness of care",
    ).aggregate(n=Sum("count"))["n"]  # fmt: skip
    assert themes["Timeliness of care"][4] == theme_rollup == 10  # 2 stories, 8 comments
    balance = {r[0]: r for r in book["Balance"].iter_rows(min_row=2, values_only=True)}
    assert balance["All"][1:] == (10, 5)


def test_the_csv_holds_the_aggregates(world, data, request_report):
    report = request_report(world, data)
    text = bytes(ReportFile.objects.get(report=report, format="csv").content).decode("utf-8-sig")
    assert text.startswith("section,item,measure,value")
    assert f"FFT by month,{data.period.first:%Y-%m},Very good,5" in text
    assert "FFT by month,Period,Total,60" in text
    assert "narrative" not in text  # aggregates, no story text


def test_a_story_withdrawn_before_generation_is_not_quoted(world, data, request_report):
    story = data.stories["positive0"]
    chosen = [story.pk, data.stories["critical0"].pk]
    story_services.story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=timezone.localdate())
    report = request_report(world, data, chosen=chosen)
    assert report.quoted_story_ids == [data.stories["critical0"].pk]
    text = pdf_text(report)
    assert f"S{story.pk} ·" not in text
    assert story.redacted_title not in text
    # Withdrawn stories are not counted as collected either.
    assert report.stories_collected == 9


def test_the_ics_report_covers_both_trusts(world, data, request_report):
    report = request_report(world, data, user=world.icb_lead, organisation=None)
    assert report.status == ReportStatus.DONE, report.message
    text = pdf_text(report)
    assert "Board report: Testshire ICS" in text
    assert "By organisation" in text and "Trust B NHS Trust" in text
    rows = {r[0]: r for r in workbook(report)["FFT by month"].iter_rows(min_row=2, values_only=True)}
    assert rows["Period"][7] == 72  # 60 in trust A, 12 in trust B


def test_expired_reports_lose_their_files(world, data, request_report):
    report = request_report(world, data)
    assert services.reports_expire() == 0
    later = report.expires_at + dt.timedelta(seconds=1)
    assert services.reports_expire(now=later) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPIRED
    assert not ReportFile.objects.filter(report=report).exists()


def test_allocation_follows_the_mix():
    allocate = report_stories.allocate_by_stratum
    assert allocate({"critical": 4, "negative": 3, "neutral": 0, "positive": 3}, 5) == {
        "critical": 2, "negative": 2, "neutral": 0, "positive": 1,
    }  # fmt: skip
    assert allocate({"critical": 0, "negative": 0, "neutral": 0, "positive": 0}, 5)["positive"] == 0
    assert sum(allocate({"critical": 1, "negative": 1, "neutral": 1, "positive": 97}, 6).values()) == 6


def test_commitments_and_actions_are_listed_with_their_owners(world, data, request_report):
    from charters import services as charter_services
    from tests.charters.helpers import make_charter

    charter = make_charter(world, adopt=True, title="Testshire patient charter")
    charter.adopted_at = timezone.now() - dt.timedelta(days=150)
    charter.save()
    first = charter.commitments.order_by("order").first()
    charter_services.review_record(
        commitment=first,
        user=world.icb_lead,
        status="at_risk",
        narrative="Waits are getting longer.",
        period=data.period,
        reviewed_on=data.period.last + dt.timedelta(days=2),
        actions=[
            {
                "description": "Text people their waiting time",
                "owner": world.px_a,
                "due_on": data.period.last + dt.timedelta(days=20),
                "organisation": world.trust_a,
            }
        ],
    )
    story_services.action_create(
        story=data.stories["negative0"],
        user=world.px_a,
        description="Answer call bells within five minutes",
        owner=world.px_a_colleague,
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    report = request_report(world, data)
    text = pdf_text(report)
    commitments = text[text.index("4. Charter commitments") : text.index("5. Actions and their owners")]
    assert "Testshire patient charter: We will keep promise 1." in commitments
    assert world.icb_lead.get_full_name() in commitments  # the commitment's owner
    assert "At risk" in commitments and "Waits are getting longer." in commitments
    assert f"Action: Text people their waiting time (owner {world.px_a.get_full_name()}" in commitments
    # A commitment never reviewed since adoption 150 days ago is past its review date, and says so.
    unreviewed = charter.commitments.order_by("order")[1]
    due = unreviewed.next_review_due()
    assert due < timezone.localdate()
    assert f"{due:%-d %b %Y} (overdue)" in commitments
    assert commitments.count("(overdue)") == sum(
        1 for c in charter.commitments.all() if c.next_review_due() < timezone.localdate()
    )
    actions = text[text.index("5. Actions and their owners") : text.index("6. Responses and changes made")]
    assert "Answer call bells within five minutes" in actions
    assert world.px_a_colleague.get_full_name() in actions
    assert f"S{data.stories['negative0'].pk}" in actions
    sheet = workbook(report)["Charter commitments"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:5] == (
        "Testshire patient charter", "We will keep promise 1.", first.get_category_display(),
        world.icb_lead.get_full_name(), "At risk",
    )  # fmt: skip


def _trust_dashboard(world, owner):
    from dashboards.models import Dashboard, DashboardStatus

    dashboard = Dashboard.objects.create(
        ics=world.ics, title="Trust A experience", scope_kind="organisations",
        status=DashboardStatus.PUBLISHED, owner=owner,
    )  # fmt: skip
    dashboard.organisations.set([world.trust_a])


def test_a_trust_report_is_owned_by_the_trusts_named_people(world, data, request_report):
    from stories.models import SafetyLead
    from tests.factories import MembershipFactory

    # A px lead of trust A owns its dashboard; another is its named safety lead.
    owner = MembershipFactory(organisation=world.trust_a, role="px_lead", user__first_name="Priya",
                              user__last_name="Shah").user  # fmt: skip
    _trust_dashboard(world, owner)
    SafetyLead.objects.create(organisation=world.trust_a, user=world.px_a_colleague)
    text = pdf_text(request_report(world, data))
    trust = "Trust A NHS Foundation Trust"
    assert text.count(f"Section owner: Priya Shah, owner of the dashboard “Trust A experience”, {trust}") == 2
    assert text.count(f"Section owner: {world.px_a_colleague.get_full_name()}, safety lead, {trust}") == 1
    # Commitments, actions, and responses and changes made: the trust's px lead who asked for it; the ICB's
    # lead shown for the charter.
    assert text.count(f"Section owner: {world.px_a.get_full_name()}, patient-experience lead, {trust}") == 3
    assert "ICB owner: " in text
    assert f"Section owner: {world.icb_lead.get_full_name()}" not in text


def test_a_trust_dashboard_owned_at_the_icb_shows_the_icb_owner_beside_the_trusts(
    world, data, request_report
):
    _trust_dashboard(world, world.icb_lead)
    text = pdf_text(request_report(world, data))
    icb = world.icb_lead.get_full_name()
    assert text.count(f"ICB owner: {icb}, owner of the dashboard “Trust A experience” (ICB)") == 2
    assert f"Section owner: {icb}" not in text  # the trust's own people own its report


def test_an_ics_report_is_owned_by_the_ics_lead(world, data, request_report):
    report = request_report(world, data, user=world.icb_lead, organisation=None)
    text = pdf_text(report)
    assert (
        text.count(f"Section owner: {world.icb_lead.get_full_name()}, patient-experience lead, Testshire ICS")
        == 6
    )
    assert {s.owner_id for s in report.sections.all()} == {world.icb_lead.pk}


def test_the_default_selection_takes_turns_between_organisations():
    rows = [(1, 10), (2, 10), (3, 10), (4, 20), (5, 30), (6, 20)]  # newest first
    from dashboards.reports.stories import _spread

    assert _spread(rows) == [1, 4, 5, 2, 6, 3]


def test_a_report_that_cannot_be_printed_fails_with_a_message(
    world, data, request_report, monkeypatch, client
):
    from dashboards.reports import exports

    def broken(content):
        raise ValueError("no fonts")

    monkeypatch.setattr(exports, "pdf_bytes", broken)
    report = request_report(world, data)
    assert report.status == ReportStatus.FAILED
    assert "could not be made (ValueError)" in report.message
    assert not ReportFile.objects.filter(report=report).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED).exists()
    client.force_login(world.px_a)
    from django.urls import reverse

    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
    assert "The report was not made" in page


def test_a_second_delivery_of_the_task_does_nothing(world, data, request_report):
    report = request_report(world, data)
    finished = report.finished_at
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.finished_at == finished
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED).count() == 1
    assert ReportFile.objects.filter(report=report).count() == 3


def test_the_pdf_is_tagged_for_screen_readers(world, data, request_report):
    report = request_report(world, data)
    reader = PdfReader(io.BytesIO(bytes(ReportFile.objects.get(report=report, format="pdf").content)))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("Board report: Trust A NHS Foundation Trust")


def _six_percent_critical_mix(world, month):
    """100 stories collected: 6 critical (6%), one of them with consent to be quoted; 94 others."""
    critical = [
        make_story(world, f"c{i}", sentiment="negative", critical=True, board=i == 0, month=month)
        for i in range(6)
    ]
    others = [
        make_story(world, f"p{i}", sentiment="positive" if i % 3 else "negative", month=month)
        for i in range(94)
    ]
    return critical, others


def test_the_guard_prints_on_a_real_mix_when_no_critical_story_is_quoted(world, request_report):
    period = previous_months(2)
    critical, others = _six_percent_critical_mix(world, period.months[1])
    data = Data(period=period)
    report = request_report(world, data, chosen=[s.pk for s in others[:5]])
    assert report.under_represented
    statement = (
        "This report includes 0% critical stories; 6% of the 100 stories collected in the period were "
        "critical, and critical stories with consent to be quoted were not quoted"
    )
    assert report.balance_statement == statement
    assert statement in pdf_text(report)


def test_the_guard_stays_quiet_when_the_quotes_follow_the_mix(world, request_report):
    period = previous_months(2)
    critical, _ = _six_percent_critical_mix(world, period.months[1])
    report = request_report(world, Data(period=period))  # the default selection of 5
    assert critical[0].pk in report.quoted_story_ids
    assert not report.under_represented
    assert "This report includes" not in pdf_text(report)


def test_a_mixed_story_is_collected_and_quoted_as_neither_positive_nor_negative(world, data):
    from tests.reports.conftest import make_story

    mixed = make_story(world, "mixed", sentiment="mixed", month=data.period.last)
    org_ids = [world.trust_a.pk]
    mix = report_stories.collected_mix(org_ids, data.period)
    assert mix == {"critical": 4, "negative": 3, "neutral": 1, "positive": 3}
    [quote] = report_stories.report_quotes([mixed.pk], org_ids, data.period)
    assert quote.sentiment == "mixed" and not quote.critical
    assert report_stories.balance(mix, [quote]).quoted == {
        "critical": 0,
        "negative": 0,
        "neutral": 1,
        "positive": 0,
    }
    assert report_stories.STRATUM_LABELS["neutral"] == "Neutral, mixed or not yet tagged"


HOSTILE = '=HYPERLINK("http://evil.example","x")'


def test_story_titles_actions_and_local_themes_never_become_formulas(world, data, request_report):
    """Found by an outside attack: the ICS report's workbook and CSV wrote people's text as it came, so a
    title, an action or a local theme named `=HYPERLINK(…)` was a live formula in the board's spreadsheet."""
    import csv

    from dashboards import rollups
    from insight_hub.themes.models import Theme
    from stories.models import StoryTag
    from tests.reports.conftest import make_story

    story = make_story(
        world, "hostile", sentiment="negative", critical=True, title=HOSTILE, month=data.period.last
    )
    local = Theme.objects.create(
        taxonomy=Theme.objects.filter(taxonomy__is_default=True).first().taxonomy,
        ics=world.ics,
        name="@SUM(1+1)",
        category="Local",
    )
    StoryTag.objects.create(story=story, theme=local, sentiment="negative")
    rollups.rebuild_all()
    story_services.action_create(
        story=story,
        user=world.px_a,
        description="+cmd|' /C calc'!A0",
        owner=world.px_a_colleague,
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    report = request_report(world, data, user=world.icb_lead, organisation=None, chosen=[story.pk])
    assert report.status == ReportStatus.DONE, report.message
    book = workbook(report)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))), cell
    titles = [r[6] for r in book["Stories quoted"].iter_rows(min_row=2, values_only=True)]
    assert story.redacted_title.startswith("=") and "'" + story.redacted_title in titles
    actions = [r[2] for r in book["Actions"].iter_rows(min_row=2, values_only=True)]
    assert "'+cmd|' /C calc'!A0" in actions
    assert "'@SUM(1+1)" in [r[0] for r in book["Themes"].iter_rows(min_row=2, values_only=True)]
    text = bytes(ReportFile.objects.get(report=report, format="csv").content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'@SUM(1+1)" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
