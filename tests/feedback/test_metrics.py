"""FFT percentages and small-number suppression, with the working written out."""

import pytest

from feedback.metrics import (
    SUPPRESSED,
    FFTCounts,
    fft_figures,
    fft_monthly_counts,
    percent,
    suppress_row,
)
from feedback.models import Response
from insight_hub.suppression import suppress
from tests.factories import ResponseFactory


def test_percent_positive_and_negative_count_every_answer_dont_know_included():
    # 60 very good + 20 good = 80 positive of 100 responses; 5 + 5 negative; 5 neither, 5 don't know.
    figures = fft_figures(FFTCounts(very_good=60, good=20, neither=5, poor=5, very_poor=5, dont_know=5))
    assert figures.total == 100
    assert figures.percent_positive == 80
    assert figures.percent_negative == 10
    assert not figures.is_suppressed


def test_percentages_round_half_up_to_whole_numbers():
    assert percent(1, 8) == 13  # 12.5% -> 13%, not banker's 12%
    assert percent(2, 3) == 67
    assert percent(0, 0) is None


def test_a_row_with_nothing_small_is_shown_as_it_is():
    assert suppress_row([10, 20, 30]) == [10, 20, 30]


def test_one_small_count_hides_the_next_smallest_too_or_the_total_would_give_it_away():
    # 3 is under 5. Total 53 is shown, so 53 - 20 - 30 = 3 would reveal it: hide the next smallest (20).
    assert suppress_row([3, 20, 30]) == [SUPPRESSED, SUPPRESSED, 30]


def test_two_small_counts_protect_each_other():
    # 2 and 4 are both hidden; the total gives only their sum (6), not either one.
    assert suppress_row([2, 4, 30, 40]) == [SUPPRESSED, SUPPRESSED, 30, 40]


def test_zero_is_shown_and_is_not_used_to_hide_a_small_count_unless_it_is_the_smallest():
    # Zero identifies no one, so it is shown. The 3 needs a partner; the smallest shown count is the 0,
    # and hiding it is enough: the total (83) gives 3 + 0 = 3 but not which cell holds what.
    assert suppress_row([3, 0, 50, 30]) == [SUPPRESSED, SUPPRESSED, 50, 30]


def test_a_small_total_hides_the_whole_row():
    assert suppress_row([1, 2, 0]) == [SUPPRESSED] * 3


def test_ties_for_next_smallest_go_to_the_first():
    assert suppress_row([2, 9, 9]) == [SUPPRESSED, SUPPRESSED, 9]


def cells_and(groups, n):
    """Figures: each of n cells on its own, then the given sums."""
    return [(i,) for i in range(n)] + [tuple(g) for g in groups]


def test_groups_are_checked_again_until_none_gives_a_cell_away():
    # Cells a..e, published sums: total, (a, b), (c, d). a = 1 is small.
    # Group (a, b) has one hidden cell -> hide b (7). The total now has two hidden cells: fine.
    # Group (c, d) has none: fine. Nothing else to do.
    assert suppress([1, 7, 50, 60, 8], cells_and([range(5), (0, 1), (2, 3)], 5)) == {0, 1}
    # Now c = 2 is small as well: (c, d) hides d (60); the total then has a, b, c, d hidden.
    assert suppress([1, 7, 2, 60, 8], cells_and([range(5), (0, 1), (2, 3)], 5)) == {0, 1, 2, 3}


def test_smaller_groups_are_settled_first_so_one_partner_protects_both():
    # Cells a, b, c with published sums total and (b, c). b = 3 is small.
    # Group (b, c) first: one hidden -> hide c (40). The total then has two hidden cells: safe, and a stays.
    # (Settling the total first would hide a (10), and then c as well for (b, c): one cell more than needed.)
    assert suppress([10, 3, 40], cells_and([range(3), (1, 2)], 3)) == {1, 2}


def test_a_count_given_away_by_a_chain_of_sums_is_protected_too():
    # Cells a..d with shown sums total, (a, b) and (b, c). a = 2 is small.
    # (a, b) has one hidden cell: hide b (6). The old rule then stopped, every sum having two hidden cells or
    # none; but b = (b + c) - c = 36 - 30, and a = (a + b) - b = 2. So the sum (b, c) is hidden as well
    # (figure 6): now only a + b = 8 and a + b + c = 38 are known.
    assert suppress([2, 6, 30, 90], cells_and([range(4), (0, 1), (1, 2)], 4)) == {0, 1, 6}


def test_fft_row_hides_what_is_left_over_when_the_percentages_would_give_it_away():
    # 40 very good, 8 good, 1 neither, 0 poor, 0 very poor, 1 don't know: total 50.
    # Neither = 1 and don't know = 1 are small, and hidden. But shown with the total (50) and % positive (96:
    # 48 people), they would leave 50 - 48 = 2 people who were not positive: a small count given away by
    # subtraction. Very good and good are large and shown, so the positive count is known whatever is done
    # with the percentage: the total is hidden, and the percentages with it.
    figures = fft_figures(FFTCounts(very_good=40, good=8, neither=1, poor=0, very_poor=0, dont_know=1))
    assert figures.cells == (40, 8, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert (figures.total, figures.percent_positive, figures.percent_negative) == (SUPPRESSED,) * 3


def test_a_percentage_of_a_suppressed_count_is_suppressed():
    # 8 responses, 1 negative: "13% negative" says 1 person. The count and its percentage are both hidden.
    figures = fft_figures(FFTCounts(very_good=5, good=2, neither=0, poor=1, very_poor=0, dont_know=0))
    assert figures.percent_negative == SUPPRESSED
    assert figures.cells[3] == SUPPRESSED


def test_fft_row_hides_good_when_very_good_is_small_because_percent_positive_would_give_it_away():
    # Very good = 2 is small. % positive = 45% of 100 publishes very good + good = 45, so with good
    # shown (43) very good would be 45 - 43 = 2: good is hidden too, within the positive group. Everything
    # else is large, so the total and the other groups are safe with two hidden cells.
    figures = fft_figures(FFTCounts(very_good=2, good=43, neither=20, poor=15, very_poor=10, dont_know=10))
    assert figures.cells == (SUPPRESSED, SUPPRESSED, 20, 15, 10, 10)
    assert figures.percent_positive == 45


def test_fft_row_with_small_counts_in_two_groups():
    # Poor = 3 (negative group) and don't know = 2 (the rest). Negative: hide its partner very poor (6).
    # Rest: hide its partner neither (9). Total: four hidden cells, safe.
    figures = fft_figures(FFTCounts(very_good=70, good=20, neither=9, poor=3, very_poor=6, dont_know=2))
    assert figures.cells == (70, 20, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert (figures.percent_positive, figures.percent_negative) == (82, 8)


def test_fft_row_with_fewer_than_five_responses_hides_everything():
    figures = fft_figures(FFTCounts(very_good=3, good=1))
    assert figures.cells == (SUPPRESSED,) * 6
    assert (figures.total, figures.percent_positive, figures.percent_negative) == ("*", "*", "*")


def test_fft_row_with_no_responses_has_no_percentages():
    figures = fft_figures(FFTCounts())
    assert (figures.total, figures.percent_positive, figures.percent_negative) == (0, None, None)


@pytest.mark.django_db
def test_monthly_counts_group_responses_by_calendar_month_and_answer(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    for score, when in [
        (1, datetime(2025, 3, 1, 0, 30, tzinfo=london)),  # 1 March in London (28 Feb in UTC)
        (2, datetime(2025, 3, 31, 23, 30, tzinfo=london)),
        (5, datetime(2025, 4, 2, 12, 0, tzinfo=london)),
        (None, datetime(2025, 4, 2, 12, 0, tzinfo=london)),  # a local survey without the FFT question
    ]:
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=when)
    rows = fft_monthly_counts(Response.objects.all(), by=["service"])
    assert [(r["month"].isoformat(), FFTCounts.from_mapping(r).as_tuple()) for r in rows] == [
        ("2025-03-01", (1, 1, 0, 0, 0, 0)),
        ("2025-04-01", (0, 0, 0, 0, 1, 0)),
    ]
