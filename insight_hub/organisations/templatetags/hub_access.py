"""Template tags that show what a named check in `permissions` decided: templates never decide themselves."""

from django import template

from insight_hub.organisations.permissions import story_title_for, story_when_for

register = template.Library()


@register.simple_tag(takes_context=True)
def story_title(context, story) -> str:
    """`{% story_title story %}`: the original title inside the organisation that logged it, else redacted."""
    return story_title_for(context["request"].user, story)


@register.simple_tag(takes_context=True)
def story_when(context, story) -> str:
    """`{% story_when story %}`: the exact date inside the logging organisation, else the month."""
    return story_when_for(context["request"].user, story)
