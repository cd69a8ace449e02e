"""Benchmark a board report of the whole ICS over the synthetic data set (1M responses, 50k stories).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ih_bench .venv/bin/python manage.py migrate reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ih_bench SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/board_report.py [--months 12] [--quotes 8] [--runs 3]

The data set comes from `manage.py generate_synthetic --responses 1000000 --stories 50000` with its roll-ups
built. The script makes the report as the Celery task does (`services.build_files`: read the roll-ups and
stories, print the PDF with WeasyPrint, write the XLSX and CSV) and stores the files in the report tables,
timing each part; it writes nothing else (no audit record: the audit table is not the benchmark's) and
deletes its report rows at the end. The target: the ICS's PDF report in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months in the report's period (default 12)")
    parser.add_argument("--quotes", type=int, default=8, help="stories to quote (default 8)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="write the last run's PDF to this path")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from dashboards.reports import exports, selectors
    from dashboards.reports.models import BoardReport, ReportFile, ReportFormat
    from feedback.models import Response
    from insight_hub.organisations.models import ICS
    from insight_hub.periods import Period, month_start
    from stories.models import Story

    ics = ICS.objects.select_related("icb", "px_lead").order_by("pk").first()
    if ics is None:
        sys.exit("no ICS in this database: run manage.py generate_synthetic first")
    responses = Response.objects.count()
    stories = Story.objects.count()
    # The last `months` whole months (the current month is not over).
    period = Period.last_months(args.months, today=month_start(timezone.localdate()) - dt.timedelta(days=1))
    print(f"{connection.settings_dict['NAME']}: {responses:,} responses, {stories:,} stories; ICS {ics.name}")
    print(f"period: {period.label} ({len(period.months)} months), {args.quotes} quotes")

    timings = []
    for run in range(args.runs):
        report = BoardReport.objects.create(
            ics=ics, organisation=None, period_first=period.first, period_last=period.last,
            quote_count=args.quotes,
        )  # fmt: skip
        report = BoardReport.objects.select_related("ics", "ics__icb", "ics__px_lead").get(pk=report.pk)
        marks = {}
        start = time.perf_counter()
        content = selectors.report_content(report)
        marks["read"] = time.perf_counter() - start
        t = time.perf_counter()
        pdf = exports.pdf_bytes(content)
        marks["pdf"] = time.perf_counter() - t
        t = time.perf_counter()
        xlsx = exports.xlsx_bytes(content)
        data = exports.csv_bytes(content)
        marks["xlsx+csv"] = time.perf_counter() - t
        t = time.perf_counter()
        for fmt, body in ((ReportFormat.PDF, pdf), (ReportFormat.XLSX, xlsx), (ReportFormat.CSV, data)):
            ReportFile.objects.create(report=report, format=fmt, content=body, size=len(body))
        marks["store"] = time.perf_counter() - t
        marks["total"] = time.perf_counter() - start
        marks["to_pdf"] = marks["read"] + marks["pdf"]
        timings.append(marks)
        b = content.balance
        print(
            f"run {run + 1}: read {marks['read']:.2f} s, PDF {marks['pdf']:.2f} s "
            f"({len(pdf) / 1024:.0f} KiB), "
            f"XLSX+CSV {marks['xlsx+csv']:.2f} s, store {marks['store']:.2f} s; total {marks['total']:.2f} s "
            f"| {b.collected_total:,} stories collected ({b.collected_percent or 0:.1f}% critical), "
            f"{b.quoted_total} quoted ({b.quoted_percent:.0f}% critical), {len(content.themes)} themes"
        )
        if args.keep and run == args.runs - 1:
            Path(args.keep).write_bytes(pdf)
        BoardReport.objects.filter(pk=report.pk).delete()
    to_pdf = [m["to_pdf"] for m in timings]
    total = [m["total"] for m in timings]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nICS board report, read + PDF: best {min(to_pdf):.2f} s, worst {max(to_pdf):.2f} s; "
        f"with XLSX, CSV and storing: best {min(total):.2f} s, worst {max(total):.2f} s "
        f"(target ≤ 10 s); peak RSS {rss:.0f} MiB; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
