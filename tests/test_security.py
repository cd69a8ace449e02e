"""Security: lock-out after failed sign-ins, a strict CSP, HTTPS-only cookies and HSTS when DEBUG is off,
`check --deploy` clean with production settings, uploads limited in size and checked by content, and no
personal data in the logs while a story is saved and tagged."""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories.models import Story
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def sign_in(client, email, password, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


# django-axes: repeated failures lock a sign-in out (tests/test_auth.py has the basic case).


def test_changing_the_case_of_the_email_does_not_buy_more_attempts(client, world):
    spellings = [
        world.px_a.email.upper(),
        world.px_a.email,
        world.px_a.email.title(),
        f" {world.px_a.email} ",
    ]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], "wrong")
    assert sign_in(client, world.px_a.email, TEST_PASSWORD).status_code == 429


def test_the_lock_out_page_is_the_same_for_an_address_with_no_account(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "nobody@example.nhs.uk", "wrong")
        sign_in(client, world.px_b.email, "wrong")
    nobody = sign_in(client, "nobody@example.nhs.uk", "wrong")
    somebody = sign_in(client, world.px_b.email, TEST_PASSWORD)
    assert nobody.status_code == somebody.status_code == 429
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", nobody.content.decode()) == strip.sub("", somebody.content.decode())


def test_a_lock_out_holds_for_the_cool_off_time_then_lifts(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, world.px_a.email, "wrong")
    assert sign_in(client, world.px_a.email, TEST_PASSWORD).status_code == 429
    almost = timezone.now() - settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=almost)
    assert sign_in(client, world.px_a.email, TEST_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=almost - datetime.timedelta(minutes=2))
    response = sign_in(client, world.px_a.email, TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_success_before_the_limit_starts_the_count_again(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, world.px_a.email, "wrong")
    assert sign_in(client, world.px_a.email, TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, world.px_a.email, "wrong")
    assert sign_in(client, world.px_a.email, TEST_PASSWORD).status_code == 302


def test_a_lock_out_is_for_the_address_and_the_account_together(world):
    """Locking by (username, IP) means an attacker cannot lock a colleague out from elsewhere."""
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, world.px_a.email, "wrong")
    assert sign_in(attacker, world.px_a.email, TEST_PASSWORD).status_code == 429
    assert sign_in(colleague, world.px_a.email, TEST_PASSWORD).status_code == 302


# Content Security Policy: no inline script anywhere, so none can be injected.


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "login"),
        (None, "public_form"),
        ("px_a", "home"),
        ("px_a", "story"),
        ("admin", "privacy:audit_list"),
    ],
)
def test_every_kind_of_page_has_a_csp_without_unsafe_script(client, world, who, url):
    if url == "public_form":
        url = reverse("feedback:public_form", args=[world.service_a.public_id])
    elif url == "story":
        story = StoryFactory(organisation=world.trust_a, user=world.px_a)
        url = reverse("stories:detail", args=[story.pk])
    else:
        url = reverse(url)
    if who:
        client.force_login(world.people()[who])
    response = client.get(url, secure=True)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    scripts = csp.get("script-src", csp["default-src"])
    assert scripts == ["'self'"], scripts
    assert not any("unsafe" in value for values in csp.values() for value in values)
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_no_template_has_inline_script_style_or_hx_on():
    """The CSP would block them in the browser; this finds them before anyone ships one."""
    problems = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    for path in TEMPLATES.rglob("*.html"):
        if "notifications" in path.parts or "email" in path.parts:
            continue  # emails are read in mail clients, never under the CSP, and need inline styles
        text = path.read_text()
        for pattern, what in [
            (inline_script, "inline <script>"),
            (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style= attribute"),
            (re.compile(r"\shx-on", re.IGNORECASE), "hx-on attribute"),
            (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE), "inline event handler"),
        ]:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, "\n".join(problems)


# HTTPS: what the settings module makes of a production environment, read in a fresh process.


def _production_env(**overrides) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hub.example.nhs.uk",
        "DJANGO_SETTINGS_MODULE": "insight_hub.settings",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env | overrides


def _settings_in(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_HTTPONLY",
)


def test_with_debug_off_cookies_are_https_only_and_hsts_is_a_year():
    values = _settings_in(_production_env(), *HTTPS_SETTINGS)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }


def test_with_debug_on_a_developer_can_work_over_plain_http():
    values = _settings_in(_production_env(DEBUG="true"), *HTTPS_SETTINGS)
    assert not values["SESSION_COOKIE_SECURE"] and not values["SECURE_SSL_REDIRECT"]
    assert not values["SECURE_HSTS_SECONDS"]


def test_manage_py_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout
    # The one deliberate exception (see settings): HSTS preload is the domain owner's opt-in.
    silenced = _settings_in(_production_env(), "SILENCED_SYSTEM_CHECKS")["SILENCED_SYSTEM_CHECKS"]
    assert silenced == ["security.W021"]
    assert _settings_in(_production_env(SECURE_HSTS_PRELOAD="true"), "SILENCED_SYSTEM_CHECKS") == {
        "SILENCED_SYSTEM_CHECKS": []
    }


@pytest.mark.skipif(settings.DEBUG, reason="these settings are only on when DEBUG is off")
def test_a_signed_in_response_sends_hsts_and_secure_httponly_session_cookie(client, world):
    response = sign_in(client, world.px_a.email, TEST_PASSWORD, secure=True)
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    page = client.get(reverse("home"), secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies.get("csrftoken") is None or page.cookies["csrftoken"]["secure"]


# Uploads: size limited before they are read, and checked by their content, not only their name.


def _story_upload(client, world, upload):
    client.force_login(world.px_a)
    return client.post(reverse("stories:import"), {"organisation": world.trust_a.pk, "file": upload})


def test_a_stories_file_over_the_limit_is_refused_with_the_limit_named(client, world, settings):
    settings.MAX_STORY_IMPORT_BYTES = 2048
    big = b"external_id,title,narrative\n" + b"1,A,The nurses were kind.\n" * 200
    response = _story_upload(client, world, SimpleUploadedFile("stories.csv", big, content_type="text/csv"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "the largest stories file you can import is 2,048 bytes" in html
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "an Excel workbook"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF"),
        (b"external_id,title\n\x00\x01\x02\x03", "not a text file"),
    ],
)
def test_a_stories_file_whose_content_is_not_csv_is_refused(client, world, content, said):
    response = _story_upload(client, world, SimpleUploadedFile("stories.csv", content))
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not Story.objects.exists()


def test_the_stories_limit_is_set_from_the_environment_and_documented():
    assert "MAX_STORY_IMPORT_BYTES=" in (ROOT / ".env.example").read_text()
    values = _settings_in(_production_env(MAX_STORY_IMPORT_BYTES="4096"), "MAX_STORY_IMPORT_BYTES")
    assert values == {"MAX_STORY_IMPORT_BYTES": 4096}


def test_a_feedback_import_over_the_limit_is_refused_before_it_is_stored(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_IMPORT_FILE_BYTES = 1024
    client.force_login(world.px_a)
    content = b"date,question_1,fft_score\n" + b"2025-03-01,Kind staff,1\n" * 100
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("big.csv", content)},
    )
    assert response.status_code == 200
    assert "The file is too big" in response.content.decode()
    assert not any(tmp_path.rglob("*.csv"))


def test_a_feedback_import_that_is_a_renamed_pdf_is_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("a.csv", b"%PDF-1.7\n\x00\x01binary")},
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


# Logs: a story with a name, an NHS number and a phone number is saved and tagged; none of them is logged.

PERSONAL = {
    "name": "Margaret Thistlewood",
    "nhs_number": "943 476 5919",
    "nhs_number_digits": "9434765919",
    "phone": "07700 900123",
    "email": "margaret.thistlewood@example.com",
}
NARRATIVE = (
    f"My mother {PERSONAL['name']} (NHS number {PERSONAL['nhs_number']}) waited nine hours in A&E. "
    f"Please call me on {PERSONAL['phone']} or write to {PERSONAL['email']}. The nurses were kind."
)


def test_no_personal_data_reaches_the_logs_while_a_story_is_saved_and_tagged(
    client, world, caplog, settings, django_capture_on_commit_callbacks
):
    # The most talkative set-up a person could choose: everything at DEBUG, Django's DEBUG (SQL logging) on.
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    today = timezone.localdate()
    client.force_login(world.px_a)
    data = {
        "organisation": world.trust_a.pk,
        "title": f"{PERSONAL['name']} waited",
        "narrative": NARRATIVE,
        "teller": "carer",
        "when_day": "",
        "when_month": str(today.month),
        "when_year": str(today.year),
        "source_channel": "interview",
        "services": [world.service_a.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stories:create"), data)
    assert response.status_code == 302
    story = Story.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stories:edit", args=[story.pk]), data | {"narrative": NARRATIVE + " Again."})
        client.get(reverse("stories:detail", args=[story.pk]))
    story.refresh_from_db()
    assert story.tag_status == "tagged", "the tagger should have run, so that its logs were captured"
    assert PERSONAL["phone"] not in story.redacted_narrative

    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert any(record.name.startswith("insight_hub.themes") for record in caplog.records), (
        "nothing was captured from the tagger: the test would pass whatever was logged"
    )
    for what, text in PERSONAL.items():
        assert text.lower() not in logged.lower(), f"{what} appears in the logs"
    assert "Thistlewood" not in logged


class _TaggerThatQuotesItsInput:
    """A tagger bug whose exception message quotes the text it was given, as careless code might."""

    version = "test-quotes-input"

    def tag(self, items, local_themes=None):
        raise ValueError(f"cannot tag {items[0].text!r}")


def test_a_tagging_failure_logs_the_error_type_not_the_text(world, caplog, monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, narrative=NARRATIVE)
    caplog.set_level(logging.DEBUG)
    counts = theme_services.items_tag(
        label="stories.story", ids=[story.pk], tagger=_TaggerThatQuotesItsInput()
    )
    assert counts["failed"] == 1
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING and "failed" in r.getMessage()]
    assert warning.getMessage().endswith("failed: ValueError")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for what, text in PERSONAL.items():
        assert text.lower() not in logged.lower(), f"{what} appears in the logs"
    assert "nurses were kind" not in logged  # not even the redacted text
