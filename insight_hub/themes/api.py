"""A JSON API compatible with pxtextmining's: POST a batch of comments, get themes and sentiment back.

Texts sent here are tagged and returned, never stored. Authentication is a bearer token
(`manage.py create_api_token`); the OpenAPI schema is at /api/v1/schema.json.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import ApiToken

MAX_ITEMS = 1000
MAX_TEXT = 20_000
QUESTION_TYPES = ("what_good", "could_improve", "nonspecific")


def token_create(*, user, name: str) -> str:
    """Make a token and return it; only its hash is kept, so it cannot be shown again."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hashlib.sha256(key.encode()).hexdigest())
    return key


def _authenticated(request) -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() not in {"bearer", "token"} or not key:
        return None
    digest = hashlib.sha256(key.strip().encode()).hexdigest()
    token = ApiToken.objects.filter(key_hash=digest, active=True, user__is_active=True).first()
    if token:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def _problem(status: int, detail: str, errors: list[dict] | None = None) -> JsonResponse:
    body = {"title": "Bad request" if status == 400 else "Unauthorised", "detail": detail}
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="insight-hub"'
    return response


def validate_items(payload) -> tuple[list[dict], list[dict]]:
    """(items, errors); each error names the item index and field."""
    if not isinstance(payload, list):
        return [], [{"item": None, "field": None, "message": "The body must be a JSON array of comments."}]
    if len(payload) > MAX_ITEMS:
        return [], [{"item": None, "field": None, "message": f"At most {MAX_ITEMS} comments per request."}]
    items, errors = [], []
    for index, entry in enumerate(payload):
        if not isinstance(entry, dict):
            errors.append({"item": index, "field": None, "message": "Each comment must be a JSON object."})
            continue
        comment_id, text = entry.get("comment_id"), entry.get("comment_text")
        question_type = entry.get("question_type", "nonspecific")
        if not isinstance(comment_id, str | int) or isinstance(comment_id, bool) or str(comment_id) == "":
            errors.append({"item": index, "field": "comment_id", "message": "Give a string or number id."})
        if not isinstance(text, str):
            errors.append(
                {"item": index, "field": "comment_text", "message": "Give the comment as a string."}
            )
        elif len(text) > MAX_TEXT:
            errors.append(
                {"item": index, "field": "comment_text", "message": f"At most {MAX_TEXT} characters."}
            )
        if question_type not in QUESTION_TYPES:
            errors.append(
                {
                    "item": index,
                    "field": "question_type",
                    "message": f"Must be one of {', '.join(QUESTION_TYPES)}.",
                }
            )
        items.append({"comment_id": comment_id, "comment_text": text, "question_type": question_type})
    return items, errors


@csrf_exempt  # token-authenticated, never cookie-authenticated: CSRF does not apply
@require_POST
def predict(request):
    if _authenticated(request) is None:
        return _problem(401, "Send a valid API token: Authorization: Bearer <token>.")
    try:
        payload = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _problem(400, "The body is not valid JSON.")
    items, errors = validate_items(payload)
    if errors:
        return _problem(400, "Some comments could not be read.", errors)
    from .ml import TagInput, load_tagger

    results = load_tagger().tag([TagInput(item["comment_text"], item["question_type"]) for item in items])
    return JsonResponse(
        [
            {
                "comment_id": item["comment_id"],
                "labels": [tag.label for tag in result.themes],
                "sentiment": result.sentiment,
                "critical": result.critical,
            }
            for item, result in zip(items, results, strict=True)
        ],
        safe=False,
    )


SCHEMA = {
    "openapi": "3.1.0",
    "info": {
        "title": "Insight Hub prediction API",
        "version": "1.0.0",
        "description": "Themes (QDC framework v7) and sentiment for patient feedback comments; "
        "request and response shapes follow pxtextmining's API. Texts are not stored.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Comment": {
                "type": "object",
                "required": ["comment_id", "comment_text"],
                "properties": {
                    "comment_id": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
                    "comment_text": {"type": "string", "maxLength": MAX_TEXT},
                    "question_type": {
                        "type": "string",
                        "enum": list(QUESTION_TYPES),
                        "default": "nonspecific",
                    },
                },
            },
            "Prediction": {
                "type": "object",
                "required": ["comment_id", "labels", "sentiment", "critical"],
                "properties": {
                    "comment_id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    "labels": {"type": "array", "items": {"type": "string"}},
                    "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
                    "critical": {"type": "boolean"},
                },
            },
            "Problem": {
                "type": "object",
                "required": ["title", "detail"],
                "properties": {
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
    "paths": {
        "/api/v1/predict": {
            "post": {
                "summary": "Tag up to 1,000 comments",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "maxItems": MAX_ITEMS,
                                "items": {"$ref": "#/components/schemas/Comment"},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "One prediction per comment, in order",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Prediction"},
                                }
                            }
                        },
                    },
                    "400": {
                        "description": "Unreadable input",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                    "401": {
                        "description": "No valid token",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                },
            }
        }
    },
}


@require_GET
def schema(request):
    return JsonResponse(SCHEMA)
