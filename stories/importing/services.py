"""Writes of the story import flow: receive a file, keep its mapping, defaults and consent basis, and run it
in a Celery task (never in the web request: a 10,000-story file is received in well under two seconds, and
read later by a worker).

The run reads the file as a stream, a chunk of rows at a time. Each chunk is saved in bulk (one INSERT of its
stories, one of their services, one of their consent records), never through the one-story service per
row; redaction and tagging are then queued to the workers in chunks
(`stories.tasks.imported_stories_prepare`),
so several workers share them. "Good rows" imports every good row and reports each bad one; "all or nothing"
reads the whole file first and imports nothing if any row is bad. Re-running a file adds nothing twice: each
story keeps its source id, or the file's fingerprint and its row number (`Story.external_id`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from insight_hub.bulk import bulk_update_fields
from insight_hub.imports import tabular
from insight_hub.imports.mappingfile import MappingFile
from insight_hub.imports.problems import ImportFileError, problem
from insight_hub.imports.uploads import file_deleted_unless_kept, file_sha256, stored_name
from insight_hub.organisations.models import Organisation
from insight_hub.retry import TRANSIENT, send_on_commit

from ..models import ConsentEvent, FlagSource, ImportSource, SafetyConcern, Story
from .mapping import IGNORE, OnError, guess_scale, mapping_problems, suggest_columns, value_suggestions
from .models import StoryImport, StoryImportStatus
from .rows import StoryRecord, StoryRowParser

logger = logging.getLogger(__name__)

CHUNK_ROWS = 500
# Stories per redaction-and-tagging task: small enough that two workers share an import's work evenly.
PREPARE_CHUNK = 100
SAMPLE_ROWS = 1000
SOURCE = ImportSource.CSV


def first_values(path: Path, rows: int = SAMPLE_ROWS) -> tuple[list[str], dict[str, list[str]]]:
    """The header and the distinct values of each column in the first `rows` rows, in order of appearance."""
    with tabular.open_table(path) as table:
        distinct: dict[str, dict[str, None]] = {column: {} for column in table.header}
        for _, cells in itertools.islice(table.rows, rows):
            if isinstance(cells, tabular.Unreadable):
                continue
            for column, cell in zip(table.header, cells, strict=False):
                if cell.strip() and len(distinct[column]) < 200:
                    distinct[column][cell.strip()] = None
        return table.header, {column: list(values) for column, values in distinct.items()}


def story_import_upload(
    *, user, organisation: Organisation, uploaded_file: UploadedFile, mapping: MappingFile | None = None
) -> StoryImport:
    """Keep the file, read its header and first rows, and propose a mapping (the saved one when given)."""
    if uploaded_file.size is not None and uploaded_file.size > settings.MAX_IMPORT_FILE_BYTES:
        limit = settings.MAX_IMPORT_FILE_BYTES // (1024 * 1024)
        raise ValidationError(
            {"file": f"The file is too big: the largest file you can import is {limit} MB."}
        )
    name = stored_name(uploaded_file)
    batch = StoryImport(organisation=organisation, uploaded_by=user, original_name=name)
    batch.file.save(name, uploaded_file, save=False)
    path = Path(batch.file.path)
    with file_deleted_unless_kept(batch):
        if tabular.sniff_format(path) == "csv":
            tabular.check_lines(path)
        header, distinct = first_values(path)
        batch.content_sha256 = file_sha256(path)
        if mapping is None:
            batch.columns = suggest_columns(header, {c: v[:20] for c, v in distinct.items()})
            batch.defaults = {
                "occurred_on": timezone.localdate().strftime("%Y-%m"),
                "on_error": OnError.GOOD_ROWS,
                "criticality_scale": guess_scale(batch.columns, distinct),
            }
        else:
            missing = [column for column, field in mapping.columns.items() if field and column not in header]
            if missing:
                raise ImportFileError(
                    f"The saved mapping reads a column “{missing[0]}” that this file does not have "
                    f"(columns.{missing[0]})."
                )
            batch.columns = {column: mapping.columns.get(column, IGNORE) for column in header}
            batch.defaults = dict(mapping.defaults)
            batch.values = {field: dict(words) for field, words in mapping.values.items()}
            # What the file lacks can still be chosen on the next page; anything else wrong is named now.
            problems = [
                p
                for p in mapping_problems(batch.columns, batch.values, batch.defaults)
                if "does not say" not in p
            ]
            if problems:
                raise ImportFileError("The saved mapping cannot be used: " + " ".join(problems))
        scale = batch.defaults.get("criticality_scale", "")
        suggested = value_suggestions(batch.columns, distinct, scale or "care_opinion")
        for field, words in suggested.items():
            batch.values.setdefault(field, {})
            for word, hub_value in words.items():
                batch.values[field].setdefault(word, hub_value)
        batch.full_clean()
        batch.save()
    return batch


def _check_open(batch: StoryImport) -> None:
    if batch.status != StoryImportStatus.MAPPING:
        raise ValidationError("This import has already started; its mapping can no longer be changed.")


def story_import_columns_save(*, batch: StoryImport, columns: dict[str, str]) -> StoryImport:
    _check_open(batch)
    unknown = sorted(set(columns) - set(batch.columns))
    if unknown:
        raise ValidationError(f"columns.{unknown[0]}: the file has no column called “{unknown[0]}”.")
    problems = mapping_problems(columns, {}, {"teller": "patient", "source_channel": "other"})
    if problems:
        raise ValidationError(problems)
    batch.columns = columns
    # Values seen in the newly chosen columns get a first guess too.
    _, distinct = first_values(Path(batch.file.path))
    scale = batch.defaults.get("criticality_scale") or "care_opinion"
    for field, words in value_suggestions(columns, distinct, scale).items():
        for word, hub_value in words.items():
            batch.values.setdefault(field, {}).setdefault(word, hub_value)
    batch.save(update_fields=["columns", "values"])
    return batch


def story_import_settings_save(
    *,
    batch: StoryImport,
    user,
    values: dict[str, dict[str, str]],
    defaults: dict[str, str],
    consent: dict[str, bool],
    consent_reason: str,
) -> StoryImport:
    """Keep the value mapping, the defaults, and the consent basis the person declares (who, when, why)."""
    _check_open(batch)
    problems = mapping_problems(batch.columns, values, defaults)
    consent_reason = consent_reason.strip()
    if any(consent.values()) and not consent_reason:
        problems.append("consent_reason: say why the source's terms allow the uses you ticked.")
    if (consent.get("board_quote") or consent.get("publication")) and not consent.get("internal_learning"):
        problems.append("consent: a story quoted or published must also have consent for internal learning.")
    if problems:
        raise ValidationError(problems)
    batch.values, batch.defaults = values, defaults
    for purpose in ("internal_learning", "board_quote", "publication"):
        setattr(batch, f"consent_{purpose}", bool(consent.get(purpose)))
    batch.consent_reason = consent_reason
    batch.consent_declared_by, batch.consent_declared_at = user, timezone.now()
    batch.save()
    return batch


def story_import_start(*, batch: StoryImport) -> bool:
    """Queue the import once (compare-and-set on its status, so a double click queues it once)."""
    from ..tasks import story_import_run

    problems = mapping_problems(batch.columns, batch.values, batch.defaults)
    if problems or batch.consent_declared_at is None:
        raise ValidationError(
            "Finish the mapping first: " + " ".join(problems or ["declare the consent basis."])
        )
    return batch.queue_once(story_import_run, waiting=StoryImportStatus.MAPPING)


def story_import_run_here(*, batch: StoryImport) -> StoryImport:
    """Run a ready import in this process (the command line's way): the rows are read here, and their
    redaction and tagging queued to the workers as from the page."""
    story_import_settings_check(batch)
    StoryImport.objects.filter(pk=batch.pk, status=StoryImportStatus.MAPPING).update(
        status=StoryImportStatus.QUEUED
    )
    story_import_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def story_import_settings_check(batch: StoryImport) -> None:
    problems = mapping_problems(batch.columns, batch.values, batch.defaults)
    if problems or batch.consent_declared_at is None:
        raise ValidationError(
            "Finish the mapping first: " + " ".join(problems or ["declare the consent basis."])
        )


def mapping_file_for(batch: StoryImport) -> MappingFile:
    """The import's mapping as a file to save and use again (`manage.py import_stories --mapping`)."""
    return MappingFile(
        kind="stories",
        columns=dict(batch.columns),
        values={field: dict(words) for field, words in batch.values.items()},
        defaults={key: value for key, value in batch.defaults.items() if key != "occurred_on" or value},
    )


# The run ----------------------------------------------------------------------------------------------


def parser_for(batch: StoryImport, table: tabular.Table) -> StoryRowParser:
    services = {" ".join(s.name.casefold().split()): s.pk for s in batch.organisation.services.all()}
    return StoryRowParser(
        table.header,
        batch.columns,
        batch.values,
        batch.defaults,
        services=services,
        fingerprint=batch.content_sha256,
        today=timezone.localdate(),
        lossy=table.lossy,
    )


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def story_import_run(*, batch_id: int) -> None:
    """The Celery task's body. A redelivered task runs the import again from the top, which is safe: the
    stories already saved are recognised by their ids and counted as already imported."""
    if not StoryImport.claim(batch_id):
        logger.info("story import %s is not queued; nothing to do", batch_id)
        return
    batch = StoryImport.objects.select_related("organisation", "uploaded_by").get(pk=batch_id)
    path = Path(batch.file.path)
    batch.rows_total = tabular.estimate_rows(path)
    batch.start_counting()
    try:
        if batch.defaults.get("on_error") == OnError.ALL_OR_NOTHING and not _all_good(batch, path):
            batch.finish(
                StoryImportStatus.FAILED,
                "Nothing was imported: correct the rows listed and import again.",
            )
            return
        _write_all(batch, path)
    except ImportFileError as exc:
        batch.finish(StoryImportStatus.FAILED, str(exc))
        return
    except TRANSIENT:
        raise
    except Exception:
        logger.exception("story import %s stopped", batch_id)
        batch.finish(
            StoryImportStatus.FAILED,
            "The import stopped on an unexpected error; importing the "
            "file again adds only the stories not yet imported.",
        )
        raise
    batch.finish(StoryImportStatus.DONE)


def _all_good(batch: StoryImport, path: Path) -> bool:
    """All or nothing: read every row first; any bad row stops the import before anything is written."""
    with tabular.open_table(path) as table:
        parse = parser_for(batch, table)
        for number, cells in table.rows:
            parsed = parse(number, cells)
            if isinstance(parsed, list):
                batch.rows_failed += 1
                batch.report(parsed)
    batch.rows_done = 0
    return batch.rows_failed == 0


def _write_all(batch: StoryImport, path: Path) -> None:
    seen: dict[str, int] = {}
    with tabular.open_table(path) as table:
        parse = parser_for(batch, table)
        for chunk in _chunks(table.rows, CHUNK_ROWS):
            good: list[StoryRecord] = []
            for number, cells in chunk:
                parsed = parse(number, cells)
                if isinstance(parsed, list):
                    batch.rows_failed += 1
                    batch.report(parsed)
                elif parsed.external_id in seen:
                    batch.rows_duplicate += 1
                    first = seen[parsed.external_id]
                    message = (
                        f"Row {number} repeats row {first} (same story id “{parsed.external_id}”): "
                        "imported once."
                    )
                    batch.report(
                        [problem(number, _column_of(batch, "external_id"), parsed.external_id, message)],
                    )
                else:
                    seen[parsed.external_id] = number
                    good.append(parsed)
            _write_chunk(batch, good)
            batch.rows_done += len(chunk)
            batch.save_progress()
    batch.rows_total = batch.rows_done


def _column_of(batch: StoryImport, field: str) -> str:
    return next((column for column, name in batch.columns.items() if name == field), "")


def _consent_for(batch: StoryImport, record: StoryRecord) -> dict[str, bool]:
    """A file's own consent columns say it per story; otherwise the basis declared for the import."""
    if record.consent is not None:
        return record.consent
    return {
        "internal_learning": batch.consent_internal_learning,
        "board_quote": batch.consent_board_quote,
        "publication": batch.consent_publication,
    }


def _write_chunk(batch: StoryImport, records: list[StoryRecord]) -> None:
    if not records:
        return
    with transaction.atomic():
        known = set(
            Story.objects.filter(
                organisation_id=batch.organisation_id,
                import_source=SOURCE,
                external_id__in=[r.external_id for r in records],
            ).values_list("external_id", flat=True)
        )
        new = [r for r in records if r.external_id not in known]
        for record in records:
            if record.external_id in known:
                batch.rows_duplicate += 1
                batch.report(
                    [
                        problem(
                            record.row,
                            "",
                            record.external_id,
                            f"Row {record.row} was already imported (story id “{record.external_id}”).",
                        )
                    ],
                )
        declared_at = batch.consent_declared_at or timezone.now()
        stories = []
        for record in new:
            consent = _consent_for(batch, record)
            given = any(consent.values())
            stories.append(
                Story(
                    organisation_id=batch.organisation_id,
                    import_source=SOURCE,
                    external_id=record.external_id,
                    import_batch=batch,
                    logged_by=batch.uploaded_by,
                    text_changed_at=None,  # set once redacted: the tagging sweep waits for it
                    consent_internal_learning=consent["internal_learning"],
                    consent_board_quote=consent["board_quote"],
                    consent_publication=consent["publication"],
                    consent_recorded_by=batch.consent_declared_by if given else None,
                    consent_recorded_at=declared_at if given else None,
                    **record.fields,
                )
            )
        Story.objects.bulk_create(stories, batch_size=CHUNK_ROWS)
        links = [
            Story.services.through(story_id=story.pk, service_id=service_id)
            for story, record in zip(stories, new, strict=True)
            for service_id in record.service_ids
        ]
        Story.services.through.objects.bulk_create(links, batch_size=1000)
        note = _consent_note(batch)
        ConsentEvent.objects.bulk_create(
            [
                ConsentEvent(
                    story=story,
                    action=ConsentEvent.Action.RECORDED,
                    internal_learning=story.consent_internal_learning,
                    board_quote=story.consent_board_quote,
                    publication=story.consent_publication,
                    note=note
                    if record.consent is None
                    else f"From the file's consent columns ({batch.original_name})",
                    by=batch.consent_declared_by,
                )
                for story, record in zip(stories, new, strict=True)
                if story.consent_recorded_at
            ],
            batch_size=1000,
        )
        batch.rows_imported += len(stories)
        ids = [story.pk for story in stories]
        send_on_commit(lambda: _queue_prepare(ids))


def _consent_note(batch: StoryImport) -> str:
    return f"Declared for the import of {batch.original_name}: {batch.consent_reason}"


def _queue_prepare(ids: list[int]) -> None:
    from ..tasks import imported_stories_prepare

    for start in range(0, len(ids), PREPARE_CHUNK):
        try:
            imported_stories_prepare.delay(ids[start : start + PREPARE_CHUNK])
        except Exception as exc:  # noqa: BLE001 - kombu raises several types for an unreachable broker
            # The redaction sweep (stories.tasks.refresh_redactions) redacts what was not queued.
            logger.warning(
                "could not queue redaction of %d imported stories (%s)", len(ids), exc.__class__.__name__
            )
            return


def imported_stories_prepare(*, ids: list[int]) -> int:
    """Redact a chunk of imported stories, mark them as new text, and queue their tagging; stories rated
    strongly or severely critical at source become safety concerns at once. Safe to run twice."""
    from insight_hub.themes import services as theme_services

    from .. import services

    stories = list(Story.objects.filter(pk__in=ids).exclude(redaction_version=services.REDACTION_VERSION))
    for story in stories:
        services.story_redact(story)
        theme_services.tagging_reset(story)
    bulk_update_fields(
        Story,
        stories,
        [
            "redacted_title",
            "title_spans",
            "redacted_narrative",
            "narrative_spans",
            "redaction_version",
            "redaction_pending",
            "redaction_pending_version",
            "tag_status",
            "text_changed_at",
        ],
    )
    theme_services.tagging_queue(label=services.TAG_LABEL, ids=[story.pk for story in stories])
    # Only this chunk's own: each worker flags its share (the periodic routing catches anything missed).
    for story in stories:
        if story.criticality_high and not story.safety_concern:
            with transaction.atomic():
                locked = (
                    Story.objects.select_for_update(of=("self",))
                    .select_related("organisation")
                    .get(pk=story.pk)
                )
                if not locked.safety_concern:
                    services.story_flag(
                        story=locked, user=None, concern=SafetyConcern.SAFETY, source=FlagSource.CRITICALITY
                    )
    return len(stories)
