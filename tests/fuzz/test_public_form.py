"""The public FFT form fed arbitrary posts (hypothesis), beyond the field-by-field property in
tests/feedback/test_public_form.py: unknown fields, NUL and control characters, repeated values, raw bodies of
any content type, the easy-read form. The answer is a thank-you (and one response stored) or the form again
or a 4xx (and nothing stored); never a server error."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Comment, Response

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KNOWN = ["q1", "q2", "q3", "token", "ethnic_category", "age_band", "sex", "disability", "website"]
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["1", "2", "6", "0", "99", "A", "Z", "male", "yes", "\x00", "a\x00b", "\r\n", "x" * 6000]
    ),
)
FORM_NAMES = ["feedback:public_form", "feedback:public_form_easy_read"]


def url(service, name: str) -> str:
    return reverse(name, kwargs={"public_id": service.public_id})


def fresh_token(client, service, name: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', client.get(url(service, name)).content.decode()).group(
        1
    )


OUTCOMES: set[tuple[int, int]] = set()  # (status, rows stored) the examples produced


def check_outcome(answer, before: int) -> None:
    stored = Response.objects.count() - before
    OUTCOMES.add((answer.status_code, stored))
    assert answer.status_code < 500
    if answer.status_code == 302:
        assert stored <= 1  # 0 when the honeypot was filled or the same token was sent twice
    else:
        assert answer.status_code in (200, 400, 405, 413, 429) and stored == 0, answer.status_code
    # (PostgreSQL could not have stored a NUL; a query for one would itself be refused, so read the texts.)
    assert not any("\x00" in text for text in Comment.objects.values_list("text", flat=True))


@FUZZ
@given(
    fields=st.dictionaries(
        st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=10)),
        st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3)),
        max_size=10,
    ),
    start_valid=st.booleans(),
    keep_token=st.booleans(),
    name=st.sampled_from(FORM_NAMES),
)
def test_any_fields_and_values_are_stored_once_or_refused(
    client, world, fields, start_valid, keep_token, name
):
    cache.clear()  # the rate limit
    if start_valid:  # a good answer with arbitrary fields over it, so that some posts are stored
        fields = {"q1": "2", "q2": "Kind staff", "q3": "", **fields}
    if keep_token:
        fields["token"] = fresh_token(client, world.service_a, name)
    before = Response.objects.count()
    check_outcome(client.post(url(world.service_a, name), fields), before)


def test_the_field_examples_reached_both_a_stored_answer_and_a_refusal():
    # Runs after the property above (file order).
    assert (302, 1) in OUTCOMES and (200, 0) in OUTCOMES, OUTCOMES


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain; charset=latin-1",
            "application/x-www-form-urlencoded; charset=nonsense",
        ]
    ),
)
def test_any_raw_body_of_any_content_type_is_never_a_server_error(client, world, body, content_type):
    cache.clear()
    before = Response.objects.count()
    answer = client.generic("POST", url(world.service_a, FORM_NAMES[0]), body, content_type=content_type)
    check_outcome(answer, before)
