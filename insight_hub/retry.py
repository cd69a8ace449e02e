"""The hub's one retry policy and one way to queue a task after the transaction commits.

Retries are only for named transient errors (a database connection dropped or restarted), with backoff
and a cap; anything else is a bug or bad data and fails at once, logged. A task is queued only once the
rows it will read are committed, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError, transaction

TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

# Spread into @shared_task(...): retried on TRANSIENT with exponential backoff, at most 5 times.
RETRY_POLICY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


def delay_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` with these arguments when the current transaction commits (at once outside one)."""
    send_on_commit(lambda: task.delay(*args, **kwargs))


def send_on_commit(send: Callable[[], object]) -> None:
    """Call `send`, which queues one or more tasks, when the current transaction commits (at once outside
    one): for a caller that queues in chunks. `delay_on_commit` is this for one task.

    `robust=True`: a broker that is down must not turn a saved row into an error page; the row is the
    source of truth (a periodic sweep, or the operations page for a queued import or report, finds what was
    not queued), and the failure is logged."""
    transaction.on_commit(send, robust=True)
