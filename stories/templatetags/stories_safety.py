"""`{% safety_cover ics %}`: the trusts of an ICS with no safety lead or deputy named (system view)."""

from django import template

from stories import selectors

register = template.Library()


@register.inclusion_tag("stories/partials/_safety_cover.html")
def safety_cover(ics):
    return {"gaps": selectors.trusts_without_safety_cover(ics) if ics is not None else []}
