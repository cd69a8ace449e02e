"""Sign-off of a made report: draft → approved → released.

- Draft: made (or made again), each section waiting for its named owner's approval (`owners.py`). The
  report's owner (the person who asked for it) may approve a section on its owner's behalf; that is recorded
  as such. When the last section is approved the report is approved.
- Released: the report's owner releases an approved report; the board members of its organisation (of the
  ICB, for a whole-ICS report) are emailed a link, never any story text. Board members read released
  reports only (`selectors.reports_for`).
- Made again after a teller withdrew consent: back to draft, approvals cleared, with a note saying why.
Every approval, release and regeneration is in the access audit. State changes are compare-and-set on the
row, so two people pressing at once cannot approve twice or release an unapproved report.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from insight_hub.notifications.services import email_enqueue
from insight_hub.organisations.models import Membership, Role
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from .availability import quotes_withdrawn
from .models import BoardReport, ReportFile, ReportSection, ReportStatus, SignOff
from .owners import SectionOwner, person_name


def sections_record(report: BoardReport, owners: list[SectionOwner]) -> None:
    """Write the made report's sections and their owners (inside generation's transaction). Any earlier
    sections and approvals go: a report made again is signed off again."""
    ReportSection.objects.filter(report=report).delete()
    ReportSection.objects.bulk_create(
        ReportSection(
            report=report,
            key=o.key,
            position=i,
            title=o.title,
            owner=o.owner,
            owner_role=o.role[:200],
            icb_owner=o.icb_owner,
            icb_owner_role=o.icb_role[:200],
        )
        for i, o in enumerate(owners)
    )


def is_report_owner(user, report: BoardReport) -> bool:
    return bool(user.is_authenticated and user.is_active and report.requested_by_id == user.pk)


def may_approve(user, report: BoardReport, section: ReportSection) -> bool:
    """The section's owner, or the report's owner on their behalf. (Reach is the caller's: the report was
    fetched through `selectors.report_get_for`.)"""
    if not (user.is_authenticated and user.is_active):
        return False
    return section.owner_id == user.pk or is_report_owner(user, report)


def signable(report: BoardReport) -> str:
    """Why the report cannot be signed off or released now, or "" when it can."""
    if report.status != ReportStatus.DONE:
        return "The report is not ready: it is being made, failed or has expired."
    if quotes_withdrawn(report):
        return "A story this report quotes may no longer be quoted: make the report again first."
    return ""


def _locked(report: BoardReport) -> BoardReport:
    # Only the report's row is locked (PostgreSQL refuses FOR UPDATE on the nullable side of the joins).
    related = BoardReport.objects.select_related("organisation", "ics", "ics__icb")
    return related.select_for_update(of=("self",)).get(pk=report.pk)


def section_approve(*, report: BoardReport, key: str, user) -> ReportSection:
    with transaction.atomic():
        report = _locked(report)
        section = ReportSection.objects.select_related("owner").filter(report=report, key=key).first()
        if section is None or not may_approve(user, report, section):
            raise PermissionDenied
        if report.signoff != SignOff.DRAFT:
            raise ValidationError("This report is already signed off.")
        if why := signable(report):
            raise ValidationError(why)
        on_behalf = section.owner_id != user.pk
        now = timezone.now()
        approved = ReportSection.objects.filter(pk=section.pk, approved_at__isnull=True).update(
            approved_by=user, approved_at=now, on_behalf=on_behalf
        )
        if not approved:
            raise ValidationError(f"“{section.title}” is already approved.")
        audit.record(
            user,
            AuditAction.REPORT_SECTION_APPROVED,
            report,
            organisation=report.audit_organisation,
            report=str(report.uid),
            section=key,
            section_owner=section.owner_id,
            on_behalf=on_behalf,
        )
        if not ReportSection.objects.filter(report=report, approved_at__isnull=True).exists():
            BoardReport.objects.filter(pk=report.pk, signoff=SignOff.DRAFT).update(signoff=SignOff.APPROVED)
        section.refresh_from_db()
    return section


def board_members(report: BoardReport) -> list:
    """Who a released report is emailed to: the board members of its organisation (a whole-ICS report:
    of the ICB), active, with an email address."""
    organisation = report.organisation if report.organisation_id else report.ics.icb
    memberships = Membership.objects.filter(
        organisation=organisation, role=Role.BOARD, user__is_active=True
    ).select_related("user")
    people = {m.user.pk: m.user for m in memberships.order_by("user__last_name", "user__first_name", "pk")}
    return [u for u in people.values() if u.email]


def report_release(*, report: BoardReport, user) -> list:
    """Release an approved report to the board and email them. Returns the people emailed."""
    with transaction.atomic():
        report = _locked(report)
        if not is_report_owner(user, report):
            raise PermissionDenied
        if report.signoff == SignOff.RELEASED:
            raise ValidationError("This report is already released.")
        if report.signoff != SignOff.APPROVED:
            raise ValidationError("Every section must be approved before the report is released.")
        if why := signable(report):
            raise ValidationError(why)
        now = timezone.now()
        released = BoardReport.objects.filter(pk=report.pk, signoff=SignOff.APPROVED).update(
            signoff=SignOff.RELEASED, released_by=user, released_at=now
        )
        if not released:
            raise ValidationError("This report is already released.")
        people = board_members(report)
        for person in people:
            email_enqueue(
                key=f"report-released:{report.uid}:{now:%Y%m%d%H%M%S%f}:{person.pk}",
                kind="report_released",
                to=person.email,
                subject=f"Board report released: {report.scope_label}, {report.period_label}",
                template="reports/email/report_released",
                context={
                    "name": person_name(person),
                    "scope": report.scope_label,
                    "period": report.period_label,
                    "released_by": person_name(user),
                    "path": reverse("reports:detail", kwargs={"uid": report.uid}),
                },
            )
        audit.record(
            user,
            AuditAction.REPORT_RELEASED,
            report,
            organisation=report.audit_organisation,
            report=str(report.uid),
            emailed=[p.pk for p in people],
        )
    return people


def report_regenerate(*, report: BoardReport, user) -> BoardReport:
    """Make the report again because a story it quotes may no longer be quoted: the story is left out, the
    sign-off starts again from draft (approvals cleared, the board no longer reads it) with a note why."""
    from .tasks import generate_report

    with transaction.atomic():
        report = _locked(report)
        withdrawn = quotes_withdrawn(report) if report.status == ReportStatus.DONE else []
        if not withdrawn:
            raise ValidationError(
                "Nothing this report quotes has been withdrawn: there is nothing to remake."
            )
        ids = sorted(item.story_id for item in withdrawn)
        chosen = report.chosen_story_ids
        if chosen is not None:
            chosen = [int(pk) for pk in chosen if int(pk) not in ids]
        previous = report.signoff
        now = timezone.now()
        stories = ", ".join(f"S{pk}" for pk in ids)
        report.signoff_note = (
            f"Made again on {timezone.localtime(now):%-d %B %Y} by {person_name(user)} because consent to "
            f"quote {stories} was withdrawn; the earlier sign-off was cleared and it is a draft again."
        )
        ReportFile.objects.filter(report=report).delete()
        ReportSection.objects.filter(report=report).delete()
        BoardReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.QUEUED,
            progress=0,
            step="",
            message="",
            started_at=None,
            finished_at=None,
            chosen_story_ids=chosen,
            requested_by=user,
            requested_at=now,
            signoff=SignOff.DRAFT,
            released_by=None,
            released_at=None,
            signoff_note=report.signoff_note,
        )
        audit.record(
            user,
            AuditAction.REPORT_REGENERATED,
            report,
            organisation=report.audit_organisation,
            report=str(report.uid),
            withdrawn_story_ids=ids,
            previous_signoff=previous,
        )
        transaction.on_commit(lambda: generate_report.delay(report.pk))
    report.refresh_from_db()
    return report
