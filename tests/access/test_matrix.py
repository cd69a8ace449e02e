"""Walk the URL conf: every URL has an entry in an area file, and every entry answers each role as declared.
Any answer that is a file download (Content-Disposition: attachment) or shows original text (ORIGINAL_MARKER)
must also leave an access-audit event, and original text never reaches a role that reads only redacted text.

Each route is one test; inside it every role's request runs in its own savepoint that is rolled back, so a
POST by one role (a status change, a consent) never changes what the next role finds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from insight_hub.privacy.models import AuditAction, AuditEvent
from tests.factories import UserFactory

from .matrix import OK, ORIGINAL_MARKER, REDACTED_ONLY, ROLES, SIGN_IN, areas, is_admin, url_names

AREAS = areas()
CASES = [(area, route) for area in AREAS for route in area.routes]


def test_every_url_in_the_url_conf_has_an_entry():
    declared = {route.name for _, route in CASES}
    missing = sorted(name for name in url_names() if not is_admin(name) and name not in declared)
    assert not missing, (
        "These URLs have no entry in the access matrix; add them to tests/access/<area>.py "
        "(see tests/access/README.md):\n" + "\n".join(f"  {name}  ({url_names()[name]})" for name in missing)
    )


def test_every_entry_names_a_url_that_exists():
    stale = sorted({route.name for _, route in CASES} - set(url_names()))
    assert not stale, f"Access matrix entries for URLs that no longer exist: {stale}"


def _request(client, route, objects):
    def resolve(value):
        return value(objects) if callable(value) else value

    url = reverse(route.name, args=resolve(route.args) or None, kwargs=resolve(route.kwargs) or None)
    data = resolve(route.data)
    send = client.post if route.method == "POST" else client.get
    return url, send(url, data, headers=route.headers)


# Every file that leaves the hub and every page with original text is on record (privacy/audit.py).
ACCESS_ACTIONS = [
    AuditAction.EXPORT_DOWNLOADED,
    AuditAction.REPORT_DOWNLOADED,
    AuditAction.STORY_VIEWED_UNREDACTED,
    AuditAction.RESPONSE_VIEWED_UNREDACTED,
]


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _is_download(response) -> bool:
    return response.status_code == OK and response.get("Content-Disposition", "").startswith("attachment")


def _matches(response, expected) -> bool:
    sign_in = reverse("login")
    location = response.get("Location", "")
    if expected == SIGN_IN:
        return response.status_code == 302 and location.startswith(sign_in)
    if response.status_code == 302 and location.startswith(sign_in):
        return False  # a redirect to sign in is never the REDIRECT a signed-in role expects
    return response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "route"), CASES, ids=[f"{area.name}: {route.id}" for area, route in CASES])
def test_route_answers_each_role_as_declared(client, world, area, route):
    objects = SimpleNamespace(world=world, **area.setup(world))
    people = world.people()
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            before = AuditEvent.objects.filter(action__in=ACCESS_ACTIONS).count()
            url, response = _request(client, route, objects)
            body = _body(response)
            audited = AuditEvent.objects.filter(action__in=ACCESS_ACTIONS).count() > before
            transaction.set_rollback(True)
        shows_original = ORIGINAL_MARKER in body
        if shows_original and role in REDACTED_ONLY and role not in route.originals:
            wrong.append(f"  {role}: received original (unredacted) text")
        if (shows_original or _is_download(response)) and not audited:
            what = "showed original text" if shows_original else "downloaded a file"
            wrong.append(f"  {role}: {what} and nothing was recorded in the access audit")
        if not _matches(response, route.expect[role]):
            got = response.status_code
            if got in (301, 302):
                got = f"{got} → {response['Location']}"
            wrong.append(f"  {role}: expected {route.expect[role]}, got {got}")
    assert not wrong, f"{route.method} {url}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_django_admin_is_for_staff_only(client, world):
    """One rule for every admin URL: nobody in a hub role is staff, so all of them are sent to the admin's
    own sign-in; a staff superuser gets in. Checked on the index and every registered model's list."""
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    people = world.people()
    admin_login = reverse("admin:login")
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(people[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(admin_login), (role, url)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in urls:
        assert client.get(url).status_code == OK, url
