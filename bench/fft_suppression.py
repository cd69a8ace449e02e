"""Board report FFT table: the period's headline and the months shown as * with and without the priorities,
on the demo data.

    DEBUG=true .venv/bin/python manage.py migrate && DEBUG=true .venv/bin/python manage.py load_demo
    DEBUG=true OMP_NUM_THREADS=1 .venv/bin/python bench/fft_suppression.py

For the demo ICS and each of its organisations, over the last 3, 6 and 12 whole months before 1 December
2026, the FFT table by month with its period row as the board report makes it (`fft_section`'s table),
suppressed twice: as before (`fft_table(..., with_total=True)`, no priority) and as the report now does
(`headline_total=True`: months before the period's answer counts, those before its responses, % positive
and % negative). It prints the period's headline as shown, the values shown as * in the period row's
answer counts and in the months (each month's 6 counts, responses and two percentages), whether the
headline equals the period row suppressed on its own, checks each table with the exact rational test of
tests/reports/test_suppression.py, and times both (best of 3).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from dashboards import selectors as ds
    from dashboards.reports import selectors as rs
    from feedback.metrics import FFTCounts, fft_table
    from insight_hub.organisations.models import ICS, Organisation
    from insight_hub.periods import Period
    from tests.reports.test_suppression import assert_fft_table_reveals_nothing_small

    def headline(f) -> tuple:
        return (f.total, f.percent_positive, f.percent_negative)

    ics = ICS.objects.order_by("pk").first()
    scopes = [
        ("ICS", None),
        *((o.display_name, o) for o in Organisation.objects.filter(ics=ics).exclude(kind="icb")),
    ]
    hidden_headlines = {False: 0, True: 0}
    for label, org in scopes:
        ids = rs.scope_org_ids(ics, org)
        for months in (3, 6, 12):
            period = Period.last_months(months, today=dt.date(2026, 11, 30))
            rows = [c for _, c in ds.fft_trend(ids, None, period)]
            period_row = FFTCounts(*(sum(r.as_tuple()[i] for r in rows) for i in range(6)))
            alone = headline(fft_table([period_row], headline_total=True)[0][0])
            line = []
            for priority in (False, True):
                best = float("inf")
                for _ in range(3):
                    start = time.perf_counter()
                    shown_rows, total = fft_table(rows, with_total=True, headline_total=priority)
                    best = min(best, time.perf_counter() - start)
                assert_fft_table_reveals_nothing_small(rows, shown_rows, total)
                stars = sum(v == "*" for r in shown_rows for v in (*r.cells, *headline(r)))
                hidden_headlines[priority] += sum(v == "*" for v in headline(total))
                line.append(
                    f"{'/'.join(str(v) for v in headline(total)):>12} "
                    f"{sum(v == '*' for v in total.cells)} {stars:3} {best * 1000:4.0f} ms"
                    f"{' =alone' if headline(total) == alone else ''}"
                )
            print(f"{label[:36]:36} {months:2}m | before {line[0]:30} | now {line[1]}")
    print(
        f"headline figures shown as * in all tables: before {hidden_headlines[False]}, "
        f"now {hidden_headlines[True]}"
    )


if __name__ == "__main__":
    main()
