"""Theme / sentiment / safety tagger for patient feedback (QDC v7).

Pure Python (spaCy, numpy, scipy; scikit-learn for training only) and Django-free, so the
Django app, Celery workers and the benchmark all call the same code::

    from insight_hub.themes.ml import TagInput, load_tagger

    tagger = load_tagger()                      # committed model, cached per process
    [result] = tagger.tag([TagInput("Long wait but lovely nurses", "nonspecific")])
    result.themes[0].label, tagger.version
"""

from .data import model_labels
from .evaluation import evaluate, format_report
from .tagger import DEFAULT_MODEL_DIR, Tagger, load_tagger
from .training import train
from .types import (
    QUESTION_TYPES,
    SAFETY_KINDS,
    SENTIMENTS,
    LocalTheme,
    SafetySignal,
    SentenceResult,
    TagInput,
    TagResult,
    ThemeTag,
)

__all__ = [
    "DEFAULT_MODEL_DIR",
    "QUESTION_TYPES",
    "SAFETY_KINDS",
    "SENTIMENTS",
    "LocalTheme",
    "SafetySignal",
    "SentenceResult",
    "TagInput",
    "TagResult",
    "Tagger",
    "ThemeTag",
    "evaluate",
    "format_report",
    "load_tagger",
    "model_labels",
    "train",
]
