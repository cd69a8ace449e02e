"""Refuse a request body Django cannot decode with a 400, before anything else reads it.

Django raises BadRequest when a form body (`application/x-www-form-urlencoded`) says it is in any character
set but UTF-8, and RequestDataTooBig or TooManyFieldsSent when it is too big; but it raises them where
request.POST is first read, which is the CSRF check, and its 400 page reads request.POST again through the
same check, so the answer became a 500 (issue #15: `charset=latin-1` on the sign-in page or a public form).
Here the body is read first, and a body that cannot be read is answered with a 400 that says why.

Only form bodies are read here: a multipart upload is left alone, because the import pages put their own
size check in front of Django's upload handling, and Django already answers a broken multipart body safely.
An unknown character set, which Django ignores, is refused on any body: the sender should know it was not
read as they meant.
"""

from __future__ import annotations

import codecs

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse
from django.http.request import UnreadablePostError

FORM = "application/x-www-form-urlencoded"


class RequestBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = _refusal(request) if request.method == "POST" else None
        return refusal or self.get_response(request)


def _refusal(request) -> HttpResponse | None:
    charset = request.content_params.get("charset")
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            return _bad_request(
                f"The request says its text is in the character set “{charset[:40]}”, which is not one the "
                "hub knows. Send it as UTF-8."
            )
    if request.content_type != FORM:
        return None
    if charset and charset.strip().lower() != "utf-8":
        return _bad_request(
            f"Forms must be sent as UTF-8; this one says charset={charset[:40]}. Send it as UTF-8."
        )
    try:
        request.POST  # noqa: B018 - read now, so that a body Django refuses is refused here
    except RequestDataTooBig:
        request._mark_post_parse_error()
        return _bad_request("The form sent is too big.", status=413)
    except (BadRequest, SuspiciousOperation, UnreadablePostError) as exc:
        request._mark_post_parse_error()
        return _bad_request(f"The form sent cannot be read: {exc}")
    return None


def _bad_request(message: str, *, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
