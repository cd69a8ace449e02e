"""Sections that other apps add to a board report.

Dashboards (board reports included) never import charters (DESIGN.md's layers, checked by `lint-imports`):
the charters app registers its commitments section here when it is ready, as it registers its owned
items with `dashboards.owners.PROVIDERS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

# provider(ics=…, first=date, last=date, organisation=… or None) -> rows the report's commitments table shows
CommitmentsProvider = Callable[..., Iterable[Any]]

COMMITMENTS: list[CommitmentsProvider] = []


def register_commitments(provider: CommitmentsProvider) -> None:
    if provider not in COMMITMENTS:
        COMMITMENTS.append(provider)


def commitments(*, ics, organisation, first: dt.date, last: dt.date) -> list | None:
    """The registered commitments rows, or None when no app provides the section."""
    if not COMMITMENTS:
        return None
    return [
        row
        for provider in COMMITMENTS
        for row in provider(ics=ics, first=first, last=last, organisation=organisation)
    ]
