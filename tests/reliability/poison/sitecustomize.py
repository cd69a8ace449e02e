"""Loaded only by the poison test's worker (its PYTHONPATH starts with this folder): the real tagger, except
that one text makes it raise, as a bug or a pathological input would. Nothing else in the worker changes."""

from celery.signals import worker_process_init


def _poison_the_tagger(**_):  # in each pool process, after the fork
    from insight_hub.themes import services
    from tests.themes.conftest import PoisonTagger

    real = services.load_tagger
    services.load_tagger = lambda *args, **kwargs: PoisonTagger(real(*args, **kwargs))


worker_process_init.connect(_poison_the_tagger, weak=False)
