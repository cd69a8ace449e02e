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
from psycopg.postgres import types as postgres_types
from psycopg.pq import Format

from feedback.models import Comment, Response, ResponseSource

from .rows import ParsedResponse

# SQLite's limit on variables in one statement is 32766 (older builds: 999); stay well under either.
SQLITE_BATCH = 900

# Attempts at a chunk when a concurrent import of the same rows commits between our check and our COPY.
RACE_ATTEMPTS = 3
# Columns each COPY fills per row, in write order; the others are the same on every row of a chunk.
RESPONSE_COLUMNS = (
    "id",
    "service_id",
    "dedupe_key",
    "responded_at",
    "fft_score",
    "fft_recommend",
    "location_detail",
    "ethnic_category",
    "age_band",
    "sex",
    "disability",
)
COMMENT_COLUMNS = (
    "id",
    "response_id",
    "service_id",
    "question_type",
    "text",
    "responded_at",
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


class _BinaryCopy:
    """One table's COPY in PostgreSQL's binary format: the columns that vary per row (`varying`, in that
    order, with their types so psycopg's C dumpers encode them), then every other column, whose value is the
    same on every row of the chunk (`constants`, else the model's default), encoded once here. Binary COPY
    spares PostgreSQL parsing text (timestamps above all) and the per-row Python work is one tuple: the
    constant columns go as ready-made bytes, so no JSON default is serialised a million times.
    Built from the model, so a field added later with a default needs no change here; a generated column
    (e.g. `Comment.word_count`) is the database's to fill, never ours."""

    def __init__(
        self, raw, model: type[models.Model], varying: tuple[str, ...], constants: dict[str, object]
    ):
        now = timezone.now()
        fields = {field.column: field for field in model._meta.concrete_fields}
        self.types = [_type_name(fields[column]) for column in varying]
        self.tail: list[bytes | None] = []
        columns = list(varying)
        for column, model_field in fields.items():
            if column in varying or getattr(model_field, "generated", False):
                continue
            if column in constants:
                value = constants[column]
            else:
                auto_now = getattr(model_field, "auto_now", False) or getattr(
                    model_field, "auto_now_add", False
                )
                value = now if auto_now else model_field.get_default()
            columns.append(column)
            self.tail.append(
                _encode(raw.connection, model_field, model_field.get_db_prep_save(value, connection))
            )
            # Ready-made bytes travel as bytea: binary COPY sends no type, the column's own input reads them.
            self.types.append("bytea")
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"COPY {table} ({quoted}) FROM STDIN (FORMAT BINARY)"

    def write(self, raw, rows) -> None:
        tail = tuple(self.tail)
        with raw.copy(self.sql) as copy:
            copy.set_types(self.types)
            write_row = copy.write_row
            for row in rows:
                write_row(row + tail)


def _type_name(model_field: models.Field) -> str:
    """The column's PostgreSQL type without its length ("character varying(20)" -> "character varying")."""
    return model_field.db_type(connection).split("(")[0]


def _encode(conn, model_field: models.Field, value) -> bytes | None:
    if value is None:
        return None
    oid = postgres_types.get(_type_name(model_field)).oid
    dumper = conn.adapters.get_dumper_by_oid(oid, Format.BINARY)(type(value), conn)
    return bytes(dumper.dump(value))


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
    # The chunk's commit does not wait for its WAL to reach the disk. Nothing is lost for good: the batch's
    # final status is committed durably after every chunk, which flushes their WAL before it (WAL is written
    # in order), and a crash before that leaves the batch running, so its retry writes any lost chunk again.
    raw.execute("SET LOCAL synchronous_commit = off")
    raw.execute(
        f"SELECT dedupe_key, import_batch_id FROM {Response._meta.db_table} WHERE dedupe_key = ANY(%s)",  # noqa: S608
        [[r.dedupe_key for r in records]],
    )
    existing: dict[str, int | None] = dict(raw.fetchall())
    new = [r for r in records if r.dedupe_key not in existing] if existing else records
    response_ids = _take_ids(raw, Response, len(new))
    comment_ids = _take_ids(raw, Comment, sum(len(r.comments) for r in new))
    same = {"organisation_id": organisation_id}
    responses = _BinaryCopy(
        raw, Response, RESPONSE_COLUMNS, same | {"source": ResponseSource.IMPORT, "import_batch_id": batch_id}
    )
    responses.write(
        raw,
        (
            (
                pk,
                r.service_id,
                r.dedupe_key,
                r.responded_at,
                r.fft_score,
                r.fft_recommend,
                r.location_detail,
                r.ethnic_category,
                r.age_band,
                r.sex,
                r.disability,
            )
            for pk, r in zip(response_ids, new, strict=True)
        ),
    )
    # text_changed_at is what tagging_reset() sets: the sweep finds the comment if the queue loses it.
    comments = _BinaryCopy(raw, Comment, COMMENT_COLUMNS, same | {"text_changed_at": timezone.now()})
    next_comment = iter(comment_ids).__next__
    comments.write(
        raw,
        (
            (next_comment(), response_id, r.service_id, question_type, text, r.responded_at)
            for response_id, r in zip(response_ids, new, strict=True)
            for question_type, text in r.comments
        ),
    )
    skipped = [(r.row, existing[r.dedupe_key]) for r in records if r.dedupe_key in existing]
    return _result(batch_id, len(new), skipped, comment_ids)


def _copy_columns(model: type[models.Model], given: tuple[str, ...]) -> tuple[list[str], tuple]:
    """Columns for a text COPY into `model`'s table (the demo's synthetic data uses it): `given` (filled per
    row, in that order), then every other column with the model's own default; never a generated column."""
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


def _copy_sql(model: type[models.Model], columns: list[str]) -> str:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"


def _take_ids(cursor, model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys from the table's sequence in one query, so comments can name their
    response before either is written."""
    if not count:
        return []
    # The sequence's name first, once: inside the aggregate, pg_get_serial_sequence() would be looked up
    # again for every id (eight times the cost of the ids themselves).
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
    (sequence,) = cursor.fetchone()
    # One array, not 50,000 rows: converting rows one by one costs more than taking the values.
    cursor.execute("SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)", [sequence, count])
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
