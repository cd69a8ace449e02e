"""Stories arrive as web text: HTML character references are read as the characters they stand for."""

import datetime

from insight_hub.imports.text import plain_text
from stories.importing.rows import StoryRowParser


def test_character_references_and_non_breaking_spaces_become_plain_text():
    assert plain_text("in one month's time. &nbsp; My query") == "in one month's time.   My query"
    assert plain_text("Tom &amp; Jerry&#39;s ward &lt;3") == "Tom & Jerry's ward <3"
    assert plain_text("no\xa0break") == "no break"
    untouched = "<b>tags are left</b> & so is a lone ampersand"
    assert plain_text(untouched) == untouched


def test_a_story_files_text_and_title_are_read_as_plain_text():
    parser = StoryRowParser(
        ["text", "title"],
        {"text": "narrative", "title": "title"},
        {},
        {"consent_basis": "public"},
        services={},
        fingerprint="f" * 64,
        today=datetime.date(2026, 12, 6),
    )
    record = parser(2, ["We waited.&nbsp; Then the nurse came &amp; helped.", "Waiting &amp; care"])
    assert not isinstance(record, list), record
    assert record.fields["narrative"] == "We waited.  Then the nurse came & helped."
    assert record.fields["title"] == "Waiting & care"
