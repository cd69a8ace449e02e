"""A small client for Care Opinion's API v2: one request at a time, never more than 5 a second, and the
API's known faults turned into errors a person can act on.

- An invalid key is answered with a redirect to Care Opinion's sign-in page (their documentation says so),
  not with 401: a redirect, or a web page where JSON was expected, is `KeyRefused`, never retried.
- A missing page (404), a server error (5xx), a rate-limit answer (429), a timeout or a dropped connection is
  retried with exponential backoff; when the tries are used up it is `Unavailable` (`Missing` if still 404),
  and the sync stops with its position saved so the next run resumes there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import requests

MAX_REQUESTS_PER_SECOND = 5  # Care Opinion's published limit
MAX_TAKE = 100  # the most opinions one page may hold
# Requests are spaced a little wider than 1/5 s: the server must never see six in one second, even when one
# request reaches it late and the next on time.
SPACING_MARGIN = 1.05


class CareOpinionError(Exception):
    """A fault the sync reports and stops on."""


class KeyRefused(CareOpinionError):
    """The key was refused (Care Opinion redirects to its sign-in page): a person must fix the key."""


class Unavailable(CareOpinionError):
    """Care Opinion did not answer properly after every try: worth trying again later."""


class Missing(Unavailable):
    """Still 404 after every try."""


class Client:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float = 30,
        requests_per_second: float = MAX_REQUESTS_PER_SECOND,
        tries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not api_key:
            raise KeyRefused("CARE_OPINION_API_KEY is not set: there is no key to ask Care Opinion with")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Never faster than Care Opinion allows, whatever a caller asks for.
        rate = min(requests_per_second, MAX_REQUESTS_PER_SECOND)
        self.interval = SPACING_MARGIN / rate
        self.tries = max(1, tries)
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0  # every request sent, retries included
        self._last: float | None = None
        self._session = requests.Session()
        self._session.headers.update(
            {"Authorization": f"SUBSCRIPTION_KEY {api_key}", "Accept": "application/json"}
        )

    def close(self) -> None:
        self._session.close()

    # Pages and sub-collections --------------------------------------------------------------------------

    def opinions(self, *, published_after: str | None, skip: int, take: int = MAX_TAKE) -> list:
        """One page of opinions, oldest published first (the API's default order)."""
        params: dict[str, str | int] = {"skip": skip, "take": min(take, MAX_TAKE)}
        if published_after:
            params["publishedafter"] = published_after
        return self._list(self.base_url, params)

    def related(self, opinion_id: str, name: str) -> list:
        """An opinion's tags, responses or healthservices (`/opinions/{id}/{name}`)."""
        return self._list(f"{self.base_url}/{opinion_id}/{name}", {})

    def _list(self, url: str, params: dict) -> list:
        data = self.get(url, params)
        if not isinstance(data, list):
            raise CareOpinionError(f"{url} answered with {type(data).__name__}, not a list")
        return data

    # One request, with the rate limit, the retries and the fault checks ---------------------------------

    def get(self, url: str, params: dict):
        problem, status = "", 0
        for attempt in range(self.tries):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            self._wait_turn()
            try:
                response = self._session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
            except requests.Timeout:
                problem, status = f"did not answer within {self.timeout:g} seconds", 0
                continue
            except requests.RequestException as exc:  # refused or dropped connection, a broken answer
                problem, status = f"could not be read ({type(exc).__name__})", 0
                continue
            status = response.status_code
            if 300 <= status < 400 or status in (401, 403):
                where = response.headers.get("Location", "")
                raise KeyRefused(
                    f"Care Opinion refused the API key (it answered {status}"
                    + (f", redirecting to {where}" if where else "")
                    + "). Check CARE_OPINION_API_KEY: it must be the subscription's HTTP header key."
                )
            if status == 429 or status == 404 or status >= 500:
                problem = f"answered {status}"
                if status == 429:
                    self.sleep(_retry_after(response))
                continue
            if status != 200:
                raise CareOpinionError(f"{response.url} answered {status}: {response.text[:200]}")
            if "html" in response.headers.get("Content-Type", "").lower():
                # The sign-in page served without a redirect (a proxy that follows redirects does this).
                raise KeyRefused(
                    "Care Opinion answered with a web page, not data: the API key was refused, or "
                    "CARE_OPINION_API_URL is not the API's address."
                )
            try:
                return response.json()
            except (ValueError, json.JSONDecodeError):
                problem = "answered with something that is not JSON"
                continue
        error = Missing if status == 404 else Unavailable
        raise error(f"{_describe(url, params)} {problem} ({self.tries} tries)")

    def _wait_turn(self) -> None:
        now = time.monotonic()
        if self._last is not None and now < self._last + self.interval:
            time.sleep(self._last + self.interval - now)
        self._last = time.monotonic()
        self.requests += 1


def _retry_after(response) -> float:
    try:
        return min(60.0, max(0.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _describe(url: str, params: dict) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"Care Opinion ({url}{'?' + query if query else ''})"
