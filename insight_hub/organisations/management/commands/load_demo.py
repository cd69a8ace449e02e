from django.core.management.base import BaseCommand

from insight_hub.organisations.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_organisations_load


class Command(BaseCommand):
    help = "Load the demo ICS (Kent and Medway) with services, demo people for every role and sample data."

    def handle(self, *args, **options):
        ics = demo_organisations_load()
        self.stdout.write(self.style.SUCCESS(f"Demo ICS ready: {ics.name}."))
        self.stdout.write(
            f"Sign in at http://127.0.0.1:8000/ with any of these (password for all: {DEMO_PASSWORD}):"
        )
        for person in DEMO_PEOPLE:
            self.stdout.write(f"  {person.role:<13} {person.email:<30} {person.job_title}")
