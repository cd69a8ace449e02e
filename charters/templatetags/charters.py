"""Charter fragments other pages include without their views knowing about charters:
the system dashboard's status panel and the overdue list on the home page."""

from __future__ import annotations

from django import template

from charters import selectors

register = template.Library()


@register.simple_tag
def charter_status_for(user, ics):
    """The adopted charter's status for the system view, or None when this person may not read it."""
    if ics is None or ics.pk not in selectors.readable_ics_ids(user):
        return None
    return selectors.charter_status_summary(ics)


@register.simple_tag
def charter_overdue_for(user):
    return selectors.overdue_for(user)
