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
