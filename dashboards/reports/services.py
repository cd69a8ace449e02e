"""Writes: ask for a report, generate it (the Celery task's work), delete files past their keeping time."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insight_hub.periods import Period, PeriodError
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.retry import TRANSIENT, delay_on_commit

from . import exports, selectors, signoff
from .models import BoardReport, ReportFile, ReportFormat, ReportStatus

logger = logging.getLogger(__name__)
MAX_QUOTES = 20
MAX_MONTHS = 24


def report_request(
    *, user, ics, organisation, first: dt.date, last: dt.date, quote_count: int, chosen_story_ids=None
) -> BoardReport:
    """Record what was asked for and queue its generation once the row is committed."""
    from .tasks import generate_report

    errors = {}
    if first.day != 1 or last.day != 1:
        errors["first_month"] = "Choose whole months"
    else:
        try:
            Period.between(first, last, max_months=MAX_MONTHS)
        except PeriodError as error:
            errors["first_month" if error.field == "first" else "last_month"] = error.message
    if not 0 <= quote_count <= MAX_QUOTES:
        errors["quote_count"] = f"Quote between 0 and {MAX_QUOTES} stories"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = BoardReport(
            ics=ics,
            organisation=organisation,
            period_first=first,
            period_last=last,
            quote_count=quote_count,
            chosen_story_ids=None if chosen_story_ids is None else [int(pk) for pk in chosen_story_ids],
            requested_by=user,
        )
        report.full_clean()
        report.save()
        delay_on_commit(generate_report, report.pk)
    return report


def _progress(report_id: int):
    def tell(percent: int, step: str) -> None:
        BoardReport.objects.filter(pk=report_id).update(progress=percent, step=step[:120])

    return tell


def build_files(report: BoardReport, *, progress=None) -> tuple[selectors.ReportContent, dict[str, bytes]]:
    """The report's content read now, and its three files. Writes nothing (the benchmark times this)."""
    tell = progress or (lambda percent, step: None)
    content = selectors.report_content(report, progress=tell)
    tell(65, "Printing the PDF")
    files = {ReportFormat.PDF: exports.pdf_bytes(content)}
    tell(90, "Writing the workbook and the CSV")
    files[ReportFormat.XLSX] = exports.xlsx_bytes(content)
    files[ReportFormat.CSV] = exports.csv_bytes(content)
    return content, files


def report_generate(*, report_id: int) -> None:
    """Generate a queued report. Claimed by compare-and-set, so a second delivery of the task does nothing
    while the first runs; a report left `running` by a worker that died is taken up again on redelivery."""
    claimed = BoardReport.objects.filter(
        pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
    ).update(status=ReportStatus.RUNNING, started_at=timezone.now(), progress=5, step="Reading the roll-ups")
    if not claimed:
        logger.info(
            "board report %s: not queued (done, failed, expired or deleted); nothing to do", report_id
        )
        return
    report = BoardReport.objects.select_related("ics", "ics__icb", "ics__px_lead", "organisation").get(
        pk=report_id
    )
    try:
        content, files = build_files(report, progress=_progress(report_id))
    except TRANSIENT:
        raise  # the task retries it (the report stays "running", which a retry may claim)
    except Exception as error:
        # Not transient: retrying would fail the same way. Say so on the report's page and stop.
        logger.exception("board report %s failed", report_id)
        BoardReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            message=f"The report could not be made ({type(error).__name__}). Try again, or tell the hub's "
            "administrators if it fails again.",
        )
        return
    balance = content.balance
    now = timezone.now()
    with transaction.atomic():
        ReportFile.objects.filter(report_id=report_id).delete()
        ReportFile.objects.bulk_create(
            ReportFile(report_id=report_id, format=fmt, content=data, size=len(data))
            for fmt, data in files.items()
        )
        report.status = ReportStatus.DONE
        report.progress = 100
        report.step = "Ready"
        report.finished_at = now
        report.expires_at = now + dt.timedelta(days=settings.BOARD_REPORT_RETENTION_DAYS)
        report.quoted_story_ids = [q.story_id for q in content.quotes]
        report.left_out_story_ids = content.left_out
        report.stories_collected = balance.collected_total
        # Stored as shown: None where the critical count behind it is suppressed (1 to 4 stories).
        shown_percent = balance.shown_collected_percent
        report.critical_collected_percent = None if shown_percent == "*" else balance.collected_percent
        report.critical_quoted_percent = balance.quoted_percent
        report.under_represented = balance.under_represented
        report.balance_statement = balance.statement if balance.under_represented else ""
        report.summary = content.summary.as_stored()
        if content.follow_up is not None:  # the report's page shows the section from here
            report.summary["follow_up"] = content.follow_up.as_stored()
        report.save()
        # Its sections and their owners as they stand now, each waiting for its owner's approval.
        signoff.sections_record(report, content.section_owners)
        # Who generated it, who chose the stories, and what was left out of the default selection. Ids and
        # counts only (the audit is read by administrators who may not read the stories).
        audit.record(
            report.requested_by,
            AuditAction.REPORT_GENERATED,
            report,
            organisation=report.audit_organisation,
            report=str(report.uid),
            scope=report.organisation.ods_code if report.organisation_id else f"ICS {report.ics_id}",
            period=f"{report.period_first:%Y-%m} to {report.period_last:%Y-%m}",
            selection="custom" if report.custom_selection else "default",
            selection_chosen_by=report.requested_by_id,
            quoted_story_ids=report.quoted_story_ids,
            left_out_story_ids=content.left_out,
            critical_collected_percent=_round(balance.collected_percent),
            critical_quoted_percent=_round(balance.quoted_percent),
            critical_under_represented=balance.under_represented,
        )


def _round(value):
    return None if value is None else round(value, 1)


def reports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of reports past their keeping time; the report row stays (what was made, by whom)."""
    now = now or timezone.now()
    expired = list(
        BoardReport.objects.filter(status=ReportStatus.DONE, expires_at__lte=now).values_list("pk", flat=True)
    )
    if not expired:
        return 0
    with transaction.atomic():
        ReportFile.objects.filter(report_id__in=expired).delete()
        BoardReport.objects.filter(pk__in=expired).update(status=ReportStatus.EXPIRED, step="Expired")
    logger.info("board reports: deleted the files of %d expired reports", len(expired))
    return len(expired)
