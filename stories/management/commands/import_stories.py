from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from insight_hub.imports.mappingfile import MappingFileError, mapping_file_parse
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_read_original
from stories.importing import services as import_services
from stories.imports import stories_import
from stories.models import CriticalityScale, Purpose


class Command(BaseCommand):
    help = (
        "Import stories for one organisation. With --mapping (a mapping file downloaded from the import "
        "pages), a CSV or Excel file of any columns, as the import pages do: good rows imported and each bad "
        "one reported, or all or nothing, as the mapping's defaults say. Without it, a CSV file with the "
        "fixed columns of stories/imports.py or a Care Opinion export (JSON): all or nothing."
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
        parser.add_argument("--mapping", type=Path, help="a mapping file (JSON) saved from the import pages")
        parser.add_argument(
            "--consent",
            default="",
            help="with --mapping: the uses the source's terms allow, separated by commas "
            f"({', '.join(Purpose.values)}); none by default: never assumed from publication",
        )
        parser.add_argument("--consent-reason", default="", help="with --consent: why the terms allow them")

    def handle(self, *args, path: Path, organisation: str, user: str, criticality_scale: str, **options):
        org = Organisation.objects.filter(ods_code=organisation.upper()).first()
        person = get_user_model().objects.filter(username=user).first()
        if org is None or person is None or not can_read_original(person, org):
            raise CommandError(f"{user} is not a patient experience lead of an organisation {organisation}")
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        if options["mapping"]:
            return self._with_mapping(path, org, person, options)
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

    def _with_mapping(self, path: Path, org, person, options) -> None:
        try:
            mapping = mapping_file_parse(options["mapping"].read_bytes(), kind="stories")
        except (MappingFileError, OSError) as exc:
            raise CommandError(f"{options['mapping']}: {exc}") from None
        purposes = [p.strip() for p in options["consent"].split(",") if p.strip()]
        unknown = [p for p in purposes if p not in Purpose.values]
        if unknown:
            raise CommandError(f"--consent: {unknown[0]!r} is not one of {', '.join(Purpose.values)}")
        try:
            with path.open("rb") as stream:
                batch = import_services.story_import_upload(
                    user=person, organisation=org, uploaded_file=File(stream, name=path.name), mapping=mapping
                )
            import_services.story_import_settings_save(
                batch=batch,
                user=person,
                values=batch.values,
                defaults=batch.defaults,
                consent={purpose: purpose in purposes for purpose in Purpose.values},
                consent_reason=options["consent_reason"],
            )
            batch = import_services.story_import_run_here(batch=batch)
        except ValidationError as error:
            raise CommandError("Nothing was imported: " + " ".join(error.messages)) from None
        for error in batch.errors:
            self.stderr.write(error["message"])
        summary = (
            f"{batch.rows_imported} imported, {batch.rows_duplicate} already imported, "
            f"{batch.rows_failed} not imported (import {batch.uid})"
        )
        if batch.status != "done":
            raise CommandError(f"{batch.message} {summary}")
        self.stdout.write(self.style.SUCCESS(summary))
