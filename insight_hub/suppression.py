"""Small-number suppression: the one function that decides which figures of a table are shown as `*`.

Every count or percentage the hub shows (dashboards, the equality view, charters' evidence, board reports and
their workbooks) goes through `suppress`, following the Friends and Family Test convention:

- a count from 1 to 4 could point at a person ("the one Bangladeshi man who rated the ward poor"), so it is
  shown as `*` (primary suppression); zero is shown, since it identifies no one;
- hiding it is not enough when a total that includes it is shown: the total minus the shown counts gives it
  back. So more figures are hidden (secondary suppression) until no count from 1 to 4 can be worked out from
  what is shown, by subtraction or any other sum and difference of the shown figures;
- a percentage is a count in disguise (13% of 8 responses is 1 person): it is shown only when its numerator
  and its denominator both are.

A table is described by its *cells*, the finest counts (which need not be shown themselves), and the
*figures* it shows, each the sum of some cells: a cell, a row total, the numerator of a percentage. What can
be worked out from the shown figures is exactly what lies in the span of their cell vectors, so "can this
count be worked out" is a rank test, done here with a least-squares projection onto that span.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction
from math import floor
from typing import Literal

import numpy as np
from threadpoolctl import ThreadpoolController

SUPPRESSED: Literal["*"] = "*"
THRESHOLD = 5

Cell = int | Literal["*"]

_TOLERANCE = 1e-7


def is_small(n: int, threshold: int = THRESHOLD) -> bool:
    return 0 < n < threshold


def percent(part: int, whole: int) -> int | None:
    """Whole-number percentage rounded half up (as NHS England publishes them); None for an empty whole."""
    if whole <= 0:
        return None
    return floor(Fraction(100 * part, whole) + Fraction(1, 2))


class _Span:
    """The sums of cells that can be worked out from a set of shown figures (their linear span)."""

    def __init__(self, rows: np.ndarray):
        if rows.shape[0] == 0:
            self.basis = np.zeros((0, rows.shape[1]))
            return
        _, singular, vt = np.linalg.svd(rows, full_matrices=False)
        rank = int((singular > _TOLERANCE * max(1.0, singular[0])).sum())
        self.basis = vt[:rank]

    def contains(self, vectors: np.ndarray) -> np.ndarray:
        """For each row of `vectors`: is it in the span (can that sum of cells be worked out)?"""
        residual = vectors - (vectors @ self.basis.T) @ self.basis
        return np.abs(residual).max(axis=1, initial=0.0) < 1e-6


def suppress(
    cells: Sequence[int],
    figures: Sequence[Collection[int]],
    *,
    protect: Sequence[Collection[int]] = (),
    threshold: int = THRESHOLD,
    priority: Sequence[int] | None = None,
) -> frozenset[int]:
    """The positions in `figures` to show as `*`.

    `cells` are the table's finest counts; each of `figures` is a shown figure, given as the positions of the
    cells it adds up. The counts protected from being worked out are every cell, every figure, what is left
    of a figure once another inside it is taken away (total - positive), and any other sum of cells in
    `protect` (say the people left over once a total and two percentages are shown).

    Primary: a figure from 1 to threshold - 1 is hidden, and so is every figure inside it (a small total hides
    its row). Secondary: while some protected count from 1 to threshold - 1 can still be worked out from the
    shown figures, hide one more: the smallest shown figure sharing a cell with it whose hiding stops that, or
    else the smallest of those (and look again). A zero is hidden before anything else that would do.

    `priority` (one number per figure, higher matters more to the reader: a period's headline figures above
    its month-by-month detail) changes the secondary step: a figure is hidden only where no figure of lower
    priority can stop the leak, a zero gets no favour (a hidden zero is not free: it hides every percentage
    and net sentiment worked from it), and at the end every figure hidden by the secondary step, and every
    zero hidden inside a small figure, is shown again, the highest priority first, where showing it lets no
    protected count from 1 to threshold - 1 be worked out. Without it the result is as it always was.
    """
    if priority is not None and len(priority) != len(figures):
        raise ValueError(f"suppress: {len(priority)} priorities for {len(figures)} figures")
    n = len(cells)
    values = np.asarray(cells, dtype=float)
    matrix = np.zeros((len(figures), n))
    for i, members in enumerate(figures):
        matrix[i, list(members)] = 1.0
    # What a subtraction gives: a shown figure inside another leaves the rest of it (total - positive).
    sets = [frozenset(m) for m in figures]
    rests = {outer - inner for outer in sets for inner in sets if inner < outer}
    guarded = (
        np.vstack([np.eye(n), matrix, _rows(protect, n), _rows(list(rests), n)]) if n else np.zeros((0, 0))
    )
    guarded_values = guarded @ values if n else np.zeros(0)
    small = np.array([is_small(round(v), threshold) for v in guarded_values], dtype=bool)
    if not small.any():
        return frozenset()  # nothing from 1 to 4 anywhere: nothing to hide (the common case at scale)

    # Tiny matrices: BLAS threads only fight each other (and other processes) over them, 50x slower.
    with _controller().limit(limits=1):
        return _suppress(values, matrix, guarded[small], threshold, priority)


def _suppress(
    values: np.ndarray,
    matrix: np.ndarray,
    at_risk: np.ndarray,
    threshold: int,
    priority: Sequence[int] | None = None,
) -> frozenset[int]:
    n = len(values)
    figure_values = matrix @ values
    members = [frozenset(np.flatnonzero(row)) for row in matrix]
    figures = members
    hidden: set[int] = {i for i in range(len(figures)) if is_small(round(figure_values[i]), threshold)}
    for i in list(hidden):  # a small figure hides every figure inside it
        hidden.update(j for j in range(len(figures)) if members[j] and members[j] <= members[i])
    primary = frozenset(hidden)
    rank = list(priority) if priority is not None else [0] * len(figures)
    singletons = {i: next(iter(m)) for i, m in enumerate(members) if len(m) == 1}

    def leaks(hide: set[int], rows: np.ndarray = at_risk) -> np.ndarray:
        # Cells shown on their own are known: work in the space of the others, which is small.
        shown = [i for i in range(len(figures)) if i not in hide]
        known = {singletons[i] for i in shown if i in singletons}
        unknown = [c for c in range(n) if c not in known]
        sums = [i for i in shown if i not in singletons]
        return _Span(matrix[np.ix_(sums, unknown)]).contains(rows[:, unknown])

    # First the classic pass, cheap and enough for most tables: a shown sum with exactly one cell not shown on
    # its own gives that cell away (the sum minus the others); where that cell is small, hide its smallest
    # shown partner (smaller sums first, since a partner hidden inside one protects the sums containing it).
    cell_figure = {c: i for i, c in singletons.items()}
    sums_by_size = sorted(
        (i for i in range(len(figures)) if i not in singletons), key=lambda i: len(members[i])
    )
    changed = True
    while changed:
        changed = False
        for i in sums_by_size:
            if i in hidden:
                continue
            open_cells = [c for c in members[i] if cell_figure.get(c) is None or cell_figure[c] in hidden]
            if len(open_cells) == 1 and is_small(round(values[open_cells[0]]), threshold):
                partners = [cell_figure[c] for c in members[i] if cell_figure.get(c) is not None]
                partners = [f for f in partners if f not in hidden]
                if priority is not None and partners:
                    partners.append(i)  # or the sum itself, where it matters less than its cells
                if partners:
                    hidden.add(min(partners, key=lambda f: (rank[f], figure_values[f], f)))
                    changed = True

    # Then the exact test, for what that pass cannot see (a count given away by a chain of sums).
    while True:
        found = leaks(hidden)
        if not found.any():
            return (
                frozenset(hidden)
                if priority is None
                else _show_again(hidden, primary, rank, leaks, figure_values)
            )
        leak = at_risk[int(np.argmax(found))][None, :]
        # Figures that share a cell with the leak, then the cells of those, then the figures sharing one of
        # them: the partners that could stop the sums and differences that give it away.
        near = matrix[(matrix @ leak[0]) > 0].sum(axis=0) > 0
        candidates = sorted(
            (i for i in range(len(figures)) if i not in hidden and (matrix[i] @ near) > 0),
            key=lambda i: (figure_values[i], len(members[i]), i),
        )
        if not candidates:  # pragma: no cover - a leak always shares a cell with a shown figure
            return frozenset(range(len(figures)))
        if priority is not None:
            hidden.add(_cheapest(candidates, hidden, rank, leak, leaks))
            continue
        zeros = [i for i in candidates if figure_values[i] == 0]
        if zeros:  # hiding a zero costs the reader nothing
            hidden.add(zeros[0])
            continue
        for i in candidates[:12]:
            if not leaks(hidden | {i}, leak)[0]:
                hidden.add(i)
                break
        else:
            hidden.add(candidates[0])


def _cheapest(candidates: list[int], hidden: set[int], rank: list[int], leak: np.ndarray, leaks) -> int:
    """The figure to hide next against one leak, by priority: the lowest level whose figures (with those below
    it) can stop the leak, and at that level the smallest figure that stops it once the lower levels' figures
    are hidden too (as many of those as it still needs follow in later rounds), else its smallest. So a
    headline figure is chosen as if the detail were not shown, and the detail gives way around it."""
    levels = sorted({rank[i] for i in candidates})
    level = levels[-1]
    for candidate_level in levels:
        pool = {i for i in candidates if rank[i] <= candidate_level}
        if not leaks(hidden | pool, leak)[0]:
            level = candidate_level
            break
    tier = [i for i in candidates if rank[i] == level]
    lower = {i for i in candidates if rank[i] < level}
    for i in tier:
        if not leaks(hidden | lower | {i}, leak)[0]:
            return i
    return tier[0]


def _show_again(hidden: set[int], primary: frozenset[int], rank: list[int], leaks, values) -> frozenset[int]:
    """Show again each figure hidden by the secondary step, and each zero hidden inside a small figure, whose
    showing gives no small count away: the most important first, then the largest (the greedy steps can hide
    more than the table needs; a zero identifies no one, and one that can be worked out anyway hides
    nothing)."""
    optional = {i for i in hidden if i not in primary or values[i] == 0}
    for i in sorted(optional, key=lambda i: (-rank[i], -values[i], i)):
        if not leaks(hidden - {i}).any():
            hidden.discard(i)
    return frozenset(hidden)


_CONTROLLER: list[ThreadpoolController] = []


def _controller() -> ThreadpoolController:
    """Finding the loaded BLAS libraries takes milliseconds: once per process."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _rows(groups: Sequence[Collection[int]], n: int) -> np.ndarray:
    out = np.zeros((len(groups), n))
    for i, members in enumerate(groups):
        out[i, list(members)] = 1.0
    return out


def shown(value: int, hidden: bool) -> Cell:
    return SUPPRESSED if hidden else value


def shown_percent(part: int, whole: int, *, hidden: bool) -> int | None | Literal["*"]:
    """A percentage as shown: None for an empty whole, `*` when its numerator or denominator is hidden."""
    if whole <= 0:
        return None
    return SUPPRESSED if hidden else percent(part, whole)


def share(part: int, whole: int, *, threshold: int = THRESHOLD) -> int | None | Literal["*"]:
    """One percentage shown on its own (a heat-map cell): part of whole, where the whole, the part and what
    is left over are each protected. None for an empty whole."""
    hidden = suppress([part, whole - part], [(0,), (0, 1)], threshold=threshold)
    return shown_percent(part, whole, hidden=bool(hidden))
