"""The operations page's rows for the Care Opinion sync: one per ICS, with the last run and its age."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from insight_hub.operations.checks import Check

from .models import CareOpinionRun, CareOpinionSync, RunStatus

# The sync runs hourly: three hours without a finished run means runs are failing or not happening.
STALE_AFTER = dt.timedelta(hours=3)


def care_opinion_syncs():
    if not settings.CARE_OPINION_API_KEY:
        yield Check("Care Opinion sync", None, "Not set up: CARE_OPINION_API_KEY is not set.")
        return
    syncs = list(CareOpinionSync.objects.select_related("ics").order_by("ics__name"))
    if not syncs:
        yield Check("Care Opinion sync", False, "No run yet: is `celery beat` running? (hourly, at :23)")
        return
    for state in syncs:
        name = f"Care Opinion sync ({state.ics.name})"
        run = CareOpinionRun.objects.filter(sync=state).order_by("-started_at", "-pk").first()
        if run is None:
            yield Check(name, False, "No run yet.")
            continue
        yield Check(name, *_judge(state, run), run.finished_at or run.started_at)


def _judge(state: CareOpinionSync, run: CareOpinionRun) -> tuple[bool, str]:
    counts = (
        f"{run.fetched:,} fetched, {run.created:,} created, {run.updated:,} updated, {run.skipped:,} skipped"
    )
    if run.status == RunStatus.RUNNING:
        detail = f"Running since {run.started_at:%H:%M}: {counts} so far."
    else:
        detail = f"Last sync {run.get_status_display().lower()}: {counts}."
    if run.message:
        detail += f" {run.message}"
    if run.errors:
        detail += f" Latest problem: {run.errors[-1]}"
    stale = state.last_success_at is None or timezone.now() - state.last_success_at > STALE_AFTER
    if stale and state.last_success_at is not None:
        detail += f" No run has finished since {state.last_success_at:%-d %B %Y %H:%M}."
    return run.status in (RunStatus.SUCCEEDED, RunStatus.RUNNING) and not stale, detail
