import datetime as dt

from django.utils import timezone

from insight_hub.operations.checks import Check

from .models import ImportBatch, ImportStatus

STUCK_AFTER = dt.timedelta(minutes=30)


def last_import():
    """The last file import anywhere in the hub: did it finish, and when."""
    batch = ImportBatch.objects.select_related("organisation").order_by("-uploaded_at").first()
    if batch is None:
        yield Check("Last file import", None, "No file has been imported yet.")
        return
    running = batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    stuck = running and timezone.now() - batch.uploaded_at > STUCK_AFTER
    detail = (
        f"{batch.get_status_display()}: {batch.rows_imported:,} rows imported, {batch.rows_failed:,} refused"
    )
    detail += f" ({batch.organisation.display_name})"
    if stuck:
        detail += "; still not finished after 30 minutes: is a worker on the default queue running?"
    ok = batch.status != ImportStatus.FAILED and not stuck
    yield Check("Last file import", ok, detail, batch.finished_at or batch.uploaded_at)
