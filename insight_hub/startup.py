"""Start-up refusals: a web server that would answer every page with a 500 does not start at all.

With DEBUG off, pages link static files by their collected, hashed names (whitenoise's manifest storage);
before `collectstatic` has run there is no manifest, and every `{% static %}` raises. Refusing at start names
the command to run, where a 500 on every page names nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

COLLECT = "python manage.py collectstatic --noinput"


def static_files_problem() -> str | None:
    """Why the collected static files cannot serve pages, or None when they can (or DEBUG serves them)."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    if settings.DEBUG or "Manifest" not in storage:
        return None
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return None
    return (
        f"Static files have not been collected: {manifest} is missing, and with DEBUG off every page "
        f"would fail. Run `{COLLECT}` (with the same STATIC_ROOT) before starting the web server."
    )


def refuse_to_serve_without_static_files() -> None:
    """Called by insight_hub.wsgi (gunicorn, runserver): stop start-up with the command to run."""
    problem = static_files_problem()
    if problem:
        raise ImproperlyConfigured(problem)


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The same rule for `manage.py check --deploy` (deploy only: collectstatic itself must still run)."""
    problem = static_files_problem()
    return [checks.Error(problem, hint=f"Run `{COLLECT}`.", id="insight_hub.E001")] if problem else []
