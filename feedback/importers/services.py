"""Writes for imports: receiving a file, choosing its mapping, and running it (from a Celery task).

Row-level strategy: good rows are imported and each bad row is reported (row, column, value, message), rather
than one bad row refusing the whole file: a 50,000-row vendor export with three typos should not wait for a
person to fix them before the rest can be read. The file is read as a stream and written a chunk at a time,
each chunk in one transaction (a response is never saved without its comments); the batch's counts are
updated after every chunk so the progress bar moves. Running the same file again, or a redelivered task,
adds nothing twice: every response carries a unique dedupe key. That key is explicit, never the row's content
(two people answering alike in the same minute are two responses): the file's row id column when it has one,
otherwise the sha256 of the file's bytes and the row's number.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from feedback.models import Comment, FFTPublishedFigure, ImportBatch, ImportKind, ImportStatus
from insight_hub.imports import tabular
from insight_hub.imports.mappingfile import MappingFile
from insight_hub.imports.problems import ImportFileError, Problem, problem
from insight_hub.imports.progress import MAX_REPORTED_PROBLEMS
from insight_hub.imports.uploads import file_deleted_unless_kept, file_sha256, stored_name
from insight_hub.organisations.models import Organisation, Service
from insight_hub.organisations.services import service_create
from insight_hub.retry import TRANSIENT
from insight_hub.themes.services import tagging_queue

from . import forked, nhse
from .locations import automatic_keys, location_choice_problems, location_key
from .mapping import (
    mapping_problems,
    suggest_mapping,
    suggest_old_question,
    value_problems,
    without_numeric_text,
)
from .rows import (
    ParsedChunk,
    ParsedResponse,
    RowParser,
    file_fingerprint,
    normalise_name,
    parsed_chunks,
)
from .selectors import lookups_for, services_for_mapping

logger = logging.getLogger(__name__)

# Small enough that parsing the first chunk and writing the last, which nothing overlaps, stay short. A file
# of more than one chunk is parsed by a process of its own on PostgreSQL (see `forked`).
CHUNK_ROWS = 20_000
COMMENT_LABEL = Comment._meta.label_lower


def _refuse_too_big(uploaded_file: UploadedFile) -> None:
    limit = settings.MAX_IMPORT_FILE_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError(
            {
                "file": f"The file is {_megabytes(uploaded_file.size)}: the largest file you can import is "
                f"{_megabytes(limit)}. Split it into smaller files."
            }
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _batch_with_file(
    *, user, organisation: Organisation, kind: str, uploaded_file: UploadedFile
) -> ImportBatch:
    """Keep the upload (refused unread when too big) and check it is a CSV or XLSX file by its content."""
    _refuse_too_big(uploaded_file)
    name = stored_name(uploaded_file)
    batch = ImportBatch(organisation=organisation, kind=kind, uploaded_by=user, original_name=name)
    batch.file.save(name, uploaded_file, save=False)
    with file_deleted_unless_kept(batch):
        path = Path(batch.file.path)
        batch.content_sha256 = file_sha256(path)
        # Checked before anything unpacks or parses it (an XLSX file's unpacked sizes, a CSV file's lines).
        file_format = tabular.sniff_format(path)
        if kind == ImportKind.NHSE_FFT and file_format != "xlsx":
            raise ImportFileError("NHS England's FFT publication is an Excel workbook (.xlsx or .xlsm).")
        if file_format == "csv":
            tabular.check_lines(path)
    return batch


# Rows read at upload to guess the answers' wording (the current FFT question's or the 2013–2020 one's).
SAMPLE_ROWS = 50


def _first_values(table: tabular.Table, rows: int) -> dict[str, list[str]]:
    samples: dict[str, list[str]] = {column: [] for column in table.header}
    for _, cells in itertools.islice(table.rows, rows):
        if isinstance(cells, tabular.Unreadable):
            continue
        for column, cell in zip(table.header, cells, strict=False):
            if cell.strip():
                samples[column].append(cell.strip())
    return samples


def import_upload(*, user, organisation: Organisation, uploaded_file: UploadedFile) -> ImportBatch:
    """Receive a row-level file and guess its column mapping; the person confirms it next."""
    batch = _batch_with_file(
        user=user, organisation=organisation, kind=ImportKind.ROWS, uploaded_file=uploaded_file
    )
    with file_deleted_unless_kept(batch):
        with tabular.open_table(Path(batch.file.path)) as table:
            samples = _first_values(table, SAMPLE_ROWS)
            batch.column_mapping = without_numeric_text(
                suggest_old_question(suggest_mapping(table.header), samples), samples
            )
        batch.full_clean()
        batch.save()
    return batch


def import_mapping_save(*, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError("This import has already started; its columns can no longer be changed.")
    unknown = set(mapping) - set(batch.column_mapping)
    if unknown:
        raise ValidationError(f"The file has no column called {', '.join(sorted(unknown))}.")
    problems = mapping_problems(mapping)
    if problems:
        raise ValidationError(problems)
    batch.column_mapping = mapping
    batch.save(update_fields=["column_mapping"])
    return batch


def mapping_file_for(batch: ImportBatch) -> MappingFile:
    """The import's mapping as a file to save and use again (`manage.py import_responses --mapping`): its
    columns, its values, and the location step's choices by service name (ids mean nothing elsewhere)."""
    names = dict(services_for_mapping(batch))
    locations = {}
    for value, choice in (batch.location_mapping or {}).items():
        if "new" in choice:
            locations[value] = choice["new"]
        elif choice.get("service") in names:
            locations[value] = names[choice["service"]]
        elif not choice:
            locations[value] = ""
    return MappingFile(
        kind="responses",
        columns=dict(batch.column_mapping),
        values=dict(batch.value_mapping or {}),
        locations=locations,
    )


def import_mapping_apply(*, batch: ImportBatch, saved: MappingFile) -> ImportBatch:
    """Use a saved mapping for a new file: its columns (by heading), its values, and its location choices.
    A location saved as mapped to a service the organisation has (by name, case and punctuation ignored)
    maps to it again, and one saved as left unmapped stays so; a saved name that is not a service (yet)
    is left for the person to choose on the location step, so no service is ever added from a file."""
    missing = [
        column for column, name in saved.columns.items() if name and column not in batch.column_mapping
    ]
    if missing:
        raise ValidationError(f"columns.{missing[0]}: the file has no column called “{missing[0]}”.")
    import_mapping_save(
        batch=batch, mapping={column: saved.columns.get(column, "") for column in batch.column_mapping}
    )
    if saved.locations:
        # A name two services share once punctuation is ignored maps to neither: the person chooses.
        by_key = automatic_keys(services_for_mapping(batch))
        choices = {}
        for value, name in saved.locations.items():
            if not name.strip():
                choices[value] = {}
            elif (service_id := by_key.get(location_key(name))) is not None:
                choices[value] = {"service": service_id}
        import_locations_save(batch=batch, choices=choices)
    return import_values_save(batch=batch, values=saved.values)


def answer_guess(field_name: str, word: str) -> str:
    """The answer number a file's word most likely is on its question's scale, or "" (none)."""
    from .rows import _parse_fft, _parse_recommend

    parsed = _parse_recommend(word) if field_name == "fft_recommend" else _parse_fft(word)
    return str(parsed) if isinstance(parsed, int) else ""


def import_values_save(*, batch: ImportBatch, values: dict[str, dict[str, str]]) -> ImportBatch:
    """Keep the value mapping: the file's answer words read as the hub's numbers (see `value_problems`)."""
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError("This import has already started; its values can no longer be changed.")
    problems = value_problems(values)
    if problems:
        raise ValidationError(problems)
    batch.value_mapping = values
    batch.save(update_fields=["value_mapping"])
    return batch


def import_locations_save(*, batch: ImportBatch, choices: dict[str, dict]) -> ImportBatch:
    """Keep what the person chose for each location that names no service (`ImportBatch.location_mapping`).
    Nothing is created yet: a new service is added when the import is confirmed (`import_start`)."""
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError("This import has already started; its locations can no longer be changed.")
    existing = dict(services_for_mapping(batch))
    problems = location_choice_problems(
        choices, service_ids=set(existing), service_names=set(existing.values())
    )
    if problems:
        raise ValidationError(problems)
    batch.location_mapping = {
        value: {"new": " ".join(choice["new"].split()), "fft_setting": choice["fft_setting"]}
        if "new" in choice
        else choice
        for value, choice in choices.items()
    }
    batch.save(update_fields=["location_mapping"])
    return batch


def _new_services_create(batch: ImportBatch) -> list[Service]:
    """Add the services the location step asked for to the importing organisation and point the mapping
    at them. Two locations given one name share one service; a service of that name added since the step
    is used, not added twice. Called inside the transaction that queues the import."""
    existing = {
        location_key(service.name): service
        for service in Service.objects.filter(organisation=batch.organisation)
    }
    created: list[Service] = []
    mapping = dict(batch.location_mapping)
    for value, choice in mapping.items():
        if "new" not in choice:
            continue
        key = location_key(choice["new"])
        service = existing.get(key)
        if service is None:
            service = existing[key] = service_create(
                organisation=batch.organisation, name=choice["new"], fft_setting=choice["fft_setting"]
            )
            created.append(service)
        mapping[value] = {"service": service.pk, "created": service in created}
    if created or mapping != batch.location_mapping:
        batch.location_mapping = mapping
        batch.save(update_fields=["location_mapping"])
    return created


def import_start(*, batch: ImportBatch) -> bool:
    """Queue the import once (compare-and-set on the status, so a double click queues it once), adding the
    services the location step asked for in the same transaction: the import is queued with all of them,
    or (a name that cannot be used) none is added and the import waits in its preview."""
    from feedback.tasks import import_run

    if batch.kind == ImportKind.ROWS and mapping_problems(batch.column_mapping):
        raise ValidationError("Choose the columns to import first.")
    try:
        with transaction.atomic():
            queued = batch.queue_once(import_run, waiting=ImportStatus.PREVIEW)
            if queued and batch.kind == ImportKind.ROWS:
                _new_services_create(batch)
    except ValidationError:
        batch.refresh_from_db()
        raise
    return queued


def nhse_upload(
    *, user, icb: Organisation, uploaded_file: UploadedFile, period: date | None = None, setting: str = ""
) -> ImportBatch:
    """Receive NHS England's monthly FFT workbook and queue its import. `period` and `setting` are used only
    where the workbook does not say them itself (and checked against it where it does)."""
    batch = _batch_with_file(
        user=user, organisation=icb, kind=ImportKind.NHSE_FFT, uploaded_file=uploaded_file
    )
    # For a workbook, the mapping step's place holds what the person said about it.
    batch.column_mapping = {"period": period.isoformat() if period else "", "setting": setting}
    with file_deleted_unless_kept(batch):
        batch.full_clean()
        batch.save()
    import_start(batch=batch)
    return batch


def import_batch_run(*, batch_id: int) -> None:
    """Run a queued import (the Celery task's body). A redelivered task finds the batch running and runs it
    again from the top, which is safe: rows already written are recognised by their dedupe keys."""
    if not ImportBatch.claim(batch_id):
        logger.info("import batch %s is not queued (gone, or already finished); nothing to do", batch_id)
        return
    batch = ImportBatch.objects.select_related("organisation").get(pk=batch_id)
    try:
        if batch.kind == ImportKind.NHSE_FFT:
            _run_nhse(batch)
        else:
            _run_rows(batch)
    except ImportFileError as exc:
        batch.finish(ImportStatus.FAILED, str(exc))
    except TRANSIENT:
        raise  # the task retries; the batch stays "running" and the retry resumes it
    except Exception:
        logger.exception("import batch %s stopped", batch_id)
        batch.finish(
            ImportStatus.FAILED,
            "The import stopped on an unexpected error. Rows imported before it "
            "are complete; importing the file again will add only the rest.",
        )
        raise


class _Report:
    """Counts every problem row; keeps the first MAX_REPORTED_PROBLEMS problems for the report."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        batch.errors = []
        batch.rows_done = batch.rows_imported = batch.rows_duplicate = batch.rows_failed = 0

    def add(self, problems: Iterable[Problem]) -> None:
        room = MAX_REPORTED_PROBLEMS - len(self.batch.errors)
        self.batch.errors += [p.as_dict() for p in itertools.islice(problems, max(room, 0))]


def _run_rows(batch: ImportBatch) -> None:
    path = Path(batch.file.path)
    batch.rows_total = tabular.estimate_rows(path)
    report = _Report(batch)
    if not batch.content_sha256:  # uploaded before fingerprints were kept
        batch.content_sha256 = file_fingerprint(path)
        ImportBatch.objects.filter(pk=batch.pk).update(content_sha256=batch.content_sha256)
    lookups = lookups_for(batch.organisation)

    def make_parser(table: tabular.Table) -> RowParser:
        return RowParser(
            table.header,
            batch.column_mapping,
            lookups,
            fingerprint=batch.content_sha256,
            values=batch.value_mapping,
            locations=batch.location_mapping,
            lossy=table.lossy,
        )

    if forked.available() and batch.rows_total > CHUNK_ROWS:
        # Parsed, checked and encoded by a process of its own while PostgreSQL writes the chunk before.
        chunks = forked.parsed_elsewhere(
            path,
            make_parser,
            organisation_id=batch.organisation_id,
            batch_id=batch.pk,
            chunk_rows=CHUNK_ROWS,
            room=MAX_REPORTED_PROBLEMS,
        )
    else:
        chunks = _parsed_here(path, make_parser)
    with chunks as parsed:
        for chunk in parsed:
            batch.rows_failed += chunk.failed
            batch.rows_duplicate += chunk.repeated
            report.add(chunk.problems)
            if chunk.encoded is None:
                result = _insert_chunk(batch.organisation_id, batch.pk, chunk.good)
            else:
                result = _write_encoded(batch.pk, chunk.encoded)
            _counted(batch, report, result, rows=chunk.rows)
    batch.rows_total = batch.rows_done
    batch.finish(ImportStatus.DONE)


@contextmanager
def _parsed_here(path: Path, make_parser) -> Iterator[Iterator[ParsedChunk]]:
    with tabular.open_table(path) as table:
        yield parsed_chunks(table.rows, make_parser(table), CHUNK_ROWS)


def _counted(batch: ImportBatch, report: _Report, result, *, rows: int) -> None:
    """Add a written chunk to the batch's counts and report, and save the counts: the progress bar moves."""
    batch.rows_imported += result.imported
    batch.rows_duplicate += len(result.already_imported)
    message = "Row {} was already imported (the same response is in an earlier import)."
    report.add(problem(row, "", "", message.format(row)) for row, _ in result.already_imported)
    batch.rows_done += rows
    batch.rows_total = max(batch.rows_total, batch.rows_done)
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows_total=batch.rows_total,
        rows_done=batch.rows_done,
        rows_imported=batch.rows_imported,
        rows_duplicate=batch.rows_duplicate,
        rows_failed=batch.rows_failed,
    )


def _insert_chunk(organisation_id: int, batch_id: int, good: list[ParsedResponse]):
    from .writers import responses_insert

    with transaction.atomic():
        result = responses_insert(organisation_id=organisation_id, batch_id=batch_id, records=good)
        # Queued only once this chunk commits, so a worker never looks for a comment that is not there yet.
        if result.comment_ids:
            tagging_queue(label=COMMENT_LABEL, ids=result.comment_ids)
    return result


def _write_encoded(batch_id: int, encoded):
    from .writers import copy_encoded

    with transaction.atomic():
        result = copy_encoded(batch_id, encoded)
        if result.comment_ids:
            tagging_queue(label=COMMENT_LABEL, ids=result.comment_ids)
    return result


def _run_nhse(batch: ImportBatch) -> None:
    """Replace the figures of the workbook's month and setting for the organisations it names, at once."""
    workbook = nhse.parse_workbook(Path(batch.file.path), file_name=batch.original_name)
    period, setting = _nhse_period_and_setting(batch, workbook)
    report = _Report(batch)
    batch.rows_total = len(workbook.rows) + len({p.row for p in workbook.problems})
    report.add(workbook.problems)
    codes = {row.code for row in workbook.rows}
    organisations = {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=codes)}
    wards = _ward_services(organisations.values())
    figures, unknown = [], {}
    for row in workbook.rows:
        organisation = organisations.get(row.code)
        if organisation is None:
            unknown.setdefault(row.code, []).append(row)
            continue
        figures.append(
            FFTPublishedFigure(
                organisation=organisation,
                setting=setting,
                touchpoint=row.touchpoint,
                level=row.level,
                period=period,
                site_code=row.site_code,
                ward_name=row.ward_name,
                service_id=wards.get((organisation.pk, normalise_name(row.ward_name)))
                if row.ward_name
                else None,
                import_batch=batch,
                **row.counts,
            )
        )
    for code, rows in unknown.items():
        report.add(
            [
                problem(
                    rows[0].row,
                    rows[0].sheet,
                    code,
                    f"ODS code {code} ({len(rows)} row(s), first on "
                    f"sheet “{rows[0].sheet}” row {rows[0].row}) is not an organisation in the hub; "
                    "its figures were not imported.",
                )
            ]
        )
    with transaction.atomic():
        FFTPublishedFigure.objects.filter(
            period=period, setting=setting, organisation__in=list(organisations.values())
        ).delete()
        FFTPublishedFigure.objects.bulk_create(figures, batch_size=1000)
    batch.rows_done = batch.rows_total
    batch.rows_imported = len(figures)
    batch.rows_failed = batch.rows_total - len(figures)
    batch.finish(ImportStatus.DONE)


def _nhse_period_and_setting(batch: ImportBatch, workbook: nhse.PublishedWorkbook) -> tuple[date, str]:
    chosen_period = batch.column_mapping.get("period") or ""
    chosen_setting = batch.column_mapping.get("setting") or ""
    period = workbook.period or (date.fromisoformat(chosen_period) if chosen_period else None)
    setting = workbook.setting or chosen_setting
    if chosen_period and workbook.period and date.fromisoformat(chosen_period) != workbook.period:
        raise ImportFileError(
            f"The workbook is for {workbook.period:%B %Y}, not {date.fromisoformat(chosen_period):%B %Y} "
            "as chosen: check you uploaded the right month."
        )
    if chosen_setting and workbook.setting and chosen_setting != workbook.setting:
        raise ImportFileError(
            f"The workbook is the {workbook.setting} publication, not {chosen_setting} as chosen."
        )
    if period is None:
        raise ImportFileError(
            "The workbook does not say which month it is for: choose the month and upload it again."
        )
    if not setting:
        raise ImportFileError(
            "The workbook does not say its setting (inpatient, A&E, maternity…): choose it and "
            "upload it again."
        )
    return period, setting


def _ward_services(organisations: Iterable[Organisation]) -> dict[tuple[int, str], int]:
    services = Service.objects.filter(organisation__in=list(organisations))
    return {(service.organisation_id, normalise_name(service.name)): service.pk for service in services}
