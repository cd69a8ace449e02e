from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_read_original
from stories.imports import stories_import


class Command(BaseCommand):
    help = (
        "Import stories for one organisation from a CSV file or a Care Opinion export (JSON), as the import "
        "page does: all or nothing, stories already imported are skipped. Columns: see stories/imports.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--organisation", required=True, help="ODS code, e.g. RVV")
        parser.add_argument(
            "--user", required=True, help="Email of the importing px lead (consent is theirs)"
        )

    def handle(self, *args, path: Path, organisation: str, user: str, **options):
        org = Organisation.objects.filter(ods_code=organisation.upper()).first()
        person = get_user_model().objects.filter(username=user).first()
        if org is None or person is None or not can_read_original(person, org):
            raise CommandError(f"{user} is not a patient experience lead of an organisation {organisation}")
        report = stories_import(organisation=org, user=person, name=path.name, content=path.read_bytes())
        if not report.ok:
            raise CommandError("Nothing was imported:\n" + "\n".join(map(str, report.errors)))
        self.stdout.write(self.style.SUCCESS(report.summary()))
