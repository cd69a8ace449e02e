from insight_hub.celery import app


def test_celery_speaks_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_tasks_are_acknowledged_late_and_prefetched_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_nlp_work_has_its_own_queue():
    assert {queue.name for queue in app.conf.task_queues} == {"default", "nlp"}
    assert app.conf.task_routes["insight_hub.themes.tasks.*"] == {"queue": "nlp"}


def test_the_one_worker_command_takes_every_queue_under_this_interpreter():
    """tests/conftest.py and bench/workers.py start their workers with `worker_command`: it must take every
    configured queue, or a task routed to a forgotten one would wait for ever in the tests and benchmarks."""
    import sys

    from insight_hub.celery import worker_command

    command = worker_command(name="test-x@localhost", concurrency=2)
    assert command[:6] == [sys.executable, "-m", "celery", "-A", "insight_hub", "worker"]
    queues = command[command.index("-Q") + 1].split(",")
    assert sorted(queues) == sorted(queue.name for queue in app.conf.task_queues)
    assert command[command.index("--concurrency") + 1] == "2"
    assert command[command.index("-n") + 1] == "test-x@localhost"
    assert worker_command(name="b@localhost", concurrency=1, loglevel="WARNING")[-2:] == [
        "--loglevel",
        "WARNING",
    ]
