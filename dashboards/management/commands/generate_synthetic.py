from django.core.management.base import BaseCommand, CommandError

from dashboards import rollups
from dashboards.demo import synthetic


class Command(BaseCommand):
    help = (
        "Add seeded synthetic FFT responses (with tagged comments) and stories to the demo ICS, then rebuild "
        "the dashboard roll-ups. For benchmarks and for trying the dashboards at scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=10_000)
        parser.add_argument("--stories", type=int, default=500)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--no-rollups", action="store_true", help="Leave the roll-ups to the next pass.")

    def handle(self, *args, **options):
        for name in ("responses", "stories", "months"):
            if options[name] < 0 or (name == "months" and options[name] < 1):
                raise CommandError(f"--{name} must be {'at least 1' if name == 'months' else '0 or more'}")
        try:
            result = synthetic.generate(
                responses=options["responses"],
                stories=options["stories"],
                seed=options["seed"],
                months=options["months"],
                progress=lambda message: self.stdout.write(message) if options["verbosity"] > 1 else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Added {result.responses:,} responses, {result.comments:,} comments "
            f"({result.comment_tags:,} tags), "
            f"{result.stories:,} stories ({result.story_tags:,} tags) in {result.seconds:.1f} s."
        )
        if not options["no_rollups"]:
            built = rollups.rebuild_all()
            self.stdout.write(f"Roll-ups rebuilt in {built['seconds']:.1f} s.")
