from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.ml.discovery_eval import evaluate_discovery


class Command(BaseCommand):
    help = (
        "Hide one theme: train the tagger without LABEL on --train, run emerging-theme discovery over the "
        "texts of --data, and print how well the best-matching candidate finds LABEL's texts again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, type=Path, help="labelled CSV to train on")
        parser.add_argument("--data", required=True, type=Path, help="labelled CSV whose texts are searched")
        parser.add_argument("--hide", required=True, help="the theme (QDC sub-category) to hide")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, train, data, hide, seed, **options):
        for name, path in (("--train", train), ("--data", data)):
            if not path.is_file():
                raise CommandError(f"{name}: no such file {path}")
        try:
            score = evaluate_discovery(train, data, hide, seed=seed)
        except LookupError as exc:
            raise CommandError(f"--hide: {exc}") from exc
        self.stdout.write(f"hidden theme {hide}: recall {score.recall:.2f} precision {score.precision:.2f}")
        best = score.best
        detail = f"{score.label_texts} texts carry it; {score.candidates} candidates"
        if best is not None:
            detail += f"; best: {best.name!r} ({best.size} texts, phrases {', '.join(best.phrases)})"
        self.stdout.write(f"  {detail}")
