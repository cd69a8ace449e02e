"""Benchmark: accepted submissions per second on the public FFT form, and none lost.

Starts gunicorn (2 sync workers) on a free loopback port against a scratch PostgreSQL database made next
to DATABASE_URL's, with Redis as cache and broker (tagging is only queued, as in production). N client
threads post the form for a bounded time, each post with a fresh one-time token minted the way the view
mints it, and count the answers; afterwards the rows in the database must equal the accepted answers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub .venv/bin/python bench/public_form.py \
        --clients 8 --seconds 20

The rate limit would throttle every client (they all post from 127.0.0.1), so the run sets
PUBLIC_FORM_RATE_LIMIT high in a settings module of its own, which imports the hub's settings.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from served import drop_database, gunicorn, run_environment, scratch_database

COMMENTS = ["The nurses were lovely.", "Parking was a nightmare.", "", "", "Waited too long to be seen."]

BENCH_SETTINGS = """
from insight_hub.settings import *  # noqa: F403

PUBLIC_FORM_RATE_LIMIT = 10**9
# The form page links its CSS by plain name: no collectstatic manifest needed for the run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


WRK_SCRIPT = """
-- Each request posts the form with its own one-time token, read from a file the benchmark wrote.
local tokens, counter, threads = {}, 0, 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  stride, offset = tonumber(args[2]), id
end
function request()
  local token = tokens[offset + counter * stride + 1]
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. csrf .. "&token=" .. token .. "&q1=1&q2=The+nurses+were+lovely.&q3="
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
                                  ["Cookie"] = "csrftoken=" .. csrf}, body)
end
"""


def run_wrk(args, form_url: str, services, service, version, outcomes: Counter) -> float:
    """Post with wrk (C, two threads): the client takes little of the two cores the server needs. Tokens are
    minted beforehand, many more than can be posted in the time, so no token is used twice."""
    import shutil
    from urllib.parse import quote

    if not shutil.which("wrk"):
        sys.exit("--client wrk needs wrk (Debian package wrk)")
    page = requests.get(form_url, timeout=10)
    csrf = page.cookies["csrftoken"]
    threads = 2
    count = int(600 * args.seconds * threads)
    with tempfile.TemporaryDirectory() as folder:
        token_file = Path(folder) / "tokens.txt"
        token_file.write_text(
            "\n".join(
                quote(services.public_token_mint(service=service, version=version), safe="")
                for _ in range(count)
            )
        )
        script = Path(folder) / "post.lua"
        script.write_text(f'csrf = "{csrf}"\n' + WRK_SCRIPT)
        started = time.monotonic()
        result = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(args.clients),
                "-d",
                f"{int(args.seconds)}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                form_url,
                "--",
                str(token_file),
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.monotonic() - started
    print(result.stdout)
    total = int(re.search(r"(\d+) requests in", result.stdout).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    errors = re.search(r"Socket errors: (.*)", result.stdout)
    outcomes["accepted"] = total - (int(failed.group(1)) if failed else 0)
    if failed:
        outcomes["not 2xx/3xx"] = int(failed.group(1))
    if errors:
        outcomes["socket errors: " + errors.group(1)] = 1
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (gthread); 1 = sync workers, as in the Dockerfile",
    )
    parser.add_argument(
        "--client",
        choices=["python", "wrk"],
        default="python",
        help="python: threads with requests; wrk: the C load generator (Debian's wrk), lighter on the CPU",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark makes a scratch one beside it.")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    bench_db = scratch_database(database_url, "bench_public_form")
    env = run_environment(
        database_url=bench_db, redis_url=redis_url, settings=BENCH_SETTINGS, prefix="bench-public-form-"
    )

    import django

    django.setup()
    from django.core.management import call_command

    from feedback import services
    from feedback.models import Response
    from insight_hub.organisations.models import Organisation, Service

    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(ods_code="BEN", name="BENCH HOSPITALS NHS TRUST", kind="acute")
    service = Service.objects.create(organisation=organisation, name="Ward 1", fft_setting="inpatient")
    version = services.fft_survey_for(organisation=organisation)
    from django.db import connections

    connections.close_all()

    options = ("--worker-class", "gthread", "--threads", str(args.threads)) if args.threads > 1 else ()
    with gunicorn(env, workers=args.workers, options=options, tries=100) as base:
        form_url = f"{base}/feedback/s/{service.public_id}/"
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client(number: int) -> None:
            rng = random.Random(number)
            session = requests.Session()
            page = session.get(form_url, timeout=10)  # the CSRF cookie, as a browser gets it
            page.raise_for_status()
            csrf = page.cookies["csrftoken"]
            # The cookie is Secure (DEBUG is off), so requests would not send it back over plain HTTP.
            headers = {"Cookie": f"csrftoken={csrf}"}
            local: Counter[str] = Counter()
            while time.monotonic() < stop_at:
                data = {
                    "csrfmiddlewaretoken": csrf,
                    "token": services.public_token_mint(service=service, version=version),
                    "q1": str(rng.choices(range(1, 7), weights=[60, 25, 5, 4, 4, 2])[0]),
                    "q2": rng.choice(COMMENTS),
                    "q3": rng.choice(COMMENTS),
                }
                try:
                    answer = session.post(
                        form_url, data=data, headers=headers, allow_redirects=False, timeout=30
                    )
                    local[
                        "accepted" if answer.status_code in (302, 303) else f"http {answer.status_code}"
                    ] += 1
                except requests.RequestException as exc:
                    local[exc.__class__.__name__] += 1
            with lock:
                outcomes.update(local)

        started = time.monotonic()
        if args.client == "wrk":
            elapsed = run_wrk(args, form_url, services, service, version, outcomes)
        else:
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(client, range(args.clients)))
            elapsed = time.monotonic() - started

    stored = Response.objects.filter(service=service).count()
    accepted = outcomes["accepted"]
    rate = accepted / elapsed
    lost = accepted - stored
    print(f"date: {time.strftime('%Y-%m-%d')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"clients: {args.clients}, gunicorn workers: {args.workers} x {args.threads} threads, {elapsed:.1f} s"
    )
    print(f"outcomes: {dict(outcomes)}")
    # wrk stops at the deadline without reading the answers in flight; the server still stores those
    # posts, so up to one per connection may be stored without an answer counted. None may be missing.
    in_flight = max(stored - accepted, 0)
    print(
        f"rows stored: {stored}, accepted answers: {accepted}, lost: {max(lost, 0)}, "
        f"stored while in flight at the deadline: {in_flight}"
    )
    print(f"accepted submissions/s: {rate:.0f}")

    import redis

    redis.Redis.from_url(redis_url).delete("nlp")  # the queued tagging tasks of the scratch data
    connections.close_all()
    if not args.keep:
        drop_database(bench_db)
    return 0 if lost <= 0 and in_flight <= args.clients else 1


if __name__ == "__main__":
    sys.exit(main())
