from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from insight_hub.organisations.demo import DEMO_PASSWORD, DEMO_PEOPLE

# Each app that has demo data adds its loader here, in dependency order. Loaders are deterministic (seeded)
# and idempotent, so running the command twice changes nothing.
DEMO_LOADERS = [
    "insight_hub.organisations.demo.demo_organisations_load",
    "feedback.demo.demo_feedback_load",
    "stories.demo.demo_stories_load",
    "insight_hub.themes.services.demo_tagging_queue",
    "charters.demo.demo_charters_load",
    "dashboards.demo.dashboards.demo_dashboards_load",
]


class Command(BaseCommand):
    help = "Load the demo ICS (Kent and Medway) with services, demo people for every role and sample data."

    def handle(self, *args, **options):
        for dotted in DEMO_LOADERS:
            summary = import_string(dotted)()
            self.stdout.write(f"{dotted.rsplit('.', 1)[-1]}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo ICS ready."))
        self.stdout.write(
            f"Sign in at http://127.0.0.1:8000/ with any of these (password for all: {DEMO_PASSWORD}):"
        )
        for person in DEMO_PEOPLE:
            self.stdout.write(f"  {person.role:<13} {person.email:<30} {person.job_title}")
