"""No copy of a page with patients' words or personal data may be kept by a browser or a proxy.

Every answer to a signed-in person (their pages show stories, comments, names, their own name in the header)
and every file download (exports, board reports, import problem reports, whoever asked) is sent with
`Cache-Control: private, no-store`: nothing is written to a disk cache, a shared proxy keeps nothing, and
the back button after signing out on a shared computer does not show the page again. What a view set
itself is replaced for these answers, because a view cannot know who else will read the cached copy.

Left alone: anonymous pages that are not files (the public survey form sets its own header; an adopted
charter's public page may be cached), and static files, which WhiteNoise answers before this middleware.
"""

from __future__ import annotations

NO_STORE = "private, no-store, max-age=0"


def _is_file(response) -> bool:
    return "attachment" in response.get("Content-Disposition", "")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or _is_file(response):
            response["Cache-Control"] = NO_STORE
            # An Expires header in the future would let an HTTP/1.0 cache keep it anyway.
            if response.has_header("Expires"):
                del response["Expires"]
        return response
