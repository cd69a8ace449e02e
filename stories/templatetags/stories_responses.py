"""`{% teller_response story %}`: what the person who told a story was told, as this person may read it.

Inside the logging trust: the response as written, its public version (redacted like the story) and, for a
story from Care Opinion, the reply ready to post back there. Elsewhere: the public version when the story may
be published, otherwise only the month a response was given. The decision is the named check
`can_read_original`, asked here, never in the template.
"""

from django import template

from insight_hub.organisations.permissions import can_read_original
from stories import responses

register = template.Library()


@register.inclusion_tag("stories/partials/_teller_response.html", takes_context=True)
def teller_response(context, story):
    user = context["request"].user
    is_owner = can_read_original(user, story.organisation)
    return {
        "story": story,
        "is_owner": is_owner,
        "allows_publication": responses.allows_publication(story),
        "public_text": story.teller_response_public if is_owner else responses.public_response(story),
        "post_back": responses.care_opinion_post_back(story) if is_owner else None,
    }
