from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_read_original
from stories.imports import stories_import
from stories.models import CriticalityScale


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
        parser.add_argument(
            "--criticality-scale",
            choices=CriticalityScale.values,
            default=CriticalityScale.CARE_OPINION,
            help="how to read the criticality: care_opinion (0 not critical … 5 severely critical, the "
            "default) or signed (-5 most critical … +5 most praise; praise is kept apart from criticality)",
        )

    def handle(self, *args, path: Path, organisation: str, user: str, criticality_scale: str, **options):
        org = Organisation.objects.filter(ods_code=organisation.upper()).first()
        person = get_user_model().objects.filter(username=user).first()
        if org is None or person is None or not can_read_original(person, org):
            raise CommandError(f"{user} is not a patient experience lead of an organisation {organisation}")
        report = stories_import(
            organisation=org,
            user=person,
            name=path.name,
            content=path.read_bytes(),
            criticality_scale=criticality_scale,
        )
        if not report.ok:
            raise CommandError("Nothing was imported:\n" + "\n".join(map(str, report.errors)))
        self.stdout.write(self.style.SUCCESS(report.summary()))
