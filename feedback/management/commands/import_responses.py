from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from feedback.importers import services
from feedback.importers.mapping import mapping_problems
from feedback.models import ImportBatch, ImportStatus
from insight_hub.imports.mappingfile import MappingFileError, mapping_file_parse
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_read_original


class Command(BaseCommand):
    help = (
        "Import a row-level file of responses (CSV or Excel) for one organisation with a mapping file, as "
        "the import pages do: good rows imported, each bad one reported. The mapping file is the one the "
        'pages download: {"kind": "responses", "version": 1, "columns": {...}, "values": {...}}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--organisation", required=True, help="ODS code, e.g. RVV")
        parser.add_argument("--user", required=True, help="Email of the importing px lead")
        parser.add_argument("--mapping", required=True, type=Path, help="the mapping file (JSON)")

    def handle(self, *args, path: Path, organisation: str, user: str, mapping: Path, **options):
        org = Organisation.objects.filter(ods_code=organisation.upper()).first()
        person = get_user_model().objects.filter(username=user).first()
        if org is None or person is None or not can_read_original(person, org):
            raise CommandError(f"{user} is not a patient experience lead of an organisation {organisation}")
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        try:
            saved = mapping_file_parse(mapping.read_bytes(), kind="responses")
        except (MappingFileError, OSError) as exc:
            raise CommandError(f"{mapping}: {exc}") from None
        problems = [f"columns: {p}" for p in mapping_problems(saved.columns)]
        if problems:
            raise CommandError(f"{mapping}: " + " ".join(problems))
        try:
            with path.open("rb") as stream:
                batch = services.import_upload(
                    user=person, organisation=org, uploaded_file=File(stream, name=path.name)
                )
            services.import_mapping_apply(batch=batch, saved=saved)
        except ValidationError as error:
            raise CommandError(f"Nothing was imported ({mapping}): " + " ".join(error.messages)) from None
        # Run here rather than on a worker: the command's caller waits for the outcome.
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
        services.import_batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
        for error in batch.errors[:50]:
            self.stderr.write(str(error.get("message", "")))
        summary = (
            f"{batch.rows_imported} imported, {batch.rows_duplicate} already imported or repeated, "
            f"{batch.rows_failed} not imported (import {batch.uid})"
        )
        if batch.status != ImportStatus.DONE:
            raise CommandError(f"{batch.message} {summary}")
        self.stdout.write(self.style.SUCCESS(summary))
