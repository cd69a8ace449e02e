"""Friends and Family Test figures: a row (or a table) of answer counts in, displayable values out.

Pure functions, so that dashboards, the equality view, charters and board reports all show the same figures;
`fft_monthly_counts` is the one selector that makes such rows from the database.

Suppression is the hub's one function, `insight_hub.suppression.suppress` (counts from 1 to 4 shown as `*`,
with secondary suppression so that none can be worked out from the totals and percentages shown). Here it is
told what an FFT row shows: the six answer counts, the total, and % positive and % negative, whose numerators
(very good + good, poor + very poor) are therefore shown sums too; what is left over (neither + don't know) is
protected as a count of people as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Literal

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from insight_hub.suppression import SUPPRESSED, THRESHOLD, Cell, percent, shown, shown_percent, suppress

from .models import FFTAnswer, FFTRecommendAnswer

__all__ = [
    "SUPPRESSED",
    "THRESHOLD",
    "Cell",
    "percent",
    "suppress_row",
    "fft_figures",
    "fft_table",
    "recommend_figures",
]


def suppress_row(counts: Sequence[int], *, threshold: int = THRESHOLD) -> list[Cell]:
    """A row of counts shown beside its total: each count, or `*` where it is hidden."""
    n = len(counts)
    figures = [(i,) for i in range(n)] + [tuple(range(n))]
    hidden = suppress(counts, figures, threshold=threshold)
    return [shown(c, i in hidden) for i, c in enumerate(counts)]


@dataclass(frozen=True)
class FFTCounts:
    """How many people gave each FFT answer, in the answers' order (1 very good ... 6 don't know)."""

    very_good: int = 0
    good: int = 0
    neither: int = 0
    poor: int = 0
    very_poor: int = 0
    dont_know: int = 0

    @classmethod
    def from_mapping(cls, row: Mapping[str, int | None]) -> FFTCounts:
        """From a dict with (some of) the field names, e.g. a `.values()` row; missing or None is 0."""
        return cls(**{f.name: int(row.get(f.name) or 0) for f in fields(cls)})

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    @property
    def total(self) -> int:
        """All responses, "don't know" included: NHS England's denominator."""
        return sum(self.as_tuple())

    @property
    def positive(self) -> int:
        return self.very_good + self.good

    @property
    def negative(self) -> int:
        return self.poor + self.very_poor


FFT_FIELDS = tuple(f.name for f in fields(FFTCounts))
# Positions in FFTCounts.as_tuple(). % positive and % negative are shown beside the total, so their
# numerators are shown sums, and what is left over (total - positive - negative = neither + don't know) can be
# worked out.
POSITIVE = (0, 1)
NEGATIVE = (3, 4)
NEITHER_OR_DONT_KNOW = (2, 5)
ALL = (0, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class FFTFigures:
    """One row of FFT figures ready to show: counts (or `*`), total, and the two percentages.

    A percentage is None when there were no responses, `*` when its count or the total is hidden.
    """

    cells: tuple[Cell, ...]
    total: Cell
    percent_positive: int | None | Literal["*"]
    percent_negative: int | None | Literal["*"]

    @property
    def is_suppressed(self) -> bool:
        return SUPPRESSED in self.cells or SUPPRESSED in (
            self.total,
            self.percent_positive,
            self.percent_negative,
        )

    def labelled_cells(self) -> list[tuple[str, Cell]]:
        return [(answer.label, cell) for answer, cell in zip(FFTAnswer, self.cells, strict=True)]


def _row_figures(offset: int) -> list[tuple[int, ...]]:
    """The figures an FFT row shows, over its six cells starting at `offset`: each answer, the total, and the
    numerators of % positive and % negative (in that order: positions 0-5, 6, 7, 8)."""
    return [(offset + i,) for i in range(6)] + [
        tuple(offset + i for i in group) for group in (ALL, POSITIVE, NEGATIVE)
    ]


def _shown_row(counts: FFTCounts, hidden: set[int] | frozenset[int], base: int) -> FFTFigures:
    """An FFT row as shown, its nine figures hidden where `hidden` holds base + 0..8."""
    values = counts.as_tuple()
    total_hidden = base + 6 in hidden
    return FFTFigures(
        cells=tuple(shown(v, base + i in hidden) for i, v in enumerate(values)),
        total=shown(counts.total, total_hidden),
        percent_positive=shown_percent(
            counts.positive, counts.total, hidden=total_hidden or base + 7 in hidden
        ),
        percent_negative=shown_percent(
            counts.negative, counts.total, hidden=total_hidden or base + 8 in hidden
        ),
    )


# `fft_table(..., headline_total=True)`: where a count must be protected by hiding a second figure, a row's
# answer counts go first, then its responses, % positive and % negative, then the total row's answer counts,
# and the total row's responses, % positive and % negative (the period's headline) last.
_ROW_PART, _ROW_HEADLINE, _TOTAL_PART, _TOTAL_HEADLINE = 0, 1, 2, 3


def fft_table(
    rows: Sequence[FFTCounts],
    *,
    with_total: bool = False,
    headline_total: bool = False,
    threshold: int = THRESHOLD,
) -> tuple[list[FFTFigures], FFTFigures | None]:
    """Several FFT rows shown together (months, organisations), and, `with_total`, their sum as a last row.

    With a total row each answer's column total is shown too, so a hidden count could be worked out down a
    column as well as across its row: the table is suppressed as a whole.

    `headline_total`: the total row is what the reader needs most (a report's period, its months the detail).
    A figure hidden only to protect a small count is then taken from the rows above before the total row, and
    from answer counts before responses, % positive and % negative; one hidden for nothing is shown again
    (`suppress(..., priority=...)`). So the total row shows what it would show on its own
    (`fft_table([total], headline_total=True)`) wherever hiding the rows' figures is enough.
    """
    cells = [v for counts in rows for v in counts.as_tuple()]
    figures = [f for r in range(len(rows)) for f in _row_figures(6 * r)]
    priority = [_ROW_PART] * 6 + [_ROW_HEADLINE] * 3
    priority *= len(rows)
    protect = [tuple(6 * r + i for i in NEITHER_OR_DONT_KNOW) for r in range(len(rows))]
    total = FFTCounts(*(sum(c.as_tuple()[i] for c in rows) for i in range(6))) if with_total else None
    if with_total:
        columns = [tuple(6 * r + i for r in range(len(rows))) for i in range(6)]
        figures += columns
        figures += [tuple(range(len(cells)))]
        figures += [tuple(x for i in group for x in columns[i]) for group in (POSITIVE, NEGATIVE)]
        priority += [_TOTAL_PART] * 6 + [_TOTAL_HEADLINE] * 3
        protect.append(tuple(x for i in NEITHER_OR_DONT_KNOW for x in columns[i]))
    hidden = suppress(
        cells, figures, protect=protect, threshold=threshold, priority=priority if headline_total else None
    )
    shown_rows = [_shown_row(counts, hidden, 9 * r) for r, counts in enumerate(rows)]
    return shown_rows, (_shown_row(total, hidden, 9 * len(rows)) if with_total else None)


def fft_figures(counts: FFTCounts, *, threshold: int = THRESHOLD) -> FFTFigures:
    """One FFT row on its own."""
    return fft_table([counts], threshold=threshold)[0][0]


def fft_monthly_counts(responses: QuerySet, *, by: Sequence[str] = ()) -> list[dict]:
    """FFT answer counts per month (and per each of `by`, e.g. "organisation", "service"), oldest first.

    Takes an already scoped queryset of responses; months are calendar months in the hub's time zone.
    Each row has the `by` fields, `month` (a date, the 1st) and the FFTCounts field names.
    """
    return list(
        responses.exclude(fft_score=None)
        .annotate(month=TruncMonth("responded_at", output_field=DateField()))
        .values(*by, "month")
        .annotate(
            **{
                name: Count("pk", filter=Q(fft_score=answer.value))
                for name, answer in zip(FFT_FIELDS, FFTAnswer, strict=True)
            }
        )
        .order_by(*by, "month")
    )


# The 2013–2020 question ----------------------------------------------------------------------------------
# "How likely are you to recommend…": NHS England treats its answers as not comparable with the current
# question's, so they never enter FFTCounts (% positive) and are counted and shown apart, as the share who
# would recommend (extremely likely + likely) and would not (unlikely + extremely unlikely) of all answers.

RECOMMEND_FIELDS = ("recommend_total", "recommend_likely", "recommend_unlikely")


@dataclass(frozen=True)
class RecommendCounts:
    total: int = 0
    likely: int = 0  # extremely likely + likely
    unlikely: int = 0  # unlikely + extremely unlikely

    @classmethod
    def from_mapping(cls, row: Mapping[str, int | None]) -> RecommendCounts:
        """From a dict with the RECOMMEND_FIELDS names (a roll-up `.values()` row); missing or None is 0."""
        return cls(*(int(row.get(name) or 0) for name in RECOMMEND_FIELDS))

    def __add__(self, other: RecommendCounts) -> RecommendCounts:
        return RecommendCounts(
            self.total + other.total, self.likely + other.likely, self.unlikely + other.unlikely
        )


@dataclass(frozen=True)
class RecommendFigures:
    """The old question's figures as shown: count, % would recommend, % would not (None: no answers)."""

    total: Cell
    percent_likely: int | None | Literal["*"]
    percent_unlikely: int | None | Literal["*"]


def recommend_counts(responses: QuerySet) -> RecommendCounts:
    """The old question's answers among already scoped `responses`."""
    likely = (FFTRecommendAnswer.EXTREMELY_LIKELY, FFTRecommendAnswer.LIKELY)
    unlikely = (FFTRecommendAnswer.UNLIKELY, FFTRecommendAnswer.EXTREMELY_UNLIKELY)
    row = responses.aggregate(
        recommend_total=Count("pk", filter=Q(fft_recommend__isnull=False)),
        recommend_likely=Count("pk", filter=Q(fft_recommend__in=likely)),
        recommend_unlikely=Count("pk", filter=Q(fft_recommend__in=unlikely)),
    )
    return RecommendCounts.from_mapping(row)


def recommend_figures(counts: RecommendCounts, *, threshold: int = THRESHOLD) -> RecommendFigures:
    """Suppressed as an FFT row is: counts from 1 to 4 hidden, and what is left over (neither + don't
    know) protected, so that no hidden count can be worked out from the total and two percentages."""
    rest = counts.total - counts.likely - counts.unlikely
    cells = [counts.likely, counts.unlikely, rest]
    hidden = suppress(cells, [(0, 1, 2), (0,), (1,)], protect=[(2,)], threshold=threshold)
    total_hidden = 0 in hidden
    return RecommendFigures(
        total=shown(counts.total, total_hidden),
        percent_likely=shown_percent(counts.likely, counts.total, hidden=total_hidden or 1 in hidden),
        percent_unlikely=shown_percent(counts.unlikely, counts.total, hidden=total_hidden or 2 in hidden),
    )
