from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml import evaluate, format_report, load_tagger


class Command(BaseCommand):
    help = (
        "Score the tagger on any labelled CSV with the training file's columns: micro- and macro-F1, "
        "per-label precision/recall/F1, 3-class sentiment accuracy and throughput. A file with an "
        "`fft_score` column (1–5, 6 don't know) is tagged with each comment's rating, as the worker tags a "
        "comment with its response's; the sentiment is then also scored with the ratings hidden."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path)
        parser.add_argument(
            "--model", type=Path, default=None, help="model directory (default: the committed one)"
        )

        parser.add_argument(
            "--text-only",
            action="store_true",
            help="ignore the file's fft_score column: text and question type only",
        )

    def handle(self, *args, data, model, text_only, **options):
        if not data.is_file():
            raise CommandError(f"--data: no such file {data}")
        self.stdout.write(format_report(evaluate(data, load_tagger(model), ratings=not text_only)))
