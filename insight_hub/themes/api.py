"""A JSON API compatible with pxtextmining's: POST a batch of comments, get themes and sentiment back.

Texts sent here are tagged and returned, never stored. Authentication is a bearer token
(`manage.py create_api_token`); the OpenAPI schema is at /api/v1/schema.json.

A request is limited to what the tagger does well inside one web request (settings, "Limits"): its body's
size, checked before it is read; at most API_MAX_COMMENTS comments of API_MAX_COMMENT_CHARS characters, and
API_MAX_CHARS_PER_REQUEST characters in all; JSON nested no deeper than JSON_MAX_DEPTH; ids of bounded size.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from insight_hub import limits

from .models import ApiToken

MAX_ITEMS = settings.API_MAX_COMMENTS
MAX_TEXT = settings.API_MAX_COMMENT_CHARS
MAX_ID_CHARS = 200
MAX_ID_NUMBER = 2**63 - 1  # a 64-bit integer, as most source systems' ids are
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


TITLES = {400: "Bad request", 401: "Unauthorised", 413: "Request too large"}


def _problem(status: int, detail: str, errors: list[dict] | None = None) -> JsonResponse:
    body = {"title": TITLES[status], "detail": detail}
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
    total = sum(len(entry.get("comment_text")) for entry in payload if _has_text(entry))
    if total > settings.API_MAX_CHARS_PER_REQUEST:
        message = (
            f"At most {settings.API_MAX_CHARS_PER_REQUEST:,} characters of comment text per request "
            f"(this one has {total:,}): send the rest in further requests."
        )
        return [], [{"item": None, "field": None, "message": message}]
    items, errors = [], []
    for index, entry in enumerate(payload):
        if not isinstance(entry, dict):
            errors.append({"item": index, "field": None, "message": "Each comment must be a JSON object."})
            continue
        comment_id, text = entry.get("comment_id"), entry.get("comment_text")
        if isinstance(comment_id, float) and comment_id.is_integer() and abs(comment_id) <= MAX_ID_NUMBER:
            comment_id = int(comment_id)  # 256.0 is an integer to JSON Schema, as the schema says ids are
        question_type = entry.get("question_type", "nonspecific")
        if not isinstance(comment_id, str | int) or isinstance(comment_id, bool) or comment_id == "":
            errors.append({"item": index, "field": "comment_id", "message": "Give a string or number id."})
        elif isinstance(comment_id, str) and len(comment_id) > MAX_ID_CHARS:
            errors.append(
                {"item": index, "field": "comment_id", "message": f"At most {MAX_ID_CHARS} characters."}
            )
        elif isinstance(comment_id, int) and not -MAX_ID_NUMBER <= comment_id <= MAX_ID_NUMBER:
            errors.append(
                {"item": index, "field": "comment_id", "message": "A number id must fit in 64 bits."}
            )
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


def _has_text(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("comment_text"), str)


def _too_large() -> JsonResponse:
    return _problem(
        413,
        f"The body is larger than {limits.size_text(settings.API_MAX_BODY_BYTES)}: send at most "
        f"{settings.API_MAX_CHARS_PER_REQUEST:,} characters of comment text per request.",
    )


@csrf_exempt  # token-authenticated, never cookie-authenticated: CSRF does not apply
@require_POST
def predict(request):
    if _authenticated(request) is None:
        return _problem(401, "Send a valid API token: Authorization: Bearer <token>.")
    # Refused before the body is read when it says its size, and after reading (bounded by Django's own
    # DATA_UPLOAD_MAX_MEMORY_SIZE) when it does not.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.API_MAX_BODY_BYTES:
        return _too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        return _too_large()
    if len(body) > settings.API_MAX_BODY_BYTES:
        return _too_large()
    try:
        payload = limits.json_loads(body or b"null")
    except limits.LimitExceeded as exc:
        return _problem(400, str(exc))
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
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
        "request and response shapes follow pxtextmining's API. Texts are not stored. "
        f"Limits per request: at most {MAX_ITEMS:,} comments, {MAX_TEXT:,} characters per comment and "
        f"{settings.API_MAX_CHARS_PER_REQUEST:,} characters of comment text in all, a body of at most "
        f"{limits.size_text(settings.API_MAX_BODY_BYTES)} (413 above it), JSON nested at most "
        f"{settings.JSON_MAX_DEPTH} deep and numbers of at most {settings.JSON_MAX_INT_DIGITS} digits.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Comment": {
                "type": "object",
                "required": ["comment_id", "comment_text"],
                "properties": {
                    "comment_id": {
                        "oneOf": [
                            {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS},
                            {"type": "integer", "minimum": -MAX_ID_NUMBER, "maximum": MAX_ID_NUMBER},
                        ]
                    },
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
                "summary": f"Tag up to {MAX_ITEMS:,} comments "
                f"({settings.API_MAX_CHARS_PER_REQUEST:,} characters in all)",
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
                    "413": {
                        "description": "The body is larger than the API reads",
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
