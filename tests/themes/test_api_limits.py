"""The prediction API's limits (issue #15): a request it cannot tag well inside a web request is refused
before the tagger starts, and odd JSON gets a 400 that says why, never a 500."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from insight_hub.themes.api import SCHEMA, token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(world):
    return token_create(user=world.icb_lead, name="tests")


def post(client, body: bytes, token: str, **extra):
    return client.post(
        reverse("api_predict"),
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def comments(count: int, chars: int) -> bytes:
    return json.dumps(
        [{"comment_id": i, "comment_text": "The nurses were kind. " * (chars // 22)} for i in range(count)]
    ).encode()


def test_the_attacks_480_texts_of_20000_characters_are_refused_before_they_are_read(client, world, token):
    body = comments(480, 20_000)  # 9.6 MB: it held a worker for 30 s and 733 MB, then a 500
    started = time.perf_counter()
    answer = post(client, body, token)
    assert time.perf_counter() - started < 10  # the test client's own copying of 9.6 MB, on a busy machine
    assert answer.status_code == 413
    assert answer.json()["title"] == "Request too large"
    assert "send at most 300,000 characters of comment text per request" in answer.json()["detail"]


def test_more_characters_in_all_than_a_request_takes_are_refused_before_tagging(client, world, token):
    body = comments(16, 20_000)  # 319,968 characters, each text within the per-comment limit
    started = time.perf_counter()
    answer = post(client, body, token)
    assert time.perf_counter() - started < 2  # tagging them takes seconds
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"].startswith(
        "At most 300,000 characters of comment text per request (this one has 319,968)"
    )


def test_a_request_at_the_character_limit_is_tagged(client, world, token, settings):
    settings.API_MAX_CHARS_PER_REQUEST = 2_000
    answer = post(client, comments(4, 500), token)
    assert answer.status_code == 200 and len(answer.json()) == 4


def test_json_nested_50000_deep_is_a_400(client, world, token):
    answer = post(client, b"[" * 50_000 + b"]" * 50_000, token)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "The JSON is nested more than 32 levels deep."


def test_json_nested_just_inside_pythons_own_limit_is_a_400_too(client, world, token):
    answer = post(client, b"[" * 900 + b"]" * 900, token)
    assert answer.status_code == 400 and "nested more than 32" in answer.json()["detail"]


def test_a_5000_digit_id_is_a_400(client, world, token):
    body = b'[{"comment_id": ' + b"9" * 5000 + b', "comment_text": "Kind staff"}]'
    answer = post(client, body, token)
    assert answer.status_code == 400
    assert "has 5,000 digits; the most the hub reads is 30" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("comment_id", "message"),
    [(2**63, "A number id must fit in 64 bits."), ("x" * 201, "At most 200 characters.")],
)
def test_ids_are_bounded(client, world, token, comment_id, message):
    answer = post(client, json.dumps([{"comment_id": comment_id, "comment_text": "Kind"}]).encode(), token)
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"item": 0, "field": "comment_id", "message": message}]


def test_the_schema_documents_the_limits():
    assert "300,000 characters of comment text in all" in SCHEMA["info"]["description"]
    assert "413" in SCHEMA["paths"]["/api/v1/predict"]["post"]["responses"]


def test_an_integer_id_written_with_a_point_is_read_as_the_integer_the_schema_allows(client, world, token):
    # JSON Schema counts 256.0 as an integer; the schema fuzz (tests/fuzz/test_api_schema.py) sent one.
    answer = post(client, b'[{"comment_id": 256.0, "comment_text": "Kind staff"}]', token)
    assert answer.status_code == 200 and answer.json()[0]["comment_id"] == 256
