"""Form bodies Django cannot decode get a 400 that says why (issue #15), never a 500.

The attack: any urlencoded POST with `charset=latin-1` in its Content-Type, on the sign-in page or a public
survey form, was a 500. Django refuses a non-UTF-8 form with BadRequest where request.POST is first read (the
CSRF check), and its 400 page then read request.POST again through the same check. These requests are made
as a browser makes them, with the CSRF cookie and token, because that check is where it failed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A client that checks CSRF as the hub does in production, and answers a server error with a 500
    rather than raising it in the test."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def form_pages(world) -> list[str]:
    return [
        reverse("login"),
        reverse("feedback:public_form", kwargs={"public_id": world.service_a.public_id}),
    ]


def post_form(browser, url: str, body: bytes, content_type: str):
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    return browser.generic(
        "POST", url, body + b"&csrfmiddlewaretoken=" + token.encode(), content_type=content_type
    )


@pytest.mark.parametrize("charset", ["latin-1", "LATIN-1", "utf-16", "windows-1252", "utf8"])
def test_a_form_in_a_character_set_other_than_utf8_is_a_400_that_says_so(browser, world, charset):
    for url in form_pages(world):
        answer = post_form(
            browser,
            url,
            b"username=a%E9&password=b&q1=2",
            f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert answer.status_code == 400, url
        assert answer.content.decode() == (
            f"Forms must be sent as UTF-8; this one says charset={charset}. Send it as UTF-8."
        )


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=bogus",
        "multipart/form-data; boundary=xyz; charset=no-such-thing",
        "text/plain; charset=x" + "y" * 100,
    ],
)
def test_a_character_set_the_hub_does_not_know_is_a_400(browser, world, content_type):
    for url in form_pages(world):
        answer = post_form(browser, url, b"username=a&password=b", content_type)
        assert answer.status_code == 400, url
        assert "which is not one the hub knows. Send it as UTF-8." in answer.content.decode()


def test_invalid_utf8_in_a_form_is_read_with_replacement_characters(browser, world):
    url = form_pages(world)[1]
    answer = post_form(browser, url, b"q1=2&q2=Kind+staff+%FF%FE&q3=", "application/x-www-form-urlencoded")
    assert answer.status_code in (200, 302)


def test_a_form_with_more_fields_than_django_reads_is_a_400(browser, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    body = b"&".join(b"f%d=1" % i for i in range(200))
    for url in form_pages(world):
        answer = post_form(browser, url, body, "application/x-www-form-urlencoded")
        assert answer.status_code == 400, url
        assert answer.content.decode().startswith("The form sent cannot be read: The number of GET/POST")


def test_a_form_bigger_than_django_reads_is_a_413(browser, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    for url in form_pages(world):
        answer = post_form(browser, url, b"q2=" + b"x" * 20_000, "application/x-www-form-urlencoded")
        assert answer.status_code == 413, url


def test_an_ordinary_utf8_form_still_works(browser, world):
    url = form_pages(world)[1]
    before = Response.objects.count()
    page = browser.get(url).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    answer = browser.post(
        url,
        {
            "q1": "2",
            "q2": "Kind staff é",
            "token": token,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert answer.status_code == 302 and Response.objects.count() == before + 1
    answer = post_form(
        browser,
        reverse("login"),
        b"username=a&password=b",
        "application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert answer.status_code == 200  # the sign-in form again: wrong details, read as sent
