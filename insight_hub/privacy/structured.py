"""Structured fields shown outside the organisation that holds them follow the text's rules.

Redaction hides an exact date in a story's text ("[date]"); the same story's "When it happened" must not
show it beside the text. Outside the organisation a date is shown to the month, as the text may show it
("March 2026"). Ages are only ever recorded in bands (``insight_hub.demographics.AgeBand``), which is
already the text's precision. Pure Python: views, selectors and exports call it; templates only choose
which of the two values a person may read, on the view's decision.
"""

from __future__ import annotations

import datetime


def date_for_outsiders(value: datetime.date | datetime.datetime | None) -> str:
    """A date or timestamp to the month: "March 2026"; empty for none."""
    if value is None:
        return ""
    return value.strftime("%B %Y")
