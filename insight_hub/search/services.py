"""Writes for saved searches."""

from __future__ import annotations

from .models import SavedSearch


def saved_search_create(*, owner, name: str, data: dict) -> SavedSearch:
    """Save a search from a valid `SearchForm`'s cleaned data: the question, never its results."""
    saved = SavedSearch(
        owner=owner,
        name=name,
        query=data.get("q", ""),
        organisation=data.get("organisation"),
        service=data.get("service"),
        theme=data.get("theme"),
        sentiment=data.get("sentiment", ""),
        criticality=data.get("criticality", ""),
        source=data.get("source", ""),
        period=data.get("period", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    saved.full_clean()
    saved.save()
    return saved


def saved_search_delete(*, saved: SavedSearch) -> None:
    saved.delete()
