"""Board reports print no count from 1 to 4, and none that a total would give back (their notes say so)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.models import FFTMonthly
from dashboards.reports import services
from dashboards.reports.models import ReportStatus
from dashboards.reports.selectors import (
    ThemeRow,
    fft_organisations,
    fft_section,
    spc_for,
    suppress_theme_row,
)
from dashboards.reports.stories import Balance
from dashboards.selectors import ThemeMonth
from feedback.metrics import FFT_FIELDS, FFTCounts, fft_table
from tests.reports.conftest import previous_months
from tests.reports.test_generate import pdf_text
from tests.test_suppression import (
    _fft_protected,
    _fft_shown,
    assert_nothing_small_revealed,
    can_be_worked_out,
    count,
)


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


# --- The themes table of the demo's Kent and Medway ICS report, June to November 2026 (a user trial) --------
# Each theme's months as (positive, neutral, negative), and its previous period's mentions.
ORGANISATION = [(7, 0, 0), (5, 0, 0), (7, 0, 0), (8, 0, 0), (3, 0, 0), (6, 0, 0)], 23
SENSORY = [(0, 0, 7), (0, 0, 5), (0, 0, 15), (0, 0, 10), (0, 0, 7), (0, 0, 4)], 43
PARKING = [(0, 0, 9), (0, 0, 21), (0, 0, 8), (0, 0, 14), (0, 0, 11), (0, 0, 11)], 62
STAFF_MANNER = [(59, 0, 1), (60, 0, 2), (50, 0, 0), (61, 0, 0), (51, 0, 0), (61, 0, 1)], 320
FAMILY = [(5, 0, 2), (5, 0, 1), (4, 0, 0), (5, 0, 0), (2, 0, 0), (6, 0, 0)], 49
HEADLINE = ("positive", "neutral", "negative", "total", "previous", "change")
HEADLINE += ("positive_percent", "negative_percent", "net_sentiment")


def _demo_theme(case, *, trend=True):
    months, previous = case
    sums = [sum(m[j] for m in months) for j in range(3)]
    monthly = [ThemeMonth(dt.date(2026, 6 + i, 1), *m) for i, m in enumerate(months)] if trend else []
    row = _theme(*sums, previous=previous, monthly=monthly)
    suppress_theme_row(row)
    assert_row_reveals_nothing_small(row)
    alone = _theme(*sums, previous=previous)
    suppress_theme_row(alone)
    assert _headline(row) == _headline(alone)
    return row


def _headline(row) -> dict:
    return {k: row.shown[k] for k in HEADLINE}


def test_a_theme_praised_in_every_mention_shows_its_zeros_and_net_sentiment():
    # The defect: 36 positive of 36 mentions printed net sentiment * (the period's zero negative count hidden,
    # zeros first, to protect October's 3, though it gives nothing away), and * in the CSV for counts of 0.
    row = _demo_theme(ORGANISATION)
    assert _headline(row) == {
        "positive": 36, "neutral": 0, "negative": 0, "total": 36, "previous": 23, "change": 13,
        "positive_percent": 100, "negative_percent": 0, "net_sentiment": 100,
    }  # fmt: skip
    assert row.shown["monthly"][4]["total"] == "*"  # October's 3 mentions
    assert _headline(row) == _headline(_demo_theme(ORGANISATION, trend=False))  # the trend costs nothing


def test_a_theme_criticised_in_every_mention_shows_net_sentiment_like_parking():
    # The defect: Sensory experience (48 negative of 48) printed net sentiment * while Parking (74 of 74)
    # printed -100: November's 4 mentions were protected by hiding the period's zero positive count.
    sensory, parking = _demo_theme(SENSORY), _demo_theme(PARKING)
    assert (sensory.shown["positive"], sensory.shown["neutral"], sensory.shown["negative"]) == (0, 0, 48)
    assert sensory.shown["net_sentiment"] == parking.shown["net_sentiment"] == -100
    assert sensory.shown["negative_percent"] == 100
    # November (4) and one other month are gaps in the trend; the months' zeros are shown.
    assert sensory.monthly_totals == [7, None, 15, 10, 7, None]
    assert [m["positive"] for m in sensory.shown["monthly"]] == [0] * 6
    assert _headline(sensory) == _headline(_demo_theme(SENSORY, trend=False))


def test_a_praised_theme_with_four_other_mentions_keeps_its_positive_count_hidden():
    # Staff manner: 342 positive of 346. Mentions minus positive is the 4 mentions that were not positive, a
    # count from 1 to 4: with the mentions shown, the positive count (and its percentage) cannot be. This is
    # the period's own figures, not the trend: the row hides the same without it. Family/carers: 27 of 30.
    for case, total in ((STAFF_MANNER, 346), (FAMILY, 30)):
        row = _demo_theme(case)
        assert row.shown["total"] == total
        assert row.shown["positive"] == row.shown["positive_percent"] == row.shown["net_sentiment"] == "*"
        assert row.shown["neutral"] == 0  # hidden before, for nothing
        assert _headline(row) == _headline(_demo_theme(case, trend=False))


def _vector(n: int, members, sign: int = 1) -> list[int]:
    out = [0] * n
    for i in members:
        out[i] = sign
    return out


def assert_row_reveals_nothing_small(row) -> None:
    """From everything the row shows (counts, the months, the percentages' numerators, net sentiment as
    positive - negative), no count from 1 to 4 can be worked out (exact algebra)."""
    months = row.monthly or [ThemeMonth(None, row.positive, row.neutral, row.negative)]
    values = [v for m in months for v in (m.positive, m.neutral, m.negative)] + [row.previous]
    k, n, f = len(months), 3 * len(months) + 1, row.shown
    column = [tuple(range(j, 3 * k, 3)) for j in range(3)]
    month_groups = [((3 * i,), (3 * i + 1,), (3 * i + 2,), (3 * i, 3 * i + 1, 3 * i + 2)) for i in range(k)]
    shown = []
    if row.monthly:
        for groups, m in zip(month_groups, f["monthly"], strict=True):
            shown += [
                g
                for g, key in zip(groups, ("positive", "neutral", "negative", "total"), strict=True)
                if m[key] != "*"
            ]
    for members, keys in (
        (column[0], ("positive", "positive_percent")), (column[1], ("neutral",)),
        (column[2], ("negative", "negative_percent")), (tuple(range(3 * k)), ("total",)),
        ((3 * k,), ("previous",)), ((3 * k,), ("change",)),
    ):  # fmt: skip
        if any(f[key] not in ("*", None) for key in keys):
            shown.append(members)
    shown_vectors = [_vector(n, s) for s in shown]
    if f["change"] not in ("*", None):
        shown_vectors.append([1] * (3 * k) + [-1])  # total - previous
    if f["net_sentiment"] not in ("*", None):
        shown_vectors.append(
            [a - b for a, b in zip(_vector(n, column[0]), _vector(n, column[2]), strict=True)]
        )
    sums = [*(g for groups in month_groups for g in groups), *column, tuple(range(3 * k)), (3 * k,)]
    sets = [frozenset(s) for s in sums]
    protected = [(c,) for c in range(n)] + sums + [tuple(o - i) for o in sets for i in sets if i < o]
    for members in protected:
        if 0 < sum(values[c] for c in members) < 5:
            assert not can_be_worked_out(_vector(n, members), shown_vectors), f"{members} from {f}"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(count, count, count), min_size=1, max_size=6), count)
def test_any_theme_row_with_its_trend_reveals_no_small_count(months, previous):
    monthly = [ThemeMonth(dt.date(2026, 1 + i, 1), *m) for i, m in enumerate(months)]
    sums = [sum(m[j] for m in months) for j in range(3)]
    row = _theme(*sums, previous=previous, monthly=monthly)
    suppress_theme_row(row)
    assert_row_reveals_nothing_small(row)
    alone = _theme(*sums, previous=previous)
    suppress_theme_row(alone)
    assert _headline(row) == _headline(alone)


# --- The FFT table by month (or by organisation) and its period row --------------------------------------
# Page one and the board read the period's responses, % positive and % negative: a figure hidden only to
# protect a small count in a month comes from the months, not from those.

PERIOD_HEADLINE = ("total", "percent_positive", "percent_negative")


def _fft_months(world, months, organisation=None):
    """FFTMonthly rows for `months` (one FFTCounts a month) in the last len(months) whole months."""
    period = previous_months(len(months))
    org = organisation or world.trust_a
    service = world.service_a if org == world.trust_a else world.service_b
    for month, counts in zip(period.months, months, strict=True):
        FFTMonthly.objects.create(
            organisation=org,
            service=service,
            month=month,
            **dict(zip(FFT_FIELDS, counts.as_tuple(), strict=True)),
        )
    return period


def assert_fft_table_reveals_nothing_small(rows, shown_rows, shown_total) -> None:
    """From every figure the table shows (each row's counts, responses and the numerators of its two
    percentages, and the same for the total row, whose figures are sums down the columns), no count of
    people from 1 to 4 can be worked out (exact algebra): a cell, any figure of a row or of the total row,
    neither + don't know, or what is left of a figure once one inside it is taken away (responses - positive,
    the period's poor - a month's)."""
    values = [v for r in rows for v in r.as_tuple()]
    n = len(rows)
    shown = [f for k, figures in enumerate(shown_rows) for f in _fft_shown(figures, 6 * k)]
    shown += [_down(f, n) for f in _fft_shown(shown_total)]
    row = [(i,) for i in range(6)] + [tuple(range(6)), (0, 1), (3, 4)]  # what a row shows
    figures = [tuple(6 * k + i for i in f) for k in range(n) for f in row] + [_down(f, n) for f in row]
    sets = [frozenset(f) for f in figures]
    rests = [tuple(sorted(o - i)) for o in sets for i in sets if i < o]
    neither_or_dont_know = [(6 * k + 2, 6 * k + 5) for k in range(n)] + [_down((2, 5), n)]
    assert_nothing_small_revealed(values, shown, figures + rests + neither_or_dont_know)


def _down(columns, n: int) -> tuple:
    """A figure of the total row as a sum of the rows' cells."""
    return tuple(6 * k + i for i in columns for k in range(n))


def _headline_of(figures) -> tuple:
    return tuple(getattr(figures, k) for k in PERIOD_HEADLINE)


def test_a_month_with_one_poor_and_two_very_poor_no_longer_hides_the_periods_percent_negative(world):
    # October 100 responses, November 39 of which 1 poor and 2 very poor. The period: 139 responses, 81%
    # positive, 13% negative (18). Before, the report printed "* negative (too few to show)" for the period
    # (hiding its negative count, 18, to protect November's 3); now November's figures go instead.
    months = [FFTCounts(64, 13, 5, 8, 7, 3), FFTCounts(30, 6, 0, 1, 2, 0)]
    period = _fft_months(world, months)
    shown_months, counts, total = fft_section([world.trust_a.pk], period)
    assert counts == FFTCounts(94, 19, 5, 9, 9, 3)
    assert _headline_of(total) == (139, 81, 13)
    november = shown_months[1].figures
    assert november.cells[3] == november.cells[4] == november.percent_negative == "*"
    # Poor and very poor in the period (9, 9) minus October's would give November's: October's are hidden.
    assert shown_months[0].figures.cells[3] == shown_months[0].figures.cells[4] == "*"
    assert_fft_table_reveals_nothing_small(months, [m.figures for m in shown_months], total)


def test_a_quiet_month_with_few_complaints_leaves_the_periods_headline_alone(world):
    # September: 94 responses, 1 poor and 0 very poor, 2 neither, 1 don't know. Before, the report hid the
    # period's % negative (7%) as well; now the months' counts are hidden and the period's three headline
    # figures are printed as they would be with no months shown.
    months = [FFTCounts(74, 16, 2, 1, 0, 1), FFTCounts(62, 13, 4, 8, 4, 1)]
    period = _fft_months(world, months)
    shown_months, _, total = fft_section([world.trust_a.pk], period)
    assert _headline_of(total) == (186, 89, 7)
    assert shown_months[0].figures.percent_negative == "*"  # September's 1 poor
    alone = fft_table([FFTCounts(136, 29, 6, 9, 4, 2)], headline_total=True)[0][0]
    assert _headline_of(total) == _headline_of(alone)
    assert_fft_table_reveals_nothing_small(months, [m.figures for m in shown_months], total)


def test_a_small_trust_in_the_ics_table_leaves_the_ics_headline_alone(world):
    # The whole-ICS report's table by organisation: trust B's 39 responses hold 1 poor and 2 very poor.
    # Before, the ICS's % negative was hidden to protect them; now trust B's figures are.
    period = _fft_months(world, [FFTCounts(64, 13, 5, 8, 7, 3)])
    _fft_months(world, [FFTCounts(30, 6, 0, 1, 2, 0)], organisation=world.trust_b)
    names = {world.trust_a.pk: "Trust A", world.trust_b.pk: "Trust B"}
    rows, total = fft_organisations(names, period)
    assert [r.organisation for r in rows] == ["Trust A", "Trust B"]
    assert _headline_of(total) == (139, 81, 13)
    assert rows[1].figures.percent_negative == "*"
    assert_fft_table_reveals_nothing_small([r.counts for r in rows], [r.figures for r in rows], total)


def test_page_one_prints_the_periods_percent_negative(world, django_capture_on_commit_callbacks):
    # The first worked example, as the board reads it: page one and section 1 of the PDF.
    period = _fft_months(world, [FFTCounts(64, 13, 5, 8, 7, 3), FFTCounts(30, 6, 0, 1, 2, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            user=world.px_a, ics=world.ics, organisation=world.trust_a, first=period.first, last=period.last,
            quote_count=0,
        )  # fmt: skip
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.message
    text = pdf_text(report)
    assert "81% positive and 13% negative, from 139 responses" in text  # page one
    assert "In the period: 139 responses, 81% positive and 13% negative." in text  # section 1
    assert "too few to show" not in text


def test_the_spc_chart_draws_no_point_for_a_month_whose_percent_positive_the_table_hides(world):
    # September: 44 responses, 37 positive, 6 neither, 1 poor. The table shows its responses, neither, very
    # poor and don't know but not its % positive; September on its own would show 84% positive, and the
    # chart drew it (84.1): 44 - 37 - 6 - 0 - 0 gave back the 1 poor. The chart follows the table.
    months = [FFTCounts(28, 9, 6, 1, 0, 0), FFTCounts(27, 9, 0, 3, 0, 0)]
    period = _fft_months(world, months)
    shown_months, _, total = fft_section([world.trust_a.pk], period)
    september = shown_months[0].figures
    assert september.total == 44 and september.percent_positive == "*"
    spc, _ = spc_for([world.trust_a.pk], period, shown_months)
    drawn = {p.period: p.value for p in spc.points}
    assert drawn[period.first] is None
    # What the chart draws for the period's months is what the table shows: nothing more can be worked out.
    for row in shown_months:
        shown_percent = row.figures.percent_positive
        assert (drawn[row.month] is None) == (shown_percent in ("*", None))
    assert_fft_table_reveals_nothing_small(months, [m.figures for m in shown_months], total)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(count, min_size=6, max_size=6), min_size=1, max_size=4))
def test_any_fft_table_with_its_headline_period_reveals_no_small_count_and_shows_the_period_as_alone(table):
    rows = [FFTCounts(*r) for r in table]
    shown_rows, total = fft_table(rows, with_total=True, headline_total=True)
    assert_fft_table_reveals_nothing_small(rows, shown_rows, total)
    # The rows above cost the period's headline nothing: it is what the period row shows on its own.
    period = FFTCounts(*(sum(r[i] for r in table) for i in range(6)))
    alone = fft_table([period], headline_total=True)[0][0]
    assert _headline_of(total) == _headline_of(alone)
    assert_nothing_small_revealed(list(period.as_tuple()), _fft_shown(alone), _fft_protected(1))
