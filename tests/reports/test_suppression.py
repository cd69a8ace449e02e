"""Board reports print no count from 1 to 4, and none that a total would give back (their notes say so)."""

import datetime as dt

from dashboards.reports.selectors import ThemeRow, suppress_theme_row
from dashboards.reports.stories import Balance
from dashboards.selectors import ThemeMonth
from feedback.metrics import FFTCounts, fft_table


def _theme(positive, neutral, negative, previous=0, monthly=()):
    total = positive + neutral + negative
    return ThemeRow(
        name="Waiting",
        positive=positive,
        neutral=neutral,
        negative=negative,
        total=total,
        previous=previous,
        change=total - previous,
        net_sentiment=round(100 * (positive - negative) / total) if total else None,
        monthly=list(monthly),
    )


def test_a_theme_with_three_negative_mentions_prints_no_negative_count_or_share():
    # The defect: "Most criticised" printed a negative count of 3 (and its percentage).
    row = _theme(positive=40, neutral=20, negative=3, previous=50)
    suppress_theme_row(row)
    assert row.shown["negative"] == "*"
    assert row.shown["negative_percent"] == "*"
    assert row.shown["net_sentiment"] == "*"  # (positive - negative) / total would give it back too
    assert row.shown["total"] != 3 and row.shown["positive"] == 40


def test_a_month_of_the_trend_cannot_be_worked_out_from_the_period():
    months = [ThemeMonth(dt.date(2026, 10, 1), 20, 10, 10), ThemeMonth(dt.date(2026, 11, 1), 20, 10, 2)]
    row = _theme(positive=40, neutral=20, negative=12, previous=60, monthly=months)
    suppress_theme_row(row)
    november = row.shown["monthly"][1]
    assert november["negative"] == "*"
    # The period's negative count (12) minus October's (10) would be November's 2: one of them is hidden.
    assert "*" in (row.shown["negative"], row.shown["monthly"][0]["negative"])
    assert row.monthly_totals[1] in (None, 32)


def test_stories_collected_hide_a_small_stratum_and_its_share():
    balance = Balance(collected={"critical": 3, "negative": 20, "neutral": 30, "positive": 47}, quoted={})
    shown = balance.shown_collected
    assert shown["critical"] == "*"
    assert "*" in (shown["negative"], shown["all"])  # or 100 - 20 - 30 - 47 = 3
    assert balance.shown_collected_percent == "*"
    assert "3%" not in balance.statement


def test_fft_by_month_with_its_period_row_hides_down_the_columns_too():
    months = [FFTCounts(50, 30, 10, 10, 10, 0), FFTCounts(50, 30, 10, 3, 10, 0)]
    rows, total = fft_table(months, with_total=True)
    assert rows[1].cells[3] == "*"
    # Poor in the period (13) minus October's (10) would give November's 3.
    assert "*" in (rows[0].cells[3], total.cells[3])
