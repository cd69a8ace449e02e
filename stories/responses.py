"""The response to the person who told a story, as it may be read outside the trust and published.

The trust records its response in `Story.teller_response` (its own words, read only inside the trust). Its
public version, `Story.teller_response_public`, is redacted like the story, with the story's corrections, at
every save (`services.teller_response_redact`); nobody outside the trust ever reads the original. Outside the
trust the public version is shown only when the story may be published (shared, the teller's consent to
publication given and not withdrawn: `usable_condition("publication")`); otherwise only that a response was
given, and in which month.

A story imported from Care Opinion keeps its page (`external_url`) and the organisation's replies there
(`external_responses`) from the sync; once the trust records its response here, the public version and the
page's address are ready to be posted back to Care Opinion (`care_opinion_post_back`). Posting is not done by
the hub: a person copies it there, or a later piece of work posts it through Care Opinion's API.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import PURPOSE_CONSENT_FIELD, ImportSource, Purpose, SourceChannel, Story, StoryStatus


def allows_publication(story: Story) -> bool:
    """The one rule of `usable_condition(Purpose.PUBLICATION)` (shared, consent to publication given and
    not withdrawn), read on a story already loaded."""
    return (
        story.status == StoryStatus.SHARED
        and story.consent_withdrawn_on is None
        and bool(getattr(story, PURPOSE_CONSENT_FIELD[Purpose.PUBLICATION]))
    )


def public_response(story: Story) -> str:
    """The response as anyone outside the trust may read it: its redacted version when the story may be
    published, else "" (the page then says only that a response was given)."""
    if not story.teller_response or not allows_publication(story):
        return ""
    return story.teller_response_public


def is_from_care_opinion(story: Story) -> bool:
    return story.import_source == ImportSource.CARE_OPINION or (
        story.source_channel == SourceChannel.CARE_OPINION and bool(story.external_url)
    )


@dataclass(frozen=True)
class PostBack:
    """What is ready to be posted back to Care Opinion: the story's page there and the reply's public text."""

    url: str
    text: str
    already_there: int  # replies Care Opinion already shows for the story (from the sync)


def care_opinion_post_back(story: Story) -> PostBack | None:
    """For the trust's own pages: the reply ready to post on the story's Care Opinion page, or None when the
    story did not come from Care Opinion, has no page address, has no response yet, or its consent was
    withdrawn (nothing more is said about a withdrawn story anywhere). The text is the redacted version: the
    teller published the story on Care Opinion themselves, and what goes back there is public."""
    if not is_from_care_opinion(story) or not story.external_url or not story.teller_response:
        return None
    if story.consent_withdrawn_on is not None or story.status == StoryStatus.WITHDRAWN:
        return None
    return PostBack(
        url=story.external_url,
        text=story.teller_response_public,
        already_there=len(story.external_responses or []),
    )
