from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.evaluation.figures import load
from insight_hub.evaluation.report import PARTS, run


class Command(BaseCommand):
    help = (
        "Score how the hub reads real stories (and, with --comments, real comments): story sentiment "
        "against the sign of Care Opinion's criticality, safety signals, redaction and speed. "
        "The same figures as bench/real_text.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path, help="stories CSV: text, criticality")
        parser.add_argument(
            "--comments", type=Path, default=None, help="comments CSV: text, sentiment, labels"
        )
        parser.add_argument("--part", action="append", choices=PARTS, help="only these parts (repeatable)")

    def handle(self, *args, data, comments, part, **options):
        if not data.is_file():
            raise CommandError(f"--data: no such file {data}")
        if comments is not None and not comments.is_file():
            raise CommandError(f"--comments: no such file {comments}")
        run(load(data, comments), parts=part or PARTS, write=self.stdout.write)
