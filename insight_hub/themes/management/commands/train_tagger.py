import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml import DEFAULT_MODEL_DIR, train
from insight_hub.themes.ml.data import read_corrections


class Command(BaseCommand):
    help = (
        "Train the theme/sentiment tagger on a labelled CSV (the columns of the training file), seeded and "
        "reproducible, and write the model and its model card into the repo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", required=True, type=Path, help="labelled CSV, e.g. px_feedback_train.csv"
        )
        parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR, help="model directory")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--corrections",
            type=Path,
            help="people's corrections as training rows (the review page's CSV download) to include",
        )
        parser.add_argument("--cv", type=int, default=5, help="folds for the model card's scores (0 skips)")

    def handle(self, *args, data, out, seed, corrections, cv, **options):
        if not data.is_file():
            raise CommandError(f"--data: no such file {data}")
        extra = None
        if corrections:
            if not corrections.is_file():
                raise CommandError(f"--corrections: no such file {corrections}")
            try:
                extra = read_corrections(corrections)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise CommandError(f"--corrections: {corrections} is not a UTF-8 CSV file ({exc})") from exc
        summary = train(data, out, seed=seed, extra_rows=extra, cv=cv)
        self.stdout.write(
            self.style.SUCCESS(f"Trained {summary['version']} on {summary['data']['rows']} rows into {out}.")
        )
        for name, value in summary.get("cross_validation", {}).items():
            if not isinstance(value, dict):
                self.stdout.write(f"  {name}: {value}")
