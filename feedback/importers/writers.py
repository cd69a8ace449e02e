"""Writing a chunk of parsed responses and their comments: PostgreSQL COPY, or the ORM on SQLite.

A chunk is written in one transaction, so a crash never leaves a response without its comments. Responses
already in the database (same `dedupe_key`) are skipped, not failed: that is what makes re-importing a file
add nothing. On PostgreSQL a chunk is first *encoded* (`encode_chunk`): existing keys are looked up, ids for
the new rows are reserved from the sequences, and both tables' rows are formatted as COPY binary data; then
it is *written* (`copy_encoded`), which only streams those bytes. The two steps can run in different
processes (see `forked`): the parsing process encodes the next chunk while this one is written. The unique
index still has the last word: if a concurrent import of the same rows commits between the look-up and the
COPY, the COPY fails, and the chunk is written again without the rows that now exist.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import psycopg
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.copy import Writer
from psycopg.postgres import types as postgres_types
from psycopg.pq import Format
from psycopg.types.string import BytesBinaryDumper

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
RESPONSES = Response._meta.db_table
# Binary COPY framing: an 11-byte signature, flags and header-extension length (both int32, zero here);
# each row a field count (int16), then per field its length (int32, -1 for NULL) and bytes; -1 to end.
_COPY_HEADER = 19
_FIELD_COUNT = struct.Struct("!h")
_FIELD_LENGTH = struct.Struct("!i")


@dataclass
class ChunkResult:
    imported: int = 0
    # Rows whose response an earlier import already holds: (row number, that import's batch id).
    already_imported: list[tuple[int, int | None]] = field(default_factory=list)
    comment_ids: list[int] = field(default_factory=list)


@dataclass
class EncodedChunk:
    """A chunk's new rows as COPY binary data for each table, with what the report and the tagging queue
    need, and what a retry needs to leave rows out (`rows`, `keys`, `comment_counts`: one per response,
    in the data's order)."""

    responses: bytes = b""
    comments: bytes = b""
    response_sql: str = ""
    comment_sql: str = ""
    rows: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    comment_counts: list[int] = field(default_factory=list)
    comment_ids: list[int] = field(default_factory=list)
    # Rows skipped as already in the database: (row number, batch id); `ours` of them by this batch.
    existing: list[tuple[int, int | None]] = field(default_factory=list)


def responses_insert(*, organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> ChunkResult:
    """Insert what is new among `records` (unique by dedupe key within the list), in one transaction.
    Rows this same batch already wrote (a task redelivered after a crash) count as imported."""
    if not records:
        return ChunkResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                encoded = encode_chunk(cursor.cursor, organisation_id, batch_id, records)
            return copy_encoded(batch_id, encoded)
        return _insert_orm(organisation_id, batch_id, records)


class _Collected(Writer):
    """Where a COPY's formatted data goes when it is kept to be sent later, not sent now."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> None:
        self.parts.append(bytes(data))


class _BinaryCopy:
    """One table's rows in PostgreSQL's binary COPY format: the columns that vary per row (`varying`, in that
    order, with their types so psycopg's C dumpers encode them), then every other column, whose value is the
    same on every row of the chunk (`constants`, else the model's default), encoded once here. Binary COPY
    spares PostgreSQL parsing text (timestamps above all) and the per-row Python work is one tuple: the
    constant columns go as ready-made bytes, so no JSON default is serialised a million times.
    Built from the model, so a field added later with a default needs no change here; a generated column
    (e.g. `Comment.word_count`) is the database's to fill, never ours."""

    def __init__(
        self, conn, model: type[models.Model], varying: tuple[str, ...], constants: dict[str, object]
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
            self.tail.append(_encode(conn, model_field, model_field.get_db_prep_save(value, connection)))
            # Ready-made bytes travel as bytea: binary COPY sends no type, the column's own input reads them.
            self.types.append("bytea")
        self.sql = copy_sql(model, columns)

    def encode(self, conn, rows) -> bytes:
        """The rows as COPY data (signature, rows, trailer), formatted by psycopg but not sent."""
        tail = tuple(self.tail)
        collected = _Collected()
        cursor = conn.cursor()
        # The ready-made bytes by psycopg's C dumper: the one it finds for bytea by default is the DB-API
        # `Binary` wrapper's, in Python, which would be called for every constant column of every row.
        cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        with psycopg.Copy(cursor, binary=True, writer=collected) as copy:
            copy.set_types(self.types)
            write_row = copy.write_row
            for row in rows:
                write_row(row + tail)
        return b"".join(collected.parts)


def copy_sql(model: type[models.Model], columns) -> str:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    return f"COPY {table} ({quoted}) FROM STDIN (FORMAT BINARY)"


def _type_name(model_field: models.Field) -> str:
    """The column's PostgreSQL type without its length ("character varying(20)" -> "character varying")."""
    return model_field.db_type(connection).split("(")[0]


def _encode(conn, model_field: models.Field, value) -> bytes | None:
    if value is None:
        return None
    oid = postgres_types.get(_type_name(model_field)).oid
    dumper = conn.adapters.get_dumper_by_oid(oid, Format.BINARY)(type(value), conn)
    return bytes(dumper.dump(value))


class ChunkEncoder:
    """Encodes chunks for one import (`encode_chunk`), with the tables' constant columns encoded once."""

    def __init__(self, conn, organisation_id: int, batch_id: int) -> None:
        self.organisation_id, self.batch_id = organisation_id, batch_id
        same = {"organisation_id": organisation_id}
        self.responses = _BinaryCopy(
            conn,
            Response,
            RESPONSE_COLUMNS,
            same | {"source": ResponseSource.IMPORT, "import_batch_id": batch_id},
        )
        # text_changed_at is what tagging_reset() sets: the sweep finds the comment if the queue loses it.
        changed = {"text_changed_at": timezone.now()}
        self.comments = _BinaryCopy(conn, Comment, COMMENT_COLUMNS, same | changed)

    def __call__(self, cursor, records: list[ParsedResponse]) -> EncodedChunk:
        """Look up which of `records` exist, take ids for the rest, and format them. `cursor` is a psycopg
        cursor of any connection to the database: reading and taking ids need no transaction."""
        conn = cursor.connection
        existing = existing_keys(cursor, [r.dedupe_key for r in records])
        new = [r for r in records if r.dedupe_key not in existing] if existing else records
        response_ids = _take_ids(cursor, Response, len(new))
        comment_ids = _take_ids(cursor, Comment, sum(len(r.comments) for r in new))
        responses = self.responses.encode(
            conn,
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
        next_comment = iter(comment_ids).__next__
        comments = self.comments.encode(
            conn,
            (
                (next_comment(), response_id, r.service_id, question_type, text, r.responded_at)
                for response_id, r in zip(response_ids, new, strict=True)
                for question_type, text in r.comments
            ),
        )
        return EncodedChunk(
            responses=responses if new else b"",
            comments=comments if comment_ids else b"",
            response_sql=self.responses.sql,
            comment_sql=self.comments.sql,
            rows=[r.row for r in new],
            keys=[r.dedupe_key for r in new],
            comment_counts=[len(r.comments) for r in new],
            comment_ids=comment_ids,
            existing=[(r.row, existing[r.dedupe_key]) for r in records if r.dedupe_key in existing],
        )


def encode_chunk(cursor, organisation_id: int, batch_id: int, records: list[ParsedResponse]) -> EncodedChunk:
    return ChunkEncoder(cursor.connection, organisation_id, batch_id)(cursor, records)


def existing_keys(cursor, keys: list[str]) -> dict[str, int | None]:
    """The keys among `keys` that a response already holds, with that response's import batch.

    First one probe of the unique index for the range the keys span (in byte order, the index's own
    collation, which is also Python's order of strings): a new file's keys share a prefix no response has
    yet, so the range is empty and the 20,000 single look-ups are spared. Only an empty range skips them."""
    if not keys:
        return {}
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM {RESPONSES} WHERE dedupe_key COLLATE "C" BETWEEN %s AND %s)',  # noqa: S608
        [min(keys), max(keys)],
    )
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute(
        f"SELECT dedupe_key, import_batch_id FROM {RESPONSES} WHERE dedupe_key = ANY(%s)",  # noqa: S608
        [keys],
    )
    return dict(cursor.fetchall())


def copy_encoded(batch_id: int, encoded: EncodedChunk) -> ChunkResult:
    """Write an encoded chunk in one transaction (the caller's, if it has one). If another import inserts
    one of its keys meanwhile, the unique index refuses the COPY; the chunk is written again without the
    rows that now exist, which are reported as already imported."""
    existing = list(encoded.existing)
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            # psycopg's own errors raised as Django's (the raw cursor skips that), so the race is caught here.
            with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
                _copy(cursor.cursor, encoded)
            return _result(batch_id, len(encoded.rows), existing, encoded.comment_ids)
        except IntegrityError:
            if attempt == RACE_ATTEMPTS:
                raise
        with connection.cursor() as cursor:
            found = existing_keys(cursor.cursor, encoded.keys)
        pairs = zip(encoded.rows, encoded.keys, strict=True)
        existing += [(row, found[key]) for row, key in pairs if key in found]
        encoded = without(encoded, found)
    raise AssertionError("unreachable")


def _copy(raw, encoded: EncodedChunk) -> None:
    # Foreign keys checked per row as each COPY ends rather than all queued to the commit: cheaper in bulk.
    raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # The chunk's commit does not wait for its WAL to reach the disk. Nothing is lost for good: the batch's
    # final status is committed durably after every chunk, which flushes their WAL before it (WAL is written
    # in order), and a crash before that leaves the batch running, so its retry writes any lost chunk again.
    raw.execute("SET LOCAL synchronous_commit = off")
    for sql, data in ((encoded.response_sql, encoded.responses), (encoded.comment_sql, encoded.comments)):
        if data:
            with raw.copy(sql) as copy:
                copy.write(data)


def without(encoded: EncodedChunk, found: dict[str, int | None]) -> EncodedChunk:
    """The chunk less the responses (and their comments) whose keys are in `found`. Rows are located by
    walking the COPY framing: only a write that lost a race with another import comes here."""
    keep = [key not in found for key in encoded.keys]
    counts = zip(keep, encoded.comment_counts, strict=True)
    comment_keep = [kept for kept, count in counts for _ in range(count)]
    return EncodedChunk(
        responses=_kept_rows(encoded.responses, keep) if any(keep) else b"",
        comments=_kept_rows(encoded.comments, comment_keep) if any(comment_keep) else b"",
        response_sql=encoded.response_sql,
        comment_sql=encoded.comment_sql,
        rows=[row for row, kept in zip(encoded.rows, keep, strict=True) if kept],
        keys=[key for key, kept in zip(encoded.keys, keep, strict=True) if kept],
        comment_counts=[count for count, kept in zip(encoded.comment_counts, keep, strict=True) if kept],
        comment_ids=[pk for pk, kept in zip(encoded.comment_ids, comment_keep, strict=True) if kept],
    )


def _kept_rows(data: bytes, keep: list[bool]) -> bytes:
    parts, at = [data[:_COPY_HEADER]], _COPY_HEADER
    for kept in keep:
        start = at
        (fields,) = _FIELD_COUNT.unpack_from(data, at)
        at += _FIELD_COUNT.size
        for _ in range(fields):
            (length,) = _FIELD_LENGTH.unpack_from(data, at)
            at += _FIELD_LENGTH.size + max(length, 0)
        if kept:
            parts.append(data[start:at])
    parts.append(data[at:])  # the trailer
    return b"".join(parts)


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
