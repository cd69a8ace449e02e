"""The hub's one Celery app.

Redis is the broker; the database is the source of truth and the queue only a signal, so every task
takes ids, is safe to run twice (hence `acks_late`: a task whose worker dies is redelivered), and a
periodic sweep picks up anything whose signal was lost while the broker was down.
"""

import os
import sys

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")

app = Celery("insight_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # Every task here is idempotent, so a task is acknowledged only once it has run: a worker killed
    # mid-task leaves it on the queue for the next worker.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # One task at a time per process: tagging batches are long, so prefetching starves other workers.
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    task_queues=(Queue("default"), Queue("nlp")),
    # spaCy work goes to its own queue so imports and roll-ups are not stuck behind a re-tag.
    task_routes={
        "insight_hub.themes.tasks.*": {"queue": "nlp"},
        # Redoing redactions loads the NER model: the workers that have it loaded do it.
        "stories.tasks.refresh_redactions": {"queue": "nlp"},
    },
    broker_connection_retry_on_startup=True,
    # The Redis visibility timeout (how soon a dead worker's task is handed out again) is in settings,
    # CELERY_BROKER_TRANSPORT_OPTIONS, from the environment.
    worker_max_memory_per_child=600 * 1024,  # KiB: recycle a worker process that outgrows the budget
    # A pool process loads the tagging models as it starts (themes.tasks._load_models: about 3 s, far more on
    # a busy host); Celery's default 4 s wait for it killed such a process, and every replacement, for ever.
    worker_proc_alive_timeout=60,
    # A save must not hang on a broker that is down: give up quickly, the periodic sweep re-queues it.
    broker_connection_timeout=2,
    task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
    redis_socket_connect_timeout=2,
    # The whole periodic schedule, in code, in one place (celery beat in docker-compose runs it).
    beat_schedule={
        "sweep-untagged": {"task": "insight_hub.themes.tasks.sweep_untagged", "schedule": 60.0},
        # Dashboards read roll-ups: bring them up to date every minute, and rebuild them all each night.
        "refresh-rollups": {"task": "dashboards.tasks.refresh_rollups", "schedule": 60.0},
        # Email waits in the outbox while the mail server is down: send what is due every minute.
        "flush-outbox": {"task": "insight_hub.notifications.tasks.flush_outbox", "schedule": 60.0},
        # Safety concerns: email whoever a new one is routed to; escalate the unanswered (stories.safety).
        "send-safety-alerts": {"task": "stories.tasks.send_safety_alerts", "schedule": 60.0},
        # Email alerts on saved searches (insight_hub.search.alerts): "soon" ones every 15 minutes, daily ones
        # each morning.
        "send-search-alerts-soon": {
            "task": "insight_hub.search.tasks.send_search_alerts",
            "schedule": 900.0,
            "args": ["soon"],
        },
        "send-search-alerts-daily": {
            "task": "insight_hub.search.tasks.send_search_alerts",
            "schedule": crontab(hour=7, minute=10),
            "args": ["daily"],
        },
        # The operations page reads this heartbeat to say beat and a worker are alive.
        "heartbeat": {"task": "insight_hub.operations.tasks.heartbeat", "schedule": 60.0},
        "rebuild-rollups-nightly": {
            "task": "dashboards.tasks.rebuild_rollups",
            "schedule": crontab(hour=2, minute=30),
        },
        # Stories redacted by older rules are redone (stories.redaction): those that would show more wait
        # for a person.
        "refresh-redactions": {"task": "stories.tasks.refresh_redactions", "schedule": 600.0},
        # Each owner's weekly digest, on the working day they chose (dashboards.digest), at 7 in the morning.
        "send-weekly-digests": {
            "task": "dashboards.tasks.send_weekly_digests",
            "schedule": crontab(hour=7, minute=0),
        },
        # Care Opinion: stories published since the last run, for every ICS (stories.care_opinion). Hourly,
        # off the hour, so it does not meet the nightly roll-up rebuild or other clients' top-of-hour bursts.
        "sync-care-opinion": {"task": "stories.tasks.sync_care_opinion", "schedule": crontab(minute=23)},
        # Emerging themes: on the 1st of each month, discovery for each ICS (themes.emerging).
        "discover-emerging-themes": {
            "task": "insight_hub.themes.tasks.discover_emerging_themes",
            "schedule": crontab(day_of_month=1, hour=3, minute=0),
        },
        # Board reports' files are kept for BOARD_REPORT_RETENTION_DAYS, then deleted by this pass.
        "expire-board-reports": {
            "task": "dashboards.reports.tasks.expire_reports",
            "schedule": crontab(minute=15),
        },
    },
)
app.autodiscover_tasks()


# Every queue above, nlp first as in the Makefile and docker-compose.
WORKER_QUEUES = ("nlp", "default")


def worker_command(*, name: str, concurrency: int, loglevel: str = "INFO") -> list[str]:
    """The command for one real worker of this app on every queue, run under this interpreter: the one the
    tests (tests/conftest.py `WorkerProcess`) and the end-to-end benchmarks (bench/workers.py) start.
    `name` (like "test-1a2b@localhost") is what `app.control.ping(destination=[name])` waits for, and what
    a test kills the pool processes by. No mingle or gossip: such a worker starts alone, and sooner."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "insight_hub",
        "worker",
        "-Q",
        ",".join(WORKER_QUEUES),
        "--concurrency",
        str(concurrency),
        "-n",
        name,
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        loglevel,
    ]
