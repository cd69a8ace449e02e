from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from insight_hub.themes.services import retag_queue


class Command(BaseCommand):
    help = (
        "Queue a re-tag of every story and comment, of those changed since a date, or of those the current "
        "model has not tagged yet, in chunks."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--since", help="YYYY-MM-DD: texts saved or changed on or after this date")
        group.add_argument("--all", action="store_true", help="every text, re-tagged even when unchanged")
        group.add_argument(
            "--stale",
            action="store_true",
            help="every story and comment not tagged by the current model version (after a model update)",
        )

    def handle(self, *args, since=None, all=False, stale=False, **options):  # noqa: A002 - the option's name
        start = None
        if since:
            try:
                start = timezone.make_aware(datetime.strptime(since, "%Y-%m-%d"))
            except ValueError:
                raise CommandError(f"--since must be a date like 2026-04-01, not {since!r}") from None
        queued = retag_queue(since=start, force=all, stale=stale)
        for label, count in queued.items():
            self.stdout.write(f"{label}: {count} queued")
        self.stdout.write(self.style.SUCCESS(f"{sum(queued.values())} texts queued for tagging."))
