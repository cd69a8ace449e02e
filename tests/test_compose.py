"""No Docker engine runs here, so the compose file is checked by reading it against the settings."""

import re
from pathlib import Path

import yaml

from tests.test_settings import settings_variables

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_of(name: str) -> str:
    command = SERVICES[name]["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_it_has_the_real_parts():
    assert set(SERVICES) == {"db", "redis", "web", "worker", "beat"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")


def test_every_service_has_a_health_check_except_beat():
    for name in ["db", "redis", "web", "worker"]:
        assert "healthcheck" in SERVICES[name], name


def test_hub_services_wait_for_healthy_database_and_broker():
    for name in ["web", "worker", "beat"]:
        depends = SERVICES[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_web_migrates_then_serves_with_gunicorn_and_checks_healthz():
    assert "migrate" in command_of("web") and "gunicorn insight_hub.wsgi" in command_of("web")
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_web_collects_static_files_before_gunicorn_starts():
    """With DEBUG off the web app refuses to start without collected static files (insight_hub.startup)."""
    assert SERVICES["web"]["environment"]["DEBUG"] == "false"
    web = command_of("web")
    assert "manage.py collectstatic --noinput" in web
    assert web.index("collectstatic") < web.index("gunicorn")


def test_gunicorn_has_a_worker_count_and_a_request_timeout():
    web = command_of("web")
    assert re.search(r"--workers \d+\b", web), web
    timeout = re.search(r"--timeout (\d+)\b", web)
    assert timeout and 30 <= int(timeout.group(1)) <= 120, web
    assert re.search(r"--graceful-timeout \d+\b", web), web


def test_the_image_collects_static_files_and_its_default_command_sets_gunicorn_timeouts():
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")  # continuation lines joined
    assert re.search(r"^RUN .*manage\.py collectstatic --noinput", dockerfile, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd and '"--workers", "2"' in cmd.group(1) and '"--timeout", "60"' in cmd.group(1)


def test_worker_consumes_both_queues_of_the_celery_app():
    from insight_hub.celery import app

    queues = {queue.name for queue in app.conf.task_queues}
    match = re.search(r"-Q (\S+)", command_of("worker"))
    assert match and set(match.group(1).split(",")) == queues == {"nlp", "default"}
    assert "beat" in command_of("beat")


def test_environment_uses_only_variables_the_settings_read():
    env = SERVICES["web"]["environment"]
    assert set(env) <= settings_variables()
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    db_env = SERVICES["db"]["environment"]
    assert (
        f"{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}@db:5432/{db_env['POSTGRES_DB']}"
        in env["DATABASE_URL"]
    )


def test_dockerfile_copies_every_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for app in ["insight_hub", "feedback", "stories", "charters", "dashboards", "templates", "static"]:
        assert f"COPY {app} ./{app}" in dockerfile
