from django.core.management.base import BaseCommand, CommandError

from insight_hub.organisations.models import ICS
from insight_hub.themes.emerging import themes_discover


class Command(BaseCommand):
    help = (
        "Find emerging themes now (the monthly task does it on the 1st): for each ICS, or one, group the "
        "sentences of the last six months that no theme covers well into candidate themes for its ICB leads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ics", help="the ICB's ODS code (default: every ICS)")

    def handle(self, *args, ics, **options):
        systems = ICS.objects.select_related("icb").order_by("pk")
        if ics:
            systems = systems.filter(icb__ods_code__iexact=ics)
            if not systems:
                raise CommandError(f"--ics: no ICS is led by an ICB with ODS code {ics!r}")
        for system in systems:
            found = themes_discover(ics=system)
            self.stdout.write(f"{system.name}: {len(found)} candidate themes")
            for candidate in found[:10]:
                self.stdout.write(
                    f"  {candidate.name} ({candidate.size} texts): {', '.join(candidate.phrases)}"
                )
