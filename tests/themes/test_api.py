import json

import pytest
from django.urls import reverse

from insight_hub.themes.api import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(world):
    return token_create(user=world.icb_lead, name="tests")


def post(client, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("api_predict"),
        data=json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
        **headers,
    )


def test_it_needs_a_token(client, world):
    response = post(client, [])
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert post(client, [], token="not-a-token").status_code == 401


def test_a_deactivated_users_token_stops_working(client, world, token):
    world.icb_lead.is_active = False
    world.icb_lead.save()
    assert post(client, [], token).status_code == 401


def test_it_predicts_labels_and_sentiment_in_order(client, world, token):
    body = [
        {
            "comment_id": "1",
            "comment_text": "Waited five hours to be seen.",
            "question_type": "could_improve",
        },
        {"comment_id": 2, "comment_text": "The nurses were lovely and kind.", "question_type": "what_good"},
    ]
    response = post(client, body, token)
    assert response.status_code == 200
    result = response.json()
    assert [r["comment_id"] for r in result] == ["1", 2]
    assert "Timeliness of care" in result[0]["labels"] and result[0]["sentiment"] == "negative"
    assert result[1]["sentiment"] == "positive"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"comment_id": "1"}], "comment_text"),
        ([{"comment_text": "hi"}], "comment_id"),
        ([{"comment_id": "1", "comment_text": "hi", "question_type": "why"}], "question_type"),
        ([{"comment_id": "1", "comment_text": "x" * 20_001}], "comment_text"),
        (["just a string"], None),
    ],
)
def test_bad_items_are_named_by_index_and_field(client, world, token, body, field):
    response = post(client, body, token)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["item"] == 0 and error["field"] == field


def test_more_than_a_thousand_comments_are_refused(client, world, token):
    body = [{"comment_id": str(i), "comment_text": "ok"} for i in range(1001)]
    assert "At most 1000" in post(client, body, token).json()["errors"][0]["message"]


def test_invalid_json_is_a_clear_400(client, world, token):
    assert post(client, b"{not json", token).json()["detail"] == "The body is not valid JSON."


def test_the_openapi_schema_is_published(client):
    schema = client.get(reverse("api_schema")).json()
    assert schema["openapi"].startswith("3.") and "/api/v1/predict" in schema["paths"]
