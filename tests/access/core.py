"""Access matrix: the home page, health check, sign-in and password pages, the prediction API (bearer tokens,
never a session) and the access audit (system administrators only)."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from insight_hub.notifications.digests import unsubscribe_path
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, SIGN_IN, Route, expect

UNAUTHORISED = 401


def setup(world) -> dict:
    user = world.px_a
    return {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "unsubscribe_token": unsubscribe_path(user).rstrip("/").rsplit("/", 1)[-1],
    }


ROUTES = [
    Route("home", expect(OK)),
    Route("healthz", expect(OK, anonymous=OK)),
    # The operations page: the ICS's system administrators only.
    Route("operations", expect(NOT_FOUND, admin=OK, anonymous=SIGN_IN)),
    # The notices every footer links to: public, as the survey form that links them is.
    Route("accessibility_statement", expect(OK, anonymous=OK)),
    Route("privacy_notice", expect(OK, anonymous=OK)),
    # Sign-in and password reset are for everyone; a signed-in person may still open them.
    Route("login", expect(OK, anonymous=OK)),
    Route("logout", expect(SIGN_IN), method="POST"),
    Route("password_change", expect(OK)),
    Route("password_change_done", expect(OK)),
    Route("password_reset", expect(OK, anonymous=OK)),
    Route("password_reset_done", expect(OK, anonymous=OK)),
    # A valid link redirects to the set-password form (the token moves into the session). px_a's link was
    # made before px_a signed in, and signing in spends it: px_a gets the "link no longer works" page.
    Route(
        "password_reset_confirm",
        expect(REDIRECT, anonymous=REDIRECT, px_a=OK),
        kwargs=lambda o: {"uidb64": o.uid, "token": o.token},
        label="px_a's reset link",
    ),
    Route("password_reset_complete", expect(OK, anonymous=OK)),
    # The API takes a bearer token only: a signed-in session is not enough.
    Route(
        "api_predict",
        expect(UNAUTHORISED, anonymous=UNAUTHORISED),
        method="POST",
        data={"items": []},
        label="no token",
    ),
    Route("api_schema", expect(OK, anonymous=OK)),
    Route("privacy:audit_list", expect(NOT_FOUND, admin=OK)),
    # Everyone chooses the day of their own weekly email; the email's signed link works without signing
    # in (a made-up link is a 404 for everyone).
    Route("digest_settings", expect(OK)),
    Route("digest_off", expect(OK, anonymous=OK), args=lambda o: [o.unsubscribe_token], label="px_a's link"),
    Route(
        "digest_off",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        args=lambda o: ["made-up"],
        label="a made-up link",
    ),
]
