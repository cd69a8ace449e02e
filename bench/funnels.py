"""The funnel plots' share of a dashboard page: the context builders alone (`funnel_views.system_funnels`,
`organisation_funnels`: their roll-up queries and the limit curves), then the whole pages that show them.

Usage (a database with the demo and synthetic data, roll-ups built):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DEBUG=false SECRET_KEY=...
    .venv/bin/python manage.py load_demo && .venv/bin/python manage.py generate_synthetic --responses 100000
    .venv/bin/python bench/funnels.py

20 timed calls each after 2 warm-up calls; p95 = the 19th of 20. The builders are called as the views call
them, with a request from Django's RequestFactory; the pages through the test client as the ICB lead.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.urls import reverse  # noqa: E402

from dashboards import funnel_views  # noqa: E402
from feedback.models import Comment, Response  # noqa: E402
from insight_hub.organisations.demo import DEMO_PARTNERS  # noqa: E402
from insight_hub.organisations.models import Organisation  # noqa: E402
from insight_hub.organisations.permissions import system_ics_or_404, visible_organisations  # noqa: E402
from insight_hub.periods import Period  # noqa: E402

REQUESTS = 20


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(call) -> tuple[float, float, float]:
    """(p95, median) wall time and median CPU time of this process (Python's work, not PostgreSQL's: on a
    shared machine the wall time is mostly waiting for a core), in ms."""
    for _ in range(2):
        call()
    samples, cpu = [], []
    for _ in range(REQUESTS):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return p95(samples), statistics.median(samples), statistics.median(cpu)


def report(label: str, high: float, middle: float, cpu: float) -> None:
    print(
        f"{label}: p95 {high:.0f} ms, median {middle:.0f} ms, CPU median {cpu:.0f} ms; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL), with the synthetic data loaded.")
    print(f"Data: {Response.objects.count():,} responses, {Comment.objects.count():,} comments")
    user = get_user_model().objects.get(username="icb.lead@demo.nhs.uk")
    ics = system_ics_or_404(user)
    organisations = list(visible_organisations(user).filter(ics=ics))
    trust = Organisation.objects.get(ods_code=DEMO_PARTNERS[0])
    request = RequestFactory().get("/dashboards/system/")
    request.user = user
    for months in (12, 24):
        period = Period.last_months(months)
        figures = {
            f"system_funnels ({len(organisations)} trusts, {months} months)": lambda p=period: (
                funnel_views.system_funnels(
                    request, organisations=organisations, period=p, service_ids=None, setting=None
                )
            ),
            f"organisation_funnels ({trust.ods_code}, {months} months)": lambda p=period: (
                funnel_views.organisation_funnels(
                    request, organisation=trust, period=p, service_ids=None, setting=None
                )
            ),
        }
        for label, call in figures.items():
            report(label, *timed(call))
    client = Client()
    client.force_login(user)
    for label, url in {
        "system view page": reverse("dashboards:system"),
        f"trust page ({trust.ods_code})": reverse("dashboards:organisation", args=[trust.ods_code]),
    }.items():
        report(label, *timed(lambda u=url: client.get(u)))


if __name__ == "__main__":
    main()
