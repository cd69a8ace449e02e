from django.core.management.base import BaseCommand

from dashboards import rollups


class Command(BaseCommand):
    help = "Recompute every dashboard roll-up from the source rows (the nightly task does the same)."

    def handle(self, *args, **options):
        result = rollups.rebuild_all()
        self.stdout.write(
            f"Rebuilt roll-ups in {result['seconds']:.1f} s: {result['theme']:,} theme rows, "
            f"{result['fft']:,} FFT rows, {result['fft_equality']:,} FFT equality rows, "
            f"{result['theme_equality']:,} theme equality rows."
        )
