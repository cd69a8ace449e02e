"""Page one of a board report reads as a board member would read it aloud: a rise in a theme is a count, not
a multiple, and a suppressed share is "*" on its own, never "*%"."""

from __future__ import annotations

from django.template.loader import render_to_string

from dashboards.reports.summary import risen_line


def test_a_theme_that_rose_is_told_as_a_count_not_a_multiple():
    line = risen_line("Contacting services", 21, 11, None)
    assert line == "“Contacting services”: 21 mentions, 11 more than in the months before."
    assert "times more" not in line
    with_share = risen_line("Appointment arrangements", 25, 9, 64)
    assert with_share.endswith("9 more than in the months before; 64% of them negative.")


def test_a_suppressed_share_is_a_star_without_a_percent_sign():
    assert (
        render_to_string("reports/partials/_share.html", {"share": 89, "word": "positive"}) == "89% positive"
    )
    hidden = render_to_string("reports/partials/_share.html", {"share": "*", "word": "negative"})
    assert hidden == "* negative (too few to show)"

    s = {"fft_total": {"percent_positive": 89, "percent_negative": "*", "total": 288}, "changed": []}
    page_one = render_to_string("reports/partials/_summary.html", {"s": s, "period_label": "September 2026"})
    assert "*%" not in page_one
    assert "<strong>89% positive</strong> and * negative (too few to show), from 288 responses" in page_one
