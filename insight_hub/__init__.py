# Load the Celery app whenever Django starts, so `delay_on_commit` uses its configuration.
from .celery import app as celery_app

__all__ = ("celery_app",)
