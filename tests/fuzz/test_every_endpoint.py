"""Every URL in the URL conf fed odd request bodies (issue #15): form bodies in other character sets, unknown
character sets, invalid UTF-8, broken multipart, JSON nested 50,000 deep, 5,000-digit numbers, JSON of the
wrong types, and every field the page takes set to a 5,000-digit number. The answer is never a server error.

The routes, their objects and who may reach each come from the access matrix (tests/access/), so a new URL
is fuzzed here as soon as it has its matrix entry. Each URL is requested as a role that gets in (so the body
reaches the view, not only the sign-in redirect), each request in a savepoint rolled back after it. CSRF is
checked as in production (a token in the X-CSRFToken header), because the CSRF check is where Django first
reads a form body: the sign-in page's 500 on `charset=latin-1` happened there."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from insight_hub.themes.api import token_create
from tests.access.conftest import _media, _tagging_not_run  # noqa: F401 - autouse fixtures, by name
from tests.access.matrix import OK, REDIRECT, areas, is_admin, url_names

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000
DEEP = b"[" * 50_000 + b"]" * 50_000
# Who is tried first: a role that reaches most pages, then the others.
ORDER = ("px_a", "admin", "icb_lead", "board_a", "px_b", "anonymous")
# Fields many views read from a query string or a form, beyond those the matrix entry sends.
CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # 32 letters: a CSRF secret Django accepts as the token too
COMMON_FIELDS = (
    "page",
    "organisation",
    "service",
    "period",
    "survey",
    "theme",
    "status",
    "q",
    "month",
    "year",
)


def _routes():
    """One route per URL name (the matrix may have several: objects of each trust, GET and POST)."""
    chosen = {}
    for area in areas():
        for route in area.routes:
            current = chosen.get(route.name)
            if current is None or (route.method == "POST" and current[1].method != "POST"):
                chosen[route.name] = (area, route)
    return sorted(chosen.values(), key=lambda pair: pair[1].name)


ROUTES = _routes()


def _fields(route, objects) -> list[str]:
    data = route.data(objects) if callable(route.data) else route.data
    return [*dict(data or {}), *COMMON_FIELDS]


def bodies(fields: list[str]) -> list[tuple[str, str, bytes]]:
    """(label, content type, body) for every odd body sent to every URL."""
    huge_form = "&".join(f"{name}={HUGE}" for name in fields).encode()
    multipart = encode_multipart(
        BOUNDARY,
        {**dict.fromkeys(fields, HUGE), "file": SimpleUploadedFile("x.json", DEEP)},
    )
    return [
        ("latin-1 form", "application/x-www-form-urlencoded; charset=latin-1", b"a=%E9&" + huge_form),
        ("utf-16 form", "application/x-www-form-urlencoded; charset=utf-16", "a=b".encode("utf-16")),
        ("unknown charset", "application/x-www-form-urlencoded; charset=bogus", huge_form),
        ("invalid utf-8", "application/x-www-form-urlencoded", b"a=%FF%FE&\xff\xfe=\xc3\x28&" + huge_form),
        ("5000-digit fields", "application/x-www-form-urlencoded", huge_form),
        ("utf-16 multipart", f"{MULTIPART_CONTENT}; charset=utf-16", multipart),
        ("huge multipart", MULTIPART_CONTENT, multipart),
        (
            "broken multipart",
            MULTIPART_CONTENT,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a'.encode(),
        ),
        ("deep json", "application/json", DEEP),
        ("5000-digit json", "application/json", b'[{"comment_id": ' + HUGE.encode() + b', "id": 1}]'),
        (
            "wrong json types",
            "application/json",
            json.dumps({"tags": 5, "opinions": 5, "comment_id": [], "comment_text": {"a": None}}).encode(),
        ),
        ("latin-1 text", "text/plain; charset=latin-1", b"caf\xe9"),
    ]


def _role_that_gets_in(route) -> str:
    for role in ORDER:
        if route.expect[role] in (OK, REDIRECT):
            return role
    return "px_a"


@pytest.mark.parametrize(("area", "route"), ROUTES, ids=[route.name for _, route in ROUTES])
def test_every_url_answers_odd_bodies_and_huge_numbers_without_a_server_error(world, area, route):
    objects = SimpleNamespace(world=world, **area.setup(world))
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_SECRET
    role = _role_that_gets_in(route)
    if role != "anonymous":
        client.force_login(world.people()[role])
    args = route.args(objects) if route.args else None
    kwargs = route.kwargs(objects) if route.kwargs else None
    url = reverse(route.name, args=args, kwargs=kwargs)
    headers = {**route.headers, "X-CSRFToken": CSRF_SECRET}
    if route.name == "api_predict":
        headers["Authorization"] = f"Bearer {token_create(user=world.icb_lead, name='fuzz')}"
    fields = _fields(route, objects)
    requests = [("POST", label, content_type, body) for label, content_type, body in bodies(fields)]
    requests.append(("GET", "5000-digit query", "", "&".join(f"{name}={HUGE}" for name in fields).encode()))
    failures = []
    for method, label, content_type, body in requests:
        with transaction.atomic():
            try:
                if method == "GET":
                    answer = client.get(f"{url}?{body.decode()}", headers=headers)
                else:
                    answer = client.generic("POST", url, body, content_type=content_type, headers=headers)
            except Exception as exc:  # noqa: BLE001 - the test client raises what the view raised
                failures.append(f"{label}: {exc.__class__.__name__}: {str(exc)[:200]}")
            else:
                if answer.status_code >= 500:
                    failures.append(f"{label}: {answer.status_code}")
            transaction.set_rollback(True)
    assert not failures, f"{url} as {role}:\n  " + "\n  ".join(failures)


def test_every_url_of_the_url_conf_is_fuzzed():
    fuzzed = {route.name for _, route in ROUTES}
    missing = sorted(name for name in url_names() if not is_admin(name) and name not in fuzzed)
    assert not missing, missing
