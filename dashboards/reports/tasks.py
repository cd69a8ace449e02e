"""Board-report tasks: generate one report (ids in, files written by the service), and the hourly cleanup."""

from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import services


@shared_task(acks_late=True, **{**RETRY_POLICY, "max_retries": 3})  # a report is long: give up sooner
def generate_report(report_id: int) -> None:
    services.report_generate(report_id=report_id)


@shared_task(acks_late=True)
def expire_reports() -> int:
    return services.reports_expire()
