"""Board-report tasks: generate one report (ids in, files written by the service), and the hourly cleanup."""

from celery import shared_task

from . import services


@shared_task(
    acks_late=True, autoretry_for=services.TRANSIENT, retry_backoff=2, retry_backoff_max=60, max_retries=3
)
def generate_report(report_id: int) -> None:
    services.report_generate(report_id=report_id)


@shared_task(acks_late=True)
def expire_reports() -> int:
    return services.reports_expire()
