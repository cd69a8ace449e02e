"""Small-number suppression (insight_hub.suppression), checked as an attacker would: from what a table shows,
can any count from 1 to 4 be worked out, directly or by sums and differences of the shown figures?

The check is exact linear algebra over the rationals (written here, independent of the numpy code it checks):
a count can be worked out exactly when its vector of cells lies in the span of the shown figures' vectors.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.metrics import FFTCounts, fft_figures, fft_table, suppress_row
from insight_hub.suppression import SUPPRESSED, share, suppress

# Many small counts (and zeros) so that suppression has work to do; some large ones as partners.
count = st.one_of(st.integers(0, 6), st.integers(0, 400))


def _reduce(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """Row echelon form (a basis of the span), by Gaussian elimination over the rationals."""
    basis: list[list[Fraction]] = []
    pivots: list[int] = []
    for row in rows:
        row = list(row)
        for b, p in zip(basis, pivots, strict=True):
            if row[p]:
                factor = row[p] / b[p]
                row = [x - factor * y for x, y in zip(row, b, strict=True)]
        nonzero = next((i for i, x in enumerate(row) if x), None)
        if nonzero is not None:
            basis.append(row)
            pivots.append(nonzero)
    return basis


def can_be_worked_out(vector: list[int], shown: list[list[int]]) -> bool:
    width = len(vector)
    base = _reduce([[Fraction(x) for x in row] for row in shown]) if shown else []
    return len(_reduce([*base, [Fraction(x) for x in vector]])) == len(base) if width else True


def vector(cells: int, members) -> list[int]:
    out = [0] * cells
    for i in members:
        out[i] = 1
    return out


def assert_nothing_small_revealed(values: list[int], shown: list[tuple], protected: list[tuple]) -> None:
    """`shown`: the figures a reader sees (each the cells it adds up); `protected`: sums of cells that are
    counts of people. No shown figure is from 1 to 4, and no protected count from 1 to 4 can be worked out."""
    n = len(values)
    for members in shown:
        total = sum(values[i] for i in members)
        assert not 0 < total < 5, f"shown figure {members} = {total}"
    shown_vectors = [vector(n, m) for m in shown]
    for members in protected:
        total = sum(values[i] for i in members)
        if 0 < total < 5:
            assert not can_be_worked_out(vector(n, members), shown_vectors), (
                f"count {members} = {total} can be worked out from {shown}"
            )


def _fft_shown(figures, offset: int = 0) -> list[tuple]:
    """What an FFT row shows, as sums of its cells: the counts not starred, the total, and the numerators of
    the percentages shown."""
    out = [(offset + i,) for i, cell in enumerate(figures.cells) if cell != SUPPRESSED]
    if figures.total != SUPPRESSED:
        out.append(tuple(range(offset, offset + 6)))
    if figures.percent_positive not in (SUPPRESSED, None):
        out.append((offset, offset + 1))
    if figures.percent_negative not in (SUPPRESSED, None):
        out.append((offset + 3, offset + 4))
    return out


def _fft_protected(rows: int, offset: int = 0) -> list[tuple]:
    out = []
    for r in range(rows):
        base = offset + 6 * r
        out += [(base + i,) for i in range(6)]
        out += [tuple(range(base, base + 6)), (base, base + 1), (base + 3, base + 4), (base + 2, base + 5)]
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(count, min_size=1, max_size=8))
def test_a_row_and_its_total_never_reveal_a_small_count(counts):
    shown_row = suppress_row(counts)
    shown = [(i,) for i, cell in enumerate(shown_row) if cell != SUPPRESSED]
    shown.append(tuple(range(len(counts))))  # the total is printed beside the row
    if 0 < sum(counts) < 5:
        shown.pop()  # a small total is not printed (the whole row is starred)
        assert shown_row == [SUPPRESSED] * len(counts)
    assert_nothing_small_revealed(counts, shown, [(i,) for i in range(len(counts))])


@settings(max_examples=300, deadline=None)
@given(st.lists(count, min_size=6, max_size=6))
def test_an_fft_row_never_reveals_a_small_count_through_its_total_or_percentages(values):
    figures = fft_figures(FFTCounts(*values))
    assert_nothing_small_revealed(values, _fft_shown(figures), _fft_protected(1))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(count, min_size=6, max_size=6), min_size=1, max_size=4))
def test_an_fft_table_with_its_total_row_never_reveals_a_small_count(table):
    rows, total = fft_table([FFTCounts(*r) for r in table], with_total=True)
    values = [v for r in table for v in r]
    n = len(table)
    shown = [f for k, figures in enumerate(rows) for f in _fft_shown(figures, 6 * k)]
    # The total row's figures are sums down the columns.
    for f in _fft_shown(total):
        shown.append(tuple(6 * k + i for i in f for k in range(n)))
    protected = _fft_protected(n)
    protected += [tuple(6 * k + i for i in group for k in range(n)) for group in [(j,) for j in range(6)]]
    protected += [tuple(6 * k + i for i in group for k in range(n)) for group in [(0, 1), (3, 4), (2, 5)]]
    assert_nothing_small_revealed(values, shown, protected)


@st.composite
def tables(draw):
    """Any table: some cells, some shown sums of them (cells, rows, columns, overlapping groups)."""
    n = draw(st.integers(1, 9))
    values = draw(st.lists(count, min_size=n, max_size=n))
    groups = draw(
        st.lists(st.sets(st.integers(0, n - 1), min_size=1, max_size=n).map(tuple), min_size=1, max_size=10)
    )
    return values, groups


@settings(max_examples=300, deadline=None)
@given(tables())
def test_any_table_of_sums_never_reveals_a_small_count(table):
    values, figures = table
    hidden = suppress(values, figures)
    shown = [tuple(f) for i, f in enumerate(figures) if i not in hidden]
    protected = [(i,) for i in range(len(values))] + [tuple(f) for f in figures]
    assert_nothing_small_revealed(values, shown, protected)


@settings(max_examples=200, deadline=None)
@given(count, count)
def test_a_share_shown_on_its_own_never_comes_from_a_small_count(part, rest):
    value = share(part, part + rest)
    if value not in (None, SUPPRESSED):
        assert not 0 < part < 5 and not 0 < rest < 5


def test_a_large_table_with_nothing_small_hides_nothing():
    assert suppress([100, 200, 300], [(0,), (1,), (2,), (0, 1, 2)]) == frozenset()


def test_the_equality_view_defect_eight_responses_one_negative_hides_the_percentage():
    # The defect: 8 responses, 1 of them negative, shown as "13% negative" (13% of 8 is 1 person).
    figures = fft_figures(FFTCounts(very_good=5, good=2, neither=0, poor=1, very_poor=0, dont_know=0))
    assert figures.percent_negative == SUPPRESSED


@st.composite
def prioritised_tables(draw):
    """A table of sums as above, each figure with a priority (0: detail, hidden first; 2: headline)."""
    values, groups = draw(tables())
    return values, groups, draw(st.lists(st.integers(0, 2), min_size=len(groups), max_size=len(groups)))


def _protected(values: list[int], figures: list[tuple]) -> list[tuple]:
    """What `suppress` protects: every cell, every figure, and what is left of a figure once another inside it
    is taken away."""
    sets = [frozenset(f) for f in figures]
    rests = [tuple(sorted(o - i)) for o in sets for i in sets if i < o]
    return [(i,) for i in range(len(values))] + [tuple(f) for f in figures] + rests


@settings(max_examples=300, deadline=None)
@given(prioritised_tables())
def test_with_priorities_no_protected_small_count_is_in_the_span_of_the_shown_figures(table):
    values, figures, priority = table
    hidden = suppress(values, figures, priority=priority)
    shown = [tuple(f) for i, f in enumerate(figures) if i not in hidden]
    assert_nothing_small_revealed(values, shown, _protected(values, figures))


@settings(max_examples=200, deadline=None)
@given(prioritised_tables())
def test_with_priorities_every_figure_hidden_for_another_is_needed(table):
    # Shown again one at a time, a figure hidden to protect another (not small itself, nor inside a small one
    # unless it is zero) would give a small count away: nothing is hidden for nothing.
    values, figures, priority = table
    hidden = suppress(values, figures, priority=priority)
    n = len(values)
    protected = _protected(values, figures)
    shown_vectors = [vector(n, f) for i, f in enumerate(figures) if i not in hidden]
    for i in hidden:
        total = sum(values[c] for c in figures[i])
        inside_small = any(set(figures[i]) <= set(f) and 0 < sum(values[c] for c in f) < 5 for f in figures)
        if 0 < total < 5 or (inside_small and total):
            continue  # primary: hidden for what it is
        with_it = [*shown_vectors, vector(n, figures[i])]
        revealed = [
            m for m in protected
            if 0 < sum(values[c] for c in m) < 5 and can_be_worked_out(vector(n, m), with_it)
        ]  # fmt: skip
        assert revealed, f"figure {figures[i]} = {total} is hidden, but showing it reveals nothing small"


def test_a_priority_for_each_figure_is_required():
    import pytest

    with pytest.raises(ValueError, match="2 priorities for 3 figures"):
        suppress([1, 9], [(0,), (1,), (0, 1)], priority=[0, 1])


def test_with_priorities_the_detail_goes_before_the_headline():
    # Cells 3 and 9 shown on their own and their sum: 3 is hidden, and one of 9 or 12 must go with it. By
    # size the 9 goes; with the sum marked as the headline and the 9 as detail, the 9 goes too, and with the 9
    # marked as the headline the sum goes instead.
    cells, figures = [3, 9], [(0,), (1,), (0, 1)]
    assert suppress(cells, figures) == {0, 1}
    assert suppress(cells, figures, priority=[0, 0, 1]) == {0, 1}
    assert suppress(cells, figures, priority=[0, 1, 0]) == {0, 2}
