"""Board report themes: figures shown as * with and without the report's priorities, on the demo data.

    DEBUG=true .venv/bin/python manage.py migrate && DEBUG=true .venv/bin/python manage.py load_demo
    DEBUG=true OMP_NUM_THREADS=1 .venv/bin/python bench/theme_suppression.py

For the demo ICS and each of its organisations, over the last 3, 6 and 12 whole months before 1 December
2026, every theme row as the board report makes it (`themes_section`), suppressed twice: with `suppress`'s
default (no priority: the method before the priorities, exactly), and as the report now does (month detail
hidden before the period's headline figures, no zero hidden without need). It counts the values shown as *
(the period's 9: positive, neutral, negative, mentions, previous, change, two percentages, net sentiment;
each month's 4), checks each row with the exact rational test of tests/reports/test_suppression.py, and
times the suppression of all rows (best of 3).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from dashboards.reports import selectors as rs
    from insight_hub import suppression
    from insight_hub.organisations.models import ICS, Organisation
    from insight_hub.periods import Period
    from tests.reports.test_suppression import assert_row_reveals_nothing_small

    def without_priority(*args, priority=None, **kwargs):
        return suppression.suppress(*args, **kwargs)

    def stars(row) -> tuple[int, int]:
        period = sum(v == "*" for k, v in row.shown.items() if k != "monthly")
        return period, sum(v == "*" for m in row.shown["monthly"] for v in m.values())

    ics = ICS.objects.order_by("pk").first()
    scopes = [
        ("ICS", None),
        *((o.display_name, o) for o in Organisation.objects.filter(ics=ics).exclude(kind="icb")),
    ]
    for label, org in scopes:
        ids = rs.scope_org_ids(ics, org)
        for months in (3, 6, 12):
            period = Period.last_months(months, today=dt.date(2026, 11, 30))
            rows, _, _ = rs.themes_section(ids, period)
            if not rows:
                continue
            result = {}
            for name, patch in (("default", True), ("priorities", False)):
                best = float("inf")
                for _ in range(3):
                    with mock.patch.object(rs, "suppress", without_priority) if patch else mock.MagicMock():
                        start = time.perf_counter()
                        for row in rows:
                            rs.suppress_theme_row(row)
                        best = min(best, time.perf_counter() - start)
                for row in rows:
                    assert_row_reveals_nothing_small(row)
                counts = [stars(r) for r in rows]
                result[name] = (sum(c[0] for c in counts), sum(c[1] for c in counts), best)
            trend = sum(len(r.monthly) > 1 for r in rows)
            d, p = result["default"], result["priorities"]
            print(
                f"{label[:40]:40} {months:2} months, {len(rows):2} themes ({trend} with a trend): "
                f"period * {d[0]:3} -> {p[0]:3} of {9 * len(rows)}; months * {d[1]:3} -> {p[1]:3} of "
                f"{4 * sum(len(r.monthly) for r in rows)}; {d[2] * 1000:.0f} -> {p[2] * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
