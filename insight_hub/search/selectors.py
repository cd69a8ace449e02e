"""Search across the registered sources: match, rank, page, highlight.

PostgreSQL: `websearch_to_tsquery('english', q)` against each source's stored, GIN-indexed tsvector (made by
PostgreSQL from the redacted text, so a search never finds a word that redaction hides), ranked by `ts_rank`
with length normalisation; each source gives its best `page * 20` rows, the engine merges them, and only the
page's 20 rows get `ts_headline` (it re-reads the text, so it is the expensive part). Counts stop at 2,000.
SQLite (the embedded default): the same syntax parsed in `query.py`, substring matching and ranking in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Expression, Q, QuerySet, Value
from django.utils.safestring import SafeString

from .query import START, STOP, ParsedQuery, fragments, mark_all, marks_to_html, parse, score
from .registry import Criteria, Hit, SearchSource, sources_for

PAGE_SIZE = 20
MAX_PAGES = 50  # 1,000 results: beyond that, narrow the search
COUNT_CAP = 2000
SQLITE_SCAN_CAP = 5000  # the embedded default ranks at most this many matching rows per source
# PostgreSQL ranks at most this many matches per source (the first the index finds), and counts them in the
# same query: one more than the count cap, so that "more than 2,000" is known.
RANK_WINDOW = COUNT_CAP + 1


class StoredVector(Expression):
    """The source table's stored tsvector column, which PostgreSQL keeps (GENERATED ALWAYS … STORED) and
    Django's models do not declare (so no page or export ever loads it)."""

    output_field = SearchVectorField()

    def __init__(self, column: str = "search_vector"):
        super().__init__()
        self.column = column

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name(self.column)}", []


def ts_query(q: str) -> SearchQuery:
    return SearchQuery(q, config="english", search_type="websearch")


@dataclass(frozen=True)
class Result:
    hit: Hit
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True)
class SearchPage:
    results: list[Result]
    counts: dict[str, int]  # per source label, capped at COUNT_CAP + 1
    number: int
    has_next: bool
    parsed: ParsedQuery

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def total_display(self) -> str:
        total = min(self.total, COUNT_CAP)
        more = any(c > COUNT_CAP for c in self.counts.values()) or self.total > COUNT_CAP
        return f"More than {COUNT_CAP:,}" if more else f"{total:,}"

    @property
    def originals(self) -> dict[str, list[int]]:
        """Rows whose original text is on the page, by source key: they go in the access audit."""
        shown: dict[str, list[int]] = {}
        for result in self.results:
            if result.hit.is_original:
                shown.setdefault(result.hit.source, []).append(result.hit.pk)
        return shown


def text_match(qs: QuerySet, q: str, *, text_fields, vector_column: str = "search_vector") -> QuerySet:
    """Rows of `qs` whose redacted text matches `q` (web-search syntax): the stored vector on PostgreSQL (GIN
    index), substrings of the parsed terms on SQLite. `text_fields`: the redacted fields the vector covers."""
    if settings.IS_POSTGRES:
        return qs.alias(_vector=StoredVector(vector_column)).filter(_vector=ts_query(q))
    condition = Q()
    for group in parse(q).groups:
        either = Q(pk__in=[])
        for term in group:
            found = Q(pk__in=[])
            for name in text_fields:
                found |= Q(**{f"{name}__icontains": term.needle})
            either |= ~found if term.negated else found
        condition &= either
    return qs.filter(condition)


def _ranked(user, source: SearchSource, criteria: Criteria, parsed: ParsedQuery, need: int):
    """(count, [(rank, date, pk)]) of the source's best `need` matches."""
    qs = source.candidates(user, criteria)
    if not criteria.q:
        count = qs.values("pk")[: COUNT_CAP + 1].count()
        # Newest added first, by primary key (its index, backwards): over a million comments, ordering by
        # their date would sort them all.
        rows = qs.order_by("-pk").values_list(source.date_field, "pk")[:need]
        return count, [(0.0, when, pk) for when, pk in rows]
    fields = [name for name, _ in source.text_fields]
    qs = text_match(qs, criteria.q, text_fields=fields, vector_column=source.vector_column)
    if settings.IS_POSTGRES:
        return _ranked_postgres(qs, source, criteria.q, need)
    rows = []
    for values in qs.values_list("pk", source.date_field, *fields)[:SQLITE_SCAN_CAP]:
        texts = list(zip(values[2:], (w for _, w in source.text_fields), strict=True))
        rows.append((score(parsed, texts), values[1], values[0]))
    rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    return len(rows), rows[:need]


def _ranked_postgres(qs: QuerySet, source: SearchSource, q: str, need: int) -> tuple[int, list[tuple]]:
    """(count, the best `need`) of the first RANK_WINDOW matches, by ts_rank, in one query. Ranking reads
    every ranked row's vector from the table, so a query matching tens of thousands of comments would read a
    third of the table; the window bounds that (README, Search): beyond it, narrow by period or place."""
    rank = SearchRank(StoredVector(source.vector_column), ts_query(q), normalization=Value(1))
    window = qs.annotate(_rank=rank).order_by().values_list("_rank", source.date_field, "pk")[:RANK_WINDOW]
    sql, params = window.query.sql_with_params()
    with connection.cursor() as cursor:
        # `sql` is Django's own compiled query, its values in `params`: nothing typed is pasted in.
        order = "ORDER BY 1 DESC, 2 DESC, 3 DESC LIMIT %s"
        ranked = f"SELECT *, count(*) OVER () FROM ({sql}) AS w {order}"  # noqa: S608
        cursor.execute(ranked, [*params, need])
        rows = cursor.fetchall()
    return (rows[0][3] if rows else 0), [row[:3] for row in rows]


def _sort_key(row):
    rank, when, _pk, key = row
    return (-rank, -(when.toordinal() if hasattr(when, "toordinal") else 0), key, -_pk)


def search(user, criteria: Criteria, *, page: int = 1) -> SearchPage:
    """One page of results the person may read, best first (newest first when there is no text)."""
    parsed = parse(criteria.q)
    page = max(1, min(page, MAX_PAGES))
    need = page * PAGE_SIZE
    sources = sources_for(user, criteria.sources)
    merged, counts = [], {}
    for source in sources:
        count, rows = _ranked(user, source, criteria, parsed, need + 1)
        counts[source.label] = count
        merged += [(float(rank), when, pk, source.key) for rank, when, pk in rows]
    merged.sort(key=_sort_key)
    window = merged[need - PAGE_SIZE : need]
    hits = _present(user, {s.key: s for s in sources}, window)
    return SearchPage(
        results=_highlight(hits, criteria.q, parsed),
        counts=counts,
        number=page,
        has_next=len(merged) > need and page < MAX_PAGES,
        parsed=parsed,
    )


def _present(user, sources: dict[str, SearchSource], window) -> list[Hit]:
    by_source: dict[str, list[int]] = {}
    for _rank, _when, pk, key in window:
        by_source.setdefault(key, []).append(pk)
    found = {key: sources[key].present(user, pks) for key, pks in by_source.items()}
    return [found[key][pk] for _rank, _when, pk, key in window if pk in found[key]]


def _highlight(hits: list[Hit], q: str, parsed: ParsedQuery) -> list[Result]:
    if not hits:
        return []
    if not q:
        return [
            Result(hit, marks_to_html(hit.title), marks_to_html(fragments(hit.text, parsed))) for hit in hits
        ]
    if settings.IS_POSTGRES:
        titles, snippets = _headlines_postgres(hits, q)
    else:
        titles = [mark_all(hit.title, parsed) for hit in hits]
        snippets = [fragments(hit.text, parsed) for hit in hits]
    return [
        Result(hit, marks_to_html(title), marks_to_html(snippet))
        for hit, title, snippet in zip(hits, titles, snippets, strict=True)
    ]


# ts_headline over the page's texts only, in one round trip. The marks are private-use characters, turned
# into <mark> after the text is escaped (ts_headline itself escapes nothing).
_HEADLINE_SQL = """
SELECT ts_headline('english', t.title, q, %s), ts_headline('english', t.body, q, t.options)
FROM unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS t(title, body, options, n),
     websearch_to_tsquery('english', %s) AS q
ORDER BY t.n
"""
_TITLE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
# A short text (most comments) is shown whole; a long one as two fragments around the matches.
SHORT_TEXT_WORDS = 60
_BODY_OPTIONS = (
    f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def _clean(text: str) -> str:
    return (text or "").replace(START, "").replace(STOP, "").replace("\x00", "")


def _headlines_postgres(hits: list[Hit], q: str) -> tuple[list[str], list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _HEADLINE_SQL,
            [
                _TITLE_OPTIONS,
                [_clean(h.title) for h in hits],
                [_clean(h.text) for h in hits],
                [_TITLE_OPTIONS if len(h.text.split()) <= SHORT_TEXT_WORDS else _BODY_OPTIONS for h in hits],
                q,
            ],
        )
        rows = cursor.fetchall()
    return [r[0] or "" for r in rows], [r[1] or "" for r in rows]
