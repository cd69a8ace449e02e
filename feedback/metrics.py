"""Friends and Family Test figures, and the small-number suppression every published table of them needs.

Pure functions, a row of counts in and a row of displayable values out, so that dashboards and the equality
view can reuse them; `fft_monthly_counts` is the one selector that makes such rows from the database.

Suppression. A count of 1 to 4 could point at a person ("the one Bangladeshi man who rated the ward poor"),
so it is shown as `*` (primary suppression). Hiding it is not enough when a sum that includes it is
published: the row total minus the shown counts gives it back. So every published sum is a *group* of
cells, and no group may have exactly one hidden cell; when one has, its smallest shown cell is hidden as
well (secondary suppression), and the check repeats until no group gives a cell away. Zero is shown: it
says that nobody gave an answer, which identifies no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from math import floor
from typing import Literal

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from .models import FFTAnswer

SUPPRESSED: Literal["*"] = "*"
THRESHOLD = 5

Cell = int | Literal["*"]


def suppressed_cells(
    counts: Sequence[int], *, groups: Sequence[Sequence[int]] = (), threshold: int = THRESHOLD
) -> frozenset[int]:
    """The positions of the counts to hide.

    `groups` are the positions whose sum is published beside the row (its total, or the numerator of a
    percentage of that total). A group of one cell cannot be protected: don't publish such a sum.
    """
    hidden = {i for i, n in enumerate(counts) if 0 < n < threshold}
    # Smallest groups first: a partner hidden inside a small group also protects the groups containing it,
    # where settling the total first could hide a cell the small group then needs a partner for as well.
    groups = sorted(groups, key=len)
    changed = True
    while changed:
        changed = False
        for group in groups:
            shown = [i for i in group if i not in hidden]
            if len(group) - len(shown) == 1 and shown:
                # The smallest shown count loses least information; ties go to the first.
                hidden.add(min(shown, key=lambda i: (counts[i], i)))
                changed = True
    return frozenset(hidden)


def suppress_row(
    counts: Sequence[int], *, groups: Sequence[Sequence[int]] = (), threshold: int = THRESHOLD
) -> list[Cell]:
    """A row of counts as shown: each count, or `*` where it is hidden.

    The row's own total counts as a published group; pass more `groups` for other published sums. A total
    under the threshold hides the whole row, since every count in it is then small too.
    """
    total = sum(counts)
    if 0 < total < threshold:
        return [SUPPRESSED] * len(counts)
    hidden = suppressed_cells(counts, groups=[range(len(counts)), *groups], threshold=threshold)
    return [SUPPRESSED if i in hidden else n for i, n in enumerate(counts)]


def suppress_total(total: int, *, threshold: int = THRESHOLD) -> Cell:
    return SUPPRESSED if 0 < total < threshold else total


def percent(part: int, whole: int) -> int | None:
    """Whole-number percentage rounded half up (as NHS England publishes them); None for an empty whole."""
    if whole <= 0:
        return None
    return floor(Fraction(100 * part, whole) + Fraction(1, 2))


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
# Positions in FFTCounts.as_tuple(). % positive and % negative are published beside the total, so their
# numerators are known sums, and so is what is left over (total - positive - negative = neither + don't know).
POSITIVE = (0, 1)
NEGATIVE = (3, 4)
NEITHER_OR_DONT_KNOW = (2, 5)
FFT_GROUPS = (POSITIVE, NEGATIVE, NEITHER_OR_DONT_KNOW)


@dataclass(frozen=True)
class FFTFigures:
    """One row of FFT figures ready to show: counts (or `*`), total, and the two percentages.

    A percentage is None when there were no responses, `*` when the total is suppressed.
    """

    cells: tuple[Cell, ...]
    total: Cell
    percent_positive: int | None | Literal["*"]
    percent_negative: int | None | Literal["*"]

    @property
    def is_suppressed(self) -> bool:
        return SUPPRESSED in self.cells or self.total == SUPPRESSED

    def labelled_cells(self) -> list[tuple[str, Cell]]:
        return [(answer.label, cell) for answer, cell in zip(FFTAnswer, self.cells, strict=True)]


def fft_figures(counts: FFTCounts, *, threshold: int = THRESHOLD) -> FFTFigures:
    total = counts.total
    cells = suppress_row(counts.as_tuple(), groups=FFT_GROUPS, threshold=threshold)
    if 0 < total < threshold:
        return FFTFigures(tuple(cells), SUPPRESSED, SUPPRESSED, SUPPRESSED)
    return FFTFigures(
        cells=tuple(cells),
        total=total,
        percent_positive=percent(counts.positive, total),
        percent_negative=percent(counts.negative, total),
    )


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
