"""The access-control matrix: every URL in the URL conf, for every role, against objects of each organisation.

An area file (`tests/access/<area>.py`, see README.md) declares `ROUTES` (a list of `Route`) and
`setup(world)` (builds the objects its routes need and returns them as a dict). The test in
`test_matrix.py` requests each route as each role and compares the answer with the route's `expect`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# The roles every route is requested as. Names are the `world` fixture's people, plus "anonymous".
#   px_a: px_lead of trust A; px_b: px_lead of trust B; icb_lead: ICB lead of the ICS;
#   board_a: board member of trust A; admin: system_admin of the ICS; anonymous: not signed in.
ROLES = ("px_a", "px_b", "icb_lead", "board_a", "admin", "anonymous")

# Expected answers. SIGN_IN is a 302 to the sign-in page; REDIRECT is a 302 anywhere else.
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, TOO_MANY = 200, 302, 403, 404, 405, 429
SIGN_IN = "sign-in"

# Put this in the text of the stories and comments your setup makes (it is a phone number, so redaction hides
# it). test_matrix.py then checks every answer: people who read only redacted text (icb_lead, board_a, admin,
# anonymous) must never receive it, and any answer that shows it must leave an access-audit event.
ORIGINAL_MARKER = "07700 900123"
# Roles that hold no px_lead membership, so never read an original.
REDACTED_ONLY = ("icb_lead", "board_a", "admin", "anonymous")

# Files in tests/access/ that are not area files.
NOT_AREAS = {"matrix", "conftest", "__init__"}


def expect(default: int | str, *, anonymous: int | str = SIGN_IN, **roles: int | str) -> dict[str, int | str]:
    """The answer for every role: `default` unless named. Anonymous people are sent to sign in unless said.

    expect(NOT_FOUND, px_a=OK)                 # only trust A's px_lead; everyone else 404
    expect(OK, anonymous=OK)                   # a public page
    expect(OK, px_b=NOT_FOUND, board_a=FORBIDDEN)
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {ROLES}")
    return {role: roles.get(role, default) for role in ROLES if role != "anonymous"} | {
        "anonymous": anonymous
    }


Args = Callable[[SimpleNamespace], Any]


@dataclass(frozen=True)
class Route:
    """One request to check for every role.

    name:    the URL name with its namespace ("stories:detail"); one URL name may have several Routes (an
             object of trust A and one of trust B, or GET and POST).
    expect:  role → status, made with `expect(...)`.
    args:    a function of the objects (setup's dict as attributes, plus `world`) → the URL's args, e.g.
             `lambda o: [o.story_a.pk]`; or `kwargs` for keyword arguments.
    method:  "GET" or "POST". POST-only views must be checked with POST (a GET would only say 405).
    data:    POST data (or a function of the objects returning it); query parameters for a GET.
    headers: extra request headers, e.g. {"HX-Request": "true"} for an htmx fragment.
    label:   what the object is, shown in the test id: "trust A's story".
    originals: roles that read only redacted text but receive original text here by design, audited: only
             the copy a system administrator downloads for a subject access request (its own words, for the
             person), see insight_hub/privacy/subjects.py. Anything else there stays a failure.
    """

    name: str
    expect: dict[str, int | str]
    args: Args | None = None
    kwargs: Args | None = None
    method: str = "GET"
    data: dict | Args = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    label: str = ""
    originals: tuple[str, ...] = ()

    def __post_init__(self):
        if self.method not in {"GET", "POST"}:
            raise ValueError(f"{self.name}: method must be GET or POST")
        if set(self.expect) != set(ROLES):
            raise ValueError(f"{self.name}: expect must come from expect(...) and name every role")

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}" + (f" [{self.label}]" if self.label else "")


@dataclass(frozen=True)
class Area:
    name: str
    routes: list[Route]
    setup: Callable[[Any], dict]


def areas() -> list[Area]:
    """Every area file in tests/access/, found by listing the folder: a new file needs no registration."""
    found = []
    folder = Path(__file__).parent
    for module_info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if module_info.name in NOT_AREAS or module_info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.access.{module_info.name}")
        if not hasattr(module, "ROUTES"):
            raise AssertionError(f"tests/access/{module_info.name}.py has no ROUTES list")
        found.append(Area(module_info.name, module.ROUTES, getattr(module, "setup", lambda world: {})))
    return found


def url_names() -> dict[str, str]:
    """Every URL pattern in the URL conf, recursively: name (with namespaces) → its route, for messages.
    A pattern without a name is listed by its route."""
    found: dict[str, str] = {}

    def walk(patterns, namespaces: list[str], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, inner, route)
            elif isinstance(pattern, URLPattern):
                key = ":".join([*namespaces, pattern.name]) if pattern.name else route
                found[key] = route

    walk(get_resolver().url_patterns, [], "/")
    return found


# Django's admin: one rule (staff only) covers every URL under it; see test_matrix.py.
ADMIN_NAMESPACE = "admin"


def is_admin(name: str) -> bool:
    return name.startswith(f"{ADMIN_NAMESPACE}:") or name.startswith(f"/{ADMIN_NAMESPACE}/")
