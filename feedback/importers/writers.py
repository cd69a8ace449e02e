"""Writing a chunk of parsed responses and their comments: PostgreSQL COPY, or the ORM on SQLite.

A chunk is written in one transaction, so a crash never leaves a response without its comments. Responses
already in the database (same `dedupe_key`) are skipped, not failed: that is what makes re-importing a file
add nothing. On PostgreSQL, existing keys are looked up in one query, ids for the new rows are reserved
from the sequences in one query each, and both tables are filled with COPY (about ten times faster than
INSERT). The unique index still has the last word: if a concurrent import of the same rows commits between
the look-up and the COPY, the COPY fails and the chunk is tried again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from feedback.models import Comment, Response, ResponseSource

from .rows import ParsedResponse

# SQLite's limit on variables in one statement is 32766 (older builds: 999); stay well under either.
SQLITE_BATCH = 900

# Attempts at a chunk when a concurrent import of the same rows commits between our check and our COPY.
RACE_ATTEMPTS = 3
# Columns each COPY fills per row, in write order; the others take the model's defaults.
RESPONSE_COLUMNS = (
    "id",
    "organisation_id",
    "service_id",
    "source",
    "dedupe_key",
    "import_batch_id",
    "responded_at",
    "fft_score",
    "fft_recommend",
    "location_detail",
    "ethnic_category",
    "age_band",
    "sex",
    "disability",
)
# text_changed_at is what tagging_reset() sets: the sweep finds the comment if the queue loses it.
COMMENT_COLUMNS = (
    "id",
    "response_id",
    "organisation_id",
    "service_id",
    "question_type",
    "text",
    "responded_at",
    "text_changed_at",
)


@dataclass
class ChunkResult:
    imported: int = 0
    # Rows whose response an earlier import already holds: (row number, that import's batch id).
    already_imported: list[tuple[int, int | None]] = field(default_factory=list)
    comment_ids: list[int] = field(default_factory=list)


def responses_insert(*, organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> ChunkResult:
    """Insert what is new among `records` (unique by dedupe key within the list), in one transaction.
    Rows this same batch already wrote (a task redelivered after a crash) count as imported."""
    if not records:
        return ChunkResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _insert_postgres(organisation_id, batch_id, records)
        return _insert_orm(organisation_id, batch_id, records)


def _copy_columns(model: type[models.Model], given: tuple[str, ...]) -> tuple[list[str], tuple]:
    """Columns to COPY into `model`'s table: `given` (filled per row, in that order), then every other
    column with the model's own default. Built from the model, so a field added later with a default needs
    no change here; a generated column (e.g. `Comment.word_count`) is the database's to fill, never ours."""
    now = timezone.now()
    columns, defaults = list(given), []
    for model_field in model._meta.concrete_fields:
        if model_field.column in given or getattr(model_field, "generated", False):
            continue
        auto_now = getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
        value = now if auto_now else model_field.get_default()
        columns.append(model_field.column)
        defaults.append(model_field.get_db_prep_save(value, connection))
    return columns, tuple(defaults)


def _insert_postgres(organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> ChunkResult:
    """Skip what exists, take ids for the rest from the sequences, COPY both tables. If another import
    inserts one of these keys meanwhile, the unique index refuses our COPY and the chunk is tried again."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                return _copy_chunk(cursor, organisation_id, batch_id, records)
        except IntegrityError:
            if attempt == RACE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _copy_chunk(cursor, organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> ChunkResult:
    raw = cursor.cursor  # psycopg's own cursor: COPY, and no per-query logging of 50,000-key parameters
    # Foreign keys checked per row as each COPY ends rather than all queued to the commit: cheaper in bulk.
    raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
    raw.execute(
        f"SELECT dedupe_key, import_batch_id FROM {Response._meta.db_table} WHERE dedupe_key = ANY(%s)",  # noqa: S608
        [[r.dedupe_key for r in records]],
    )
    existing: dict[str, int | None] = dict(raw.fetchall())
    new = [r for r in records if r.dedupe_key not in existing]
    response_ids = _take_ids(raw, Response, len(new))
    comment_ids = _take_ids(raw, Comment, sum(len(r.comments) for r in new))
    response_columns, response_defaults = _copy_columns(Response, RESPONSE_COLUMNS)
    comment_columns, comment_defaults = _copy_columns(Comment, COMMENT_COLUMNS)
    source, now = ResponseSource.IMPORT, timezone.now()
    with raw.copy(_copy_sql(Response, response_columns)) as copy:
        for pk, r in zip(response_ids, new, strict=True):
            copy.write_row(
                (
                    pk,
                    organisation_id,
                    r.service_id,
                    source,
                    r.dedupe_key,
                    batch_id,
                    r.responded_at,
                    r.fft_score,
                    r.fft_recommend,
                    r.location_detail,
                    r.ethnic_category,
                    r.age_band,
                    r.sex,
                    r.disability,
                    *response_defaults,
                )
            )
    next_comment = iter(comment_ids)
    with raw.copy(_copy_sql(Comment, comment_columns)) as copy:
        for response_id, r in zip(response_ids, new, strict=True):
            for question_type, text in r.comments:
                copy.write_row(
                    (
                        next(next_comment),
                        response_id,
                        organisation_id,
                        r.service_id,
                        question_type,
                        text,
                        r.responded_at,
                        now,
                        *comment_defaults,
                    )
                )
    skipped = [(r.row, existing[r.dedupe_key]) for r in records if r.dedupe_key in existing]
    return _result(batch_id, len(new), skipped, comment_ids)


def _copy_sql(model: type[models.Model], columns: list[str]) -> str:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"


def _take_ids(cursor, model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys from the table's sequence in one query, so comments can name their
    response before either is written."""
    if not count:
        return []
    table = model._meta.db_table
    # One array, not 50,000 rows: converting rows one by one costs more than taking the values.
    cursor.execute(
        "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)",
        [table, model._meta.pk.column, count],
    )
    return cursor.fetchone()[0]


def _result(batch_id: int, inserted: int, existing: list[tuple[int, int | None]], comment_ids: list[int]):
    ours = sum(1 for _, existing_batch in existing if existing_batch == batch_id)
    already = [(row, existing_batch) for row, existing_batch in existing if existing_batch != batch_id]
    return ChunkResult(imported=inserted + ours, already_imported=sorted(already), comment_ids=comment_ids)


def _insert_orm(organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> ChunkResult:
    """The embedded default's path (SQLite): the same result with bulk_create, for small files."""
    keys = [r.dedupe_key for r in records]
    existing_batch: dict[str, int | None] = {}
    for start in range(0, len(keys), SQLITE_BATCH):
        existing_batch.update(
            Response.objects.filter(dedupe_key__in=keys[start : start + SQLITE_BATCH]).values_list(
                "dedupe_key", "import_batch_id"
            )
        )
    new = [r for r in records if r.dedupe_key not in existing_batch]
    responses = Response.objects.bulk_create(
        [
            Response(
                organisation_id=organisation_id,
                service_id=r.service_id,
                source=ResponseSource.IMPORT,
                dedupe_key=r.dedupe_key,
                import_batch_id=batch_id,
                responded_at=r.responded_at,
                fft_score=r.fft_score,
                fft_recommend=r.fft_recommend,
                location_detail=r.location_detail,
                ethnic_category=r.ethnic_category,
                age_band=r.age_band,
                sex=r.sex,
                disability=r.disability,
            )
            for r in new
        ],
        batch_size=SQLITE_BATCH // 20,
    )
    now = timezone.now()
    comments = Comment.objects.bulk_create(
        [
            Comment(
                response=response,
                organisation_id=organisation_id,
                service_id=r.service_id,
                question_type=question_type,
                text=text,
                responded_at=r.responded_at,
                text_changed_at=now,
            )
            for r, response in zip(new, responses, strict=True)
            for question_type, text in r.comments
        ],
        batch_size=SQLITE_BATCH // 20,
    )
    existing = [(r.row, existing_batch[r.dedupe_key]) for r in records if r.dedupe_key in existing_batch]
    return _result(batch_id, len(new), existing, [comment.pk for comment in comments])
