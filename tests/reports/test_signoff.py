"""Board reports are signed off before the board reads them: draft → approved (every section's owner, or the
report's owner on their behalf) → released (by the report's owner, the board emailed a link). A board member
never reads a report before it is released, and one made again after a consent withdrawal is a draft again."""

from __future__ import annotations

import importlib
from html import unescape

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dashboards.reports import selectors, signoff
from dashboards.reports.inbox import reports_inbox
from dashboards.reports.models import BoardReport, ReportFile, ReportSection, ReportStatus, SignOff
from dashboards.reports.owners import section_owners
from insight_hub.notifications.models import OutboxMessage
from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import services as story_services
from stories.models import SafetyLead
from tests.factories import MembershipFactory, StoryFactory
from tests.reports.conftest import previous_months


def made_report(world, organisation="a", user=None) -> BoardReport:
    """A made report (files and sections as generation writes them), without printing a PDF."""
    month = previous_months(1).first
    org = {"a": world.trust_a, "b": world.trust_b, None: None}[organisation]
    user = user or (world.px_a if organisation == "a" else world.icb_lead)
    report = BoardReport.objects.create(
        ics=world.ics, organisation=org, period_first=month, period_last=month,
        status=ReportStatus.DONE, requested_by=user, finished_at=timezone.now(),
    )  # fmt: skip
    for fmt in ("pdf", "xlsx", "csv"):
        ReportFile.objects.create(report=report, format=fmt, content=b"x", size=1)
    signoff.sections_record(report, section_owners(world.ics, org, requested_by=user))
    return report


@pytest.fixture
def report(world):
    """Trust A's report asked for by its px lead; its colleague, the named safety lead, owns the stories."""
    SafetyLead.objects.create(organisation=world.trust_a, user=world.px_a_colleague)
    return made_report(world)


def approve_all(report, world):
    for section in report.sections.filter(approved_at__isnull=True):
        user = world.px_a_colleague if section.owner_id == world.px_a_colleague.pk else world.px_a
        signoff.section_approve(report=report, key=section.key, user=user)
    report.refresh_from_db()


def test_a_new_report_is_a_draft_with_one_section_per_owner(world, report):
    assert report.signoff == SignOff.DRAFT
    owners = {s.key: s.owner for s in report.sections.all()}
    assert owners == {
        "fft": world.px_a, "themes": world.px_a, "stories": world.px_a_colleague,
        "commitments": world.px_a, "actions": world.px_a, "follow_up": world.px_a,
    }  # fmt: skip
    commitments = report.sections.get(key="commitments")
    assert commitments.icb_owner == world.icb_lead and "owns the charter" in commitments.icb_owner_role


def test_the_report_is_approved_once_every_section_owner_has_approved(world, report):
    for key in ("fft", "themes", "commitments", "actions", "follow_up"):
        signoff.section_approve(report=report, key=key, user=world.px_a)
    report.refresh_from_db()
    assert report.signoff == SignOff.DRAFT  # the safety lead has not approved the stories yet
    section = signoff.section_approve(report=report, key="stories", user=world.px_a_colleague)
    assert section.approved_by == world.px_a_colleague and not section.on_behalf
    report.refresh_from_db()
    assert report.signoff == SignOff.APPROVED
    events = AuditEvent.objects.filter(action=AuditAction.REPORT_SECTION_APPROVED, object_id=str(report.pk))
    assert sorted(e.detail["section"] for e in events) == [
        "actions",
        "commitments",
        "fft",
        "follow_up",
        "stories",
        "themes",
    ]
    assert all(e.detail["on_behalf"] is False for e in events)


def test_the_report_owner_may_approve_for_a_section_owner_and_it_is_recorded(world, report):
    section = signoff.section_approve(report=report, key="stories", user=world.px_a)
    assert section.approved_by == world.px_a and section.on_behalf
    event = AuditEvent.objects.get(action=AuditAction.REPORT_SECTION_APPROVED, detail__section="stories")
    assert event.user == world.px_a
    assert event.detail["on_behalf"] is True and event.detail["section_owner"] == world.px_a_colleague.pk


@pytest.mark.parametrize("person", ["px_b", "board_a", "icb_lead", "admin"])
def test_nobody_else_approves_a_section(world, report, person):
    with pytest.raises(PermissionDenied):
        signoff.section_approve(report=report, key="fft", user=getattr(world, person))
    # The section's owner may approve their own section only.
    with pytest.raises(PermissionDenied):
        signoff.section_approve(report=report, key="fft", user=world.px_a_colleague)
    assert not ReportSection.objects.filter(report=report, approved_at__isnull=False).exists()


def test_a_section_is_approved_once(world, report):
    signoff.section_approve(report=report, key="fft", user=world.px_a)
    with pytest.raises(ValidationError, match="already approved"):
        signoff.section_approve(report=report, key="fft", user=world.px_a)
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_SECTION_APPROVED).count() == 1


def test_release_needs_every_section_approved_and_the_report_owner(world, report):
    with pytest.raises(ValidationError, match="Every section must be approved"):
        signoff.report_release(report=report, user=world.px_a)
    approve_all(report, world)
    for person in ("px_a_colleague", "icb_lead", "board_a"):
        with pytest.raises(PermissionDenied):
            signoff.report_release(report=report, user=getattr(world, person))
    report.refresh_from_db()
    assert report.signoff == SignOff.APPROVED


def test_releasing_emails_the_trusts_board_a_link_and_no_story_text(
    world, report, smtp_server, django_capture_on_commit_callbacks
):
    story = StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Left alone on the ward", status="shared"
    )
    report.quoted_story_ids = [story.pk]
    report.save(update_fields=["quoted_story_ids"])
    story_services.story_consent_record(
        story=story, user=world.px_a, internal_learning=True, board_quote=True, publication=False
    )
    second = MembershipFactory(organisation=world.trust_a, role="board").user
    MembershipFactory(organisation=world.trust_b, role="board")  # another trust's board: not told
    approve_all(report, world)
    with django_capture_on_commit_callbacks(execute=True):
        people = signoff.report_release(report=report, user=world.px_a)
    assert {p.pk for p in people} == {world.board_a.pk, second.pk}
    report.refresh_from_db()
    assert report.signoff == SignOff.RELEASED and report.released_by == world.px_a
    assert report.released_at is not None
    assert sorted(rcpt for rcpts, _ in smtp_server.inbox for rcpt in rcpts) == sorted(
        [world.board_a.email, second.email]
    )
    message = smtp_server.messages_to(world.board_a.email)[0]
    assert message["Subject"].startswith("Board report released: Trust A NHS Foundation Trust")
    text = smtp_server.text_of(message)
    assert reverse("reports:detail", kwargs={"uid": report.uid}) in text
    assert story.title not in text and story.narrative[:30] not in text
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RELEASED)
    assert event.user == world.px_a and sorted(event.detail["emailed"]) == sorted(
        [world.board_a.pk, second.pk]
    )
    # Released once: asking again sends nothing more.
    with pytest.raises(ValidationError, match="already released"):
        signoff.report_release(report=report, user=world.px_a)
    assert OutboxMessage.objects.filter(kind="report_released").count() == 2


def test_a_board_member_reads_a_report_only_once_it_is_released(world, report):
    icb_board = MembershipFactory(organisation=world.icb, role="board").user
    ics_report = made_report(world, organisation=None)
    for state in (SignOff.DRAFT, SignOff.APPROVED):
        BoardReport.objects.update(signoff=state)
        for person in (world.board_a, icb_board):
            assert not selectors.reports_for(person).exists(), (state, person)
        # The people who make and sign off reports read them all along.
        assert selectors.reports_for(world.px_a).get() == report
        assert set(selectors.reports_for(world.icb_lead)) == {report, ics_report}
    BoardReport.objects.update(signoff=SignOff.RELEASED)
    assert list(selectors.reports_for(world.board_a)) == [report]
    assert set(selectors.reports_for(icb_board)) == {report, ics_report}
    assert not selectors.reports_for(world.px_b).exists()


def test_the_report_page_and_files_are_not_found_for_the_board_until_released(client, world, report):
    client.force_login(world.board_a)
    urls = [
        reverse("reports:detail", kwargs={"uid": report.uid}),
        reverse("reports:download", kwargs={"uid": report.uid, "fmt": "pdf"}),
    ]
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert (
        reverse("reports:detail", kwargs={"uid": report.uid})
        not in client.get(reverse("reports:list")).content.decode()
    )
    approve_all(report, world)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    signoff.report_release(report=report, user=world.px_a)
    assert [client.get(url).status_code for url in urls] == [200, 200]


def test_approving_is_asked_first_and_then_recorded(client, world, report):
    url = reverse("reports:approve", kwargs={"uid": report.uid, "key": "stories"})
    client.force_login(world.px_a_colleague)
    page = client.get(url)
    assert page.status_code == 200
    assert "Are you sure you want to approve “Patient stories”?" in page.content.decode()
    assert not report.sections.get(key="stories").approved  # looking changed nothing
    # Without the confirmation nothing is approved either.
    client.post(url, {})
    assert not report.sections.get(key="stories").approved
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert report.sections.get(key="stories").approved_by == world.px_a_colleague
    # The colleague owns no other section: its approve page is not there for them.
    fft = reverse("reports:approve", kwargs={"uid": report.uid, "key": "fft"})
    assert client.get(fft).status_code == 404
    # On behalf: the report's owner is told so before confirming.
    client.force_login(world.px_a)
    page = client.get(fft).content.decode()
    assert "Are you sure you want to approve “Friends and Family Test”?" in page


def test_releasing_is_asked_first_and_names_who_is_emailed(client, world, report):
    approve_all(report, world)
    url = reverse("reports:release", kwargs={"uid": report.uid})
    client.force_login(world.px_a_colleague)
    assert client.get(url).status_code == 404  # not the report's owner
    client.force_login(world.px_a)
    page = unescape(client.get(url).content.decode())  # a name such as O'Brien is sent as O&#x27;Brien
    assert "Are you sure you want to release the report to the board?" in page
    assert world.board_a.get_full_name() in page
    report.refresh_from_db()
    assert report.signoff == SignOff.APPROVED
    client.post(url, {"confirm": "yes"})
    report.refresh_from_db()
    assert report.signoff == SignOff.RELEASED


def test_the_inbox_lists_reports_waiting_for_the_persons_sign_off(world, report):
    def counts(user):
        return {item.label: item.count for item in reports_inbox(user)}

    waiting = "Board reports waiting for your sign-off"
    ready = "Board reports approved and ready for you to release"
    assert counts(world.px_a_colleague)[waiting] == 1
    assert counts(world.px_a)[waiting] == 1
    assert counts(world.px_b)[waiting] == 0
    signoff.section_approve(report=report, key="stories", user=world.px_a_colleague)
    assert counts(world.px_a_colleague)[waiting] == 0
    approve_all(report, world)
    assert counts(world.px_a) == {waiting: 0, ready: 1}
    signoff.report_release(report=report, user=world.px_a)
    assert counts(world.px_a) == {waiting: 0, ready: 0}


def test_a_section_nobody_owns_waits_for_the_report_owner(world):
    world.ics.px_lead = None
    world.ics.save()
    report = made_report(world, organisation=None)
    assert all(s.owner is None for s in report.sections.all())
    assert {i.label: i.count for i in reports_inbox(world.icb_lead)}[
        "Board reports waiting for your sign-off"
    ] == 1
    section = signoff.section_approve(report=report, key="fft", user=world.icb_lead)
    assert section.on_behalf


def test_a_report_quoting_a_withdrawn_story_cannot_be_signed_off(world, report):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared")
    report.quoted_story_ids = [story.pk]
    report.save(update_fields=["quoted_story_ids"])
    story_services.story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=timezone.localdate())
    with pytest.raises(ValidationError, match="make the report again"):
        signoff.section_approve(report=report, key="fft", user=world.px_a)


def test_reports_made_before_sign_off_existed_stay_readable_by_their_boards(world, report):
    migration = importlib.import_module("dashboards.reports.migrations.0003_signoff")
    migration.existing_reports_released(django_apps, None)
    report.refresh_from_db()
    assert report.signoff == SignOff.RELEASED
    assert list(selectors.reports_for(world.board_a)) == [report]


@pytest.fixture
def generated(world, data, django_capture_on_commit_callbacks):
    """Trust A's report made for real (PDF and all), quoting a critical and a positive story."""
    from dashboards.reports import services

    chosen = [data.stories["critical0"].pk, data.stories["positive0"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.report_request(
            user=world.px_a, ics=world.ics, organisation=world.trust_a, first=data.period.first,
            last=data.period.last, quote_count=2, chosen_story_ids=chosen,
        )  # fmt: skip
    made.refresh_from_db()
    assert made.status == ReportStatus.DONE, made.message
    return made


def test_a_report_made_again_after_a_withdrawal_is_a_draft_again(
    client, world, data, generated, django_capture_on_commit_callbacks
):
    report = generated
    approve_all(report, world)
    signoff.report_release(report=report, user=world.px_a)
    story = data.stories["positive0"]
    story_services.story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=timezone.localdate())

    client.force_login(world.px_a)
    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
    url = reverse("reports:regenerate", kwargs={"uid": report.uid})
    assert url in page and "Make this report again without the story" in page
    assert "Are you sure you want to make this report again?" in client.get(url).content.decode()
    for person in ("board_a", "px_b", "admin"):  # they may not make this report
        client.force_login(getattr(world, person))
        assert client.get(url).status_code == 404
    client.force_login(world.px_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirm": "yes"}).status_code == 302

    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert report.signoff == SignOff.DRAFT and report.released_at is None and report.released_by is None
    assert report.quoted_story_ids == [data.stories["critical0"].pk]
    assert not report.sections.filter(approved_at__isnull=False).exists()
    assert report.sections.count() == 6
    assert f"S{story.pk} was withdrawn" in report.signoff_note and "draft again" in report.signoff_note
    event = AuditEvent.objects.get(action=AuditAction.REPORT_REGENERATED)
    assert (
        event.detail["withdrawn_story_ids"] == [story.pk] and event.detail["previous_signoff"] == "released"
    )
    page = unescape(client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode())
    assert report.signoff_note in page  # unescaped: the note names its maker, who may be an O'Brien
    client.force_login(world.board_a)
    assert client.get(reverse("reports:detail", kwargs={"uid": report.uid})).status_code == 404


def test_page_one_of_the_pdf_is_the_summary(client, world, data, generated):
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(bytes(ReportFile.objects.get(report=generated, format="pdf").content)))
    first = " ".join(reader.pages[0].extract_text().split())
    rest = " ".join(" ".join(p.extract_text() for p in reader.pages[1:]).split())
    for heading in (
        "Summary", "Friends and Family Test", "What changed", "Critical stories collected and quoted",
        "Responses and changes made", "Overdue commitments",
    ):  # fmt: skip
        assert heading in first, heading
    # Headline FFT: 5 of each answer in each of two months: 20 of 60 positive, 20 of 60 negative.
    assert "33% positive and 33% negative, from 60 responses" in first
    # The critical story quoted is quoted on page one too, with its reference.
    critical = data.stories["critical0"]
    assert f"S{critical.pk} · Trust A NHS Foundation Trust" in first
    # 4 critical stories collected: a count under 5, shown as *.
    meaning = "(critical: a safety concern or criticality 4–5)"
    assert f"Critical stories collected in the period {meaning}: * (fewer than 5" in first
    assert "Of the 2 stories quoted in this report, 1 is critical." in first
    assert "What changed" not in rest and "1. Friends and Family Test" in rest
    # The report's page shows the same summary, the critical quote read again with consent checked.
    client.force_login(world.px_a)
    page = client.get(reverse("reports:detail", kwargs={"uid": generated.uid})).content.decode()
    assert "33% positive</strong> and 33% negative, from 60 responses" in page
    assert "Responses and changes made" in page and f"S{critical.pk} · Trust A NHS Foundation Trust" in page


def test_sections_waiting_for_approval_are_in_the_ownership_register_with_gaps_first(world, report):
    from dashboards.owners import ownership_register

    world.ics.px_lead = None
    world.ics.save()
    ics_report = made_report(world, organisation=None)  # nobody named for any of its sections
    entries = [e for e in ownership_register(world.ics) if e.kind == "Board report section"]
    assert len(entries) == 12  # six sections of each report
    assert [e.status for e in entries[:6]] == ["unowned"] * 6
    assert all(ics_report.scope_label in e.title for e in entries[:6])
    approve_all(report, world)
    entries = [e for e in ownership_register(world.ics) if e.kind == "Board report section"]
    assert len(entries) == 6 and {e.owner for e in entries} == {None}
