"""Small helpers for showing text."""


def shorten(text: str, width: int) -> str:
    """The text on one line, cut at a word boundary to at most `width` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"
