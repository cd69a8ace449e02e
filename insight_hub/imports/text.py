"""Text as people wrote it, from sources that carry it as web text.

Care Opinion's stories arrive with HTML character references left in ("…in one month's time. &nbsp; My
query…": 84 of them in the 963 published stories of the dev set), and a page, a board report or the tagger
would show or read them as the letters "nbsp". Character references are turned back into the characters
they stand for and non-breaking spaces into plain ones. Tags are not touched: nothing here parses HTML,
and a story that talks about "<3" keeps it.
"""

from __future__ import annotations

import html

_SPACES = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2007": " "})


def plain_text(value: str) -> str:
    """``value`` with HTML character references (``&nbsp;``, ``&amp;``, ``&#39;``) read as characters and
    non-breaking spaces as spaces; unchanged when it holds neither."""
    if "&" in value:
        value = html.unescape(value)
    return value.translate(_SPACES)
