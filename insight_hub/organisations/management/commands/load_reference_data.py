from django.core.management.base import BaseCommand

from insight_hub.organisations.services import reference_data_load


class Command(BaseCommand):
    help = "Load NHS reference data (ICBs before and after April 2026, open NHS trusts) from the ODS files."

    def handle(self, *args, **options):
        report = reference_data_load()
        if options["verbosity"] > 1:  # -v 2 lists every change
            for code in report.created:
                self.stdout.write(f"created {code}")
            for change in report.updated:
                self.stdout.write(f"updated {change}")
        self.stdout.write(self.style.SUCCESS(f"Reference data: {report.summary()}."))
