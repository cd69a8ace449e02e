"""Parsing a row-level file in a process of its own, so that Python's work and PostgreSQL's overlap.

A thread cannot do it: a parsing thread and a writing thread take turns holding the GIL. So on PostgreSQL a
file of more than one chunk is read by a process forked from the import's (no start-up cost; the same code,
settings and mapping): it reads the file, parses and checks its rows, looks up which exist already, takes ids
for the rest, and formats each chunk as COPY binary data (`writers.ChunkEncoder`); it hands each chunk over a
pipe. The import's own process only streams those bytes to PostgreSQL, commits, and keeps the counts and the
report: PostgreSQL writes chunk k while the parsing process prepares chunk k+1, each on a core of its own.

The parsing process writes nothing to the database. It never uses a connection it inherited (their sockets
are the parent's): it opens its own, to read and to take ids. It leaves by os._exit, so nothing inherited is
closed or flushed; it dies with its parent (PR_SET_PDEATHSIG, and a write to a pipe nobody reads fails), and
the parent kills it if the import stops early. What goes wrong in it comes back over the pipe and is raised
in the parent as it would have been raised there: a file-level problem, a lost database, any other error.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import psycopg
from django.db import OperationalError, connection, connections

from insight_hub.imports import tabular
from insight_hub.imports.problems import ImportFileError

from .rows import ParsedChunk, RowParser, parsed_chunks
from .writers import ChunkEncoder

_LENGTH = struct.Struct("!Q")
_PR_SET_PDEATHSIG = 1
GC_EVERY = 10


def available() -> bool:
    """Only on PostgreSQL (SQLite's embedded default writes in line), and outside a transaction: rows that an
    open transaction holds (a caller's, a test's) are not visible to the parsing process's look-ups."""
    return hasattr(os, "fork") and connection.vendor == "postgresql" and not connection.in_atomic_block


@contextmanager
def parsed_elsewhere(
    path: Path,
    make_parser: Callable[[tabular.Table], RowParser],
    *,
    organisation_id: int,
    batch_id: int,
    chunk_rows: int,
    room: int,
) -> Iterator[Iterator[ParsedChunk]]:
    """The file's chunks, parsed and encoded by a forked process: each `ParsedChunk` has `encoded` set
    and no `good` rows. `make_parser` runs in that process: it must not use the database. At most `room`
    problems are sent in all (the report keeps no more); the counts cover every row."""
    params = connection.get_connection_params()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the parsing process
        status = 1
        try:
            os.close(read_fd)
            _leave_the_parent_alone()
            with os.fdopen(write_fd, "wb") as out:
                _parse(out, path, make_parser, params, organisation_id, batch_id, chunk_rows, room)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as stream:
            yield _received(stream)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # stopped early: it may be waiting to send the next chunk
        os.waitpid(pid, 0)


# Kept referenced so that the parent's connection objects are never garbage-collected in the parsing
# process: closing one there would end the parent's session on the server.
_inherited: list[object] = []


def _leave_the_parent_alone() -> None:
    """In the parsing process: the parent's signal handlers (a Celery worker's) are not ours; die with the
    parent; and let no code reach the parent's database sessions through Django's inherited connections."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        signal.signal(number, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    for wrapper in connections.all(initialized_only=True):
        _inherited.append(wrapper.connection)
        wrapper.connection = None  # a stray ORM call would open a connection of its own


def _parse(out: BinaryIO, path, make_parser, params, organisation_id, batch_id, chunk_rows, room) -> None:
    def send(message: tuple) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(data)))
        out.write(data)
        out.flush()

    # Python's cyclic garbage collector, left to itself, costs half the parsing process's time: each pass
    # walks the chunk's objects and everything inherited. Parsing makes no reference cycles (none were
    # ever found), so it runs only every GC_EVERY chunks, over what is not inherited, to bound memory if
    # that ever changed.
    gc.freeze()
    gc.disable()
    try:
        with psycopg.connect(**params, autocommit=True) as conn, conn.cursor() as cursor:
            encode = ChunkEncoder(conn, organisation_id, batch_id)
            with tabular.open_table(path) as table:
                chunks = parsed_chunks(table.rows, make_parser(table), chunk_rows)
                for number, chunk in enumerate(chunks, start=1):
                    chunk.encoded, chunk.good = encode(cursor, chunk.good), []
                    del chunk.problems[max(room, 0) :]
                    room -= len(chunk.problems)
                    send(("chunk", chunk))
                    if number % GC_EVERY == 0:
                        gc.collect()
        send(("done",))
    except BrokenPipeError:
        raise  # the parent has gone: nobody to tell
    except ImportFileError as exc:
        send(("file", str(exc)))
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        send(("transient", f"{exc.__class__.__name__}: {exc}"))
    except Exception:  # noqa: BLE001 - sent to the parent, which raises it
        send(("error", traceback.format_exc()))


def _received(stream: BinaryIO) -> Iterator[ParsedChunk]:
    while True:
        head = stream.read(_LENGTH.size)
        data = stream.read(_LENGTH.unpack(head)[0]) if len(head) == _LENGTH.size else b""
        if not data:
            raise RuntimeError("The parsing process stopped before the end of the file.")
        # Our own forked child wrote it, over a pipe only the two processes hold.
        message = pickle.loads(data)  # noqa: S301
        kind = message[0]
        if kind == "chunk":
            yield message[1]
        elif kind == "done":
            return
        elif kind == "file":
            raise ImportFileError(message[1])
        elif kind == "transient":
            raise OperationalError(f"In the parsing process: {message[1]}")
        else:
            raise RuntimeError(f"The parsing process failed:\n{message[1]}")
