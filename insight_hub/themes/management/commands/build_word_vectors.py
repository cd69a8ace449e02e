import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml.discovery import content_words
from insight_hub.themes.ml.word_vectors import DEFAULT_PATH, build, corpus_words


def _texts(path: Path) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if "text" not in (reader.fieldnames or []):
                columns = ", ".join(reader.fieldnames or [])
                raise CommandError(f"{path}: no 'text' column (columns: {columns})")
            return [row["text"] or "" for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"{path} is not a UTF-8 CSV file ({exc})") from exc


class Command(BaseCommand):
    help = (
        "Learn the word vectors emerging-theme discovery reads word meaning from, from the 'text' column of "
        "one or more CSV files (no labels are read), and write them into the repo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            required=True,
            nargs="+",
            type=Path,
            help="CSV files with a 'text' column, e.g. px_feedback_train.csv care_opinion_stories_dev.csv",
        )
        parser.add_argument("--out", type=Path, default=DEFAULT_PATH)

    def handle(self, *args, data, out, **options):
        texts = []
        for path in data:
            if not path.is_file():
                raise CommandError(f"--data: no such file {path}")
            texts += _texts(path)
        try:
            vectors = build(corpus_words(text, content_words) for text in texts)
        except ValueError as exc:
            raise CommandError(f"--data: {exc}") from exc
        vectors.save(out)
        self.stdout.write(
            self.style.SUCCESS(f"{len(vectors.words)} word vectors from {len(texts)} texts into {out}.")
        )
