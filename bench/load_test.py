"""Load test: people answering the public FFT form and staff browsing at once, gunicorn on PostgreSQL.

Makes a scratch database beside DATABASE_URL's (`<name>_bench_load`), migrates it and loads the demo ICS
(`manage.py load_demo`), then starts gunicorn on a free loopback port, as the Dockerfile runs it (2 sync
workers), with Redis as cache and broker (tagging is only queued, as in production: no worker runs). For a
bounded time:

- `--form-clients` clients (default 50) each loop: GET the public form, read the one-time token and the CSRF
  cookie from it, POST an answer (with one or two comments about 60% of the time);
- `--browse-clients` clients (default 10), each signed in as a demo head of patient experience, loop over
  the browse URLs (home, stories, feedback pages; `/dashboards/` when the URL conf has it).

Then it checks: no 5xx answer and no transport error; the responses stored equal the accepted (3xx) POST
answers, and no POST was answered 200 (refused); and it prints p50/p95/max latency by kind of request.
Exit status 0 only when every check holds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub .venv/bin/python bench/load_test.py \
        --seconds 60 --form-clients 50 --browse-clients 10

The clients all post from 127.0.0.1, so the run lifts PUBLIC_FORM_RATE_LIMIT (an environment variable).
Not a test: it takes minutes and wants a quiet machine. Results go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import sys
import time
from collections import Counter, defaultdict

import httpx
from served import drop_database, gunicorn, run_environment, scratch_database

COMMENTS = ["The nurses were lovely.", "Parking was a nightmare.", "", "", "Waited too long to be seen."]
DEFAULT_BROWSE = "/,/stories/,/feedback/,/feedback/services/{service}/,/dashboards/"
BROWSER = "demo px_lead"  # who the browsing clients are signed in as (see --browse-as)

# The pages link CSS by plain name: no collectstatic manifest needed for the run.
BENCH_SETTINGS = """
from insight_hub.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Tally:
    """Answers and latencies by kind of request ("form GET", "form POST", "browse /stories/", ...)."""

    def __init__(self) -> None:
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)

    def add(self, kind: str, status: int | str, seconds: float) -> None:
        self.statuses[kind][status] += 1
        self.latencies[kind].append(seconds)


async def timed(tally: Tally, kind: str, request) -> httpx.Response | None:
    started = time.monotonic()
    try:
        answer = await request
    except httpx.HTTPError as exc:
        tally.add(kind, exc.__class__.__name__, time.monotonic() - started)
        return None
    tally.add(kind, answer.status_code, time.monotonic() - started)
    return answer


async def form_client(number: int, base: str, form_path: str, stop_at: float, tally: Tally) -> None:
    rng = random.Random(number)
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        while time.monotonic() < stop_at:
            page = await timed(tally, "form GET", client.get(form_path))
            if page is None or page.status_code != 200:
                continue
            token = TOKEN.search(page.text)
            csrf = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
            if not token or not csrf:
                tally.add("form GET", "no token or CSRF cookie", 0.0)
                continue
            data = {
                "csrfmiddlewaretoken": csrf,
                "token": token.group(1).replace("&amp;", "&"),
                "q1": str(rng.choices(range(1, 7), weights=[60, 25, 5, 4, 4, 2])[0]),
                "q2": rng.choice(COMMENTS),
                "q3": rng.choice(COMMENTS),
            }
            # The CSRF cookie is Secure (DEBUG is off); over plain HTTP on loopback it is sent by hand.
            await timed(
                tally,
                "form POST",
                client.post(form_path, data=data, headers={"Cookie": f"csrftoken={csrf}"}),
            )


async def browse_client(
    number: int, base: str, urls: list[str], session_key: str, stop_at: float, tally: Tally
) -> None:
    offset = number % len(urls)
    headers = {"Cookie": f"sessionid={session_key}"}
    async with httpx.AsyncClient(
        base_url=base, timeout=30, follow_redirects=False, headers=headers
    ) as client:
        step = 0
        while time.monotonic() < stop_at:
            url = urls[(offset + step) % len(urls)]
            step += 1
            await timed(tally, f"browse {url}", client.get(url))


def report(tally: Tally) -> tuple[int, int, int]:
    """Print a table; return (server errors and transport failures, accepted POSTs, refused POSTs)."""
    print(f"{'request':<40} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  answers")
    failures = 0
    everything: list[float] = []
    for kind in sorted(tally.statuses):
        latencies = tally.latencies[kind]
        everything += latencies
        statuses = tally.statuses[kind]
        failures += sum(n for status, n in statuses.items() if not isinstance(status, int) or status >= 500)
        print(
            f"{kind:<40} {sum(statuses.values()):>7} {percentile(latencies, 0.5) * 1000:>8.0f} "
            f"{percentile(latencies, 0.95) * 1000:>8.0f} {max(latencies) * 1000:>8.0f}  {dict(statuses)}"
        )
    print(
        f"{'all requests':<40} {len(everything):>7} {percentile(everything, 0.5) * 1000:>8.0f} "
        f"{percentile(everything, 0.95) * 1000:>8.0f} {max(everything or [0]) * 1000:>8.0f}"
    )
    posts = tally.statuses["form POST"]
    accepted = sum(n for status, n in posts.items() if isinstance(status, int) and 300 <= status < 400)
    refused = sum(n for status, n in posts.items() if isinstance(status, int) and status < 300)
    return failures, accepted, refused


async def run_clients(args, base: str, form_path: str, browse_urls: list[str], session_key: str) -> Tally:
    tally = Tally()
    stop_at = time.monotonic() + args.seconds
    clients = [form_client(n, base, form_path, stop_at, tally) for n in range(args.form_clients)]
    clients += [
        browse_client(n, base, browse_urls, session_key, stop_at, tally) for n in range(args.browse_clients)
    ]
    # Bounded: a request in flight at the deadline has its own 30 s timeout, and the whole run a margin more.
    await asyncio.wait_for(asyncio.gather(*clients), timeout=args.seconds + 90)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--form-clients", type=int, default=50)
    parser.add_argument("--browse-clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (Dockerfile: 2)")
    parser.add_argument(
        "--browse",
        default=DEFAULT_BROWSE,
        help="comma-separated paths the browsing clients loop over; {service} is the posted-to service's id "
        f"(default: {DEFAULT_BROWSE})",
    )
    parser.add_argument("--browse-as", default="px.eastkent@demo.nhs.uk", help="a demo person's email")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the load test makes a scratch one beside it.")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    bench_db = scratch_database(database_url, "bench_load")
    env = run_environment(
        database_url=bench_db,
        redis_url=redis_url,
        settings=BENCH_SETTINGS,
        prefix="bench-load-",
        PUBLIC_FORM_RATE_LIMIT=str(10**9),
    )

    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections
    from django.urls import Resolver404, resolve

    from feedback.models import Response
    from insight_hub.organisations.models import Membership, Service

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - silenced for the run
    user = get_user_model().objects.get(username=args.browse_as)
    organisation = Membership.objects.filter(user=user).first().organisation
    service = Service.objects.filter(organisation=organisation, active=True).order_by("pk").first()
    before = Response.objects.filter(service=service).count()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    browse_urls = []
    for url in args.browse.split(","):
        url = url.strip().format(service=service.pk)
        try:
            resolve(url)
        except Resolver404:
            print(f"note: {url} is not in the URL conf (yet); not browsed")
            continue
        browse_urls.append(url)
    print(f"scratch database ready in {time.monotonic() - started:.0f} s: demo ICS, service {service.pk}")
    connections.close_all()

    form_path = f"/feedback/s/{service.public_id}/"
    with gunicorn(env, workers=args.workers, tries=150) as base:
        for url in browse_urls:  # each browse page answers before the clock starts
            answer = httpx.get(f"{base}{url}", headers={"Cookie": f"sessionid={session.session_key}"})
            print(f"  {url}: {answer.status_code}")
        load_average = os.getloadavg()
        begun = time.monotonic()
        tally = asyncio.run(run_clients(args, base, form_path, browse_urls, session.session_key))
        elapsed = time.monotonic() - begun

    stored = Response.objects.filter(service=service).count() - before
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average before the run {load_average[0]:.1f}, after {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{args.form_clients} form clients + {args.browse_clients} browsing clients "
        f"({', '.join(browse_urls)}) for {elapsed:.1f} s; gunicorn {args.workers} sync workers"
    )
    failures, accepted, refused = report(tally)
    print(f"accepted submissions/s: {accepted / elapsed:.1f}")
    print(f"responses stored: {stored}; accepted (3xx) answers: {accepted}; POSTs refused (200): {refused}")
    checks = {
        "no server errors or transport failures": failures == 0,
        "stored == accepted answers": stored == accepted,
        "no valid POST refused": refused == 0,
    }
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}: {name}")

    import redis

    redis.Redis.from_url(redis_url).delete("nlp", "default")  # the tagging tasks queued for the scratch data
    connections.close_all()
    if not args.keep:
        drop_database(bench_db)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
