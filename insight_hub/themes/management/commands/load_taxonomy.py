from django.core.management.base import BaseCommand

from insight_hub.themes.services import taxonomy_load_default


class Command(BaseCommand):
    help = "Load the QDC framework v7 as the default theme taxonomy (idempotent)."

    def handle(self, *args, **options):
        taxonomy = taxonomy_load_default()
        self.stdout.write(self.style.SUCCESS(f"{taxonomy}: {taxonomy.themes.count()} themes."))
