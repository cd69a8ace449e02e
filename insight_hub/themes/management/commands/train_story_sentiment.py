from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml import DEFAULT_MODEL_DIR
from insight_hub.themes.ml.story_training import train_story_sentiment
from insight_hub.themes.ml.tagger import STORY_DIR


class Command(BaseCommand):
    help = (
        "Train the story sentiment model on real stories (a CSV with text and Care Opinion's signed "
        "criticality), report its 5-fold figures and write it beside the tagger."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path, help="e.g. care_opinion_stories_dev.csv")
        parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR / STORY_DIR, help="model directory")
        parser.add_argument("--cv", type=int, default=5, help="folds for the reported figures (0 skips)")

    def handle(self, *args, data, out, cv, **options):
        if not data.is_file():
            raise CommandError(f"--data: no such file {data}")
        summary = train_story_sentiment(data, out, cv=cv)
        for name, value in (summary.get("cross_validation") or {}).items():
            self.stdout.write(f"{name}: {value}")
        self.stdout.write(self.style.SUCCESS(f"Trained {summary['version']} into {out}."))
