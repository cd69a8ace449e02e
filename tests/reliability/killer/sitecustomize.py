"""Loaded only by the process-killing poison test's worker (its PYTHONPATH starts with this folder): the real
tagger, except that one text kills the pool process outright (SIGKILL), as a segfault in a native library or
the OOM killer would. Nothing else in the worker changes."""

import os
import signal

from celery.signals import worker_process_init

KILLER = "this text kills the worker process"


class KillerTagger:
    def __init__(self, real):
        self.real = real
        self.version = real.version

    def tag(self, items, local_themes=None):
        if any(KILLER in item.text for item in items):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.real.tag(items, local_themes=local_themes)


def _arm_the_tagger(**_):  # in each pool process, after the fork
    from insight_hub.themes import services

    real = services.load_tagger
    services.load_tagger = lambda *args, **kwargs: KillerTagger(real(*args, **kwargs))


worker_process_init.connect(_arm_the_tagger, weak=False)
