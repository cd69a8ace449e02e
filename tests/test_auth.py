"""Sign-in, lock-out, session expiry, CSRF on htmx requests and security headers."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_signing_in_with_the_email_address(client, world):
    response = sign_in(client, world.px_a.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client, world):
    page = sign_in(client, world.px_a.email, "wrong").content.decode()
    assert "nhsuk-error-summary" in page
    assert "Enter a correct email address and password" in page


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, world.px_a.email, "wrong")
    response = sign_in(client, world.px_a.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_sessions_expire_after_inactivity_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST


def test_htmx_posts_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.px_a)
    url = reverse("organisations:service_create", args=[world.trust_a.ods_code])
    data = {"name": "Ward 40", "fft_setting": "inpatient", "_validate": "name"}
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    # base.html puts the token in hx-headers on <body>, so htmx sends it as X-CSRFToken.
    assert 'hx-headers=\'{"X-CSRFToken": "' in page.content.decode()
    response = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_pages_carry_security_headers(client, world):
    client.force_login(world.px_a)
    response = client.get(reverse("home"), secure=True)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_password_reset_sends_an_email_with_a_link(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    # Through the outbox: sent by a task once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": world.px_a.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/reset/" in mailoutbox[0].body
