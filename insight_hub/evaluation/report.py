"""Run every part of the real-text evaluation and print its figures."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from insight_hub.evaluation.figures import Figure, RealText

# Each module exposes evaluate(data: RealText) -> list[Figure].
PARTS = ("sentiment", "safety", "redaction", "speed")


def run(data: RealText, parts: Iterable[str] = PARTS, write: Callable[[str], None] = print) -> list[Figure]:
    figures: list[Figure] = []
    for part in parts:
        module = importlib.import_module(f"insight_hub.evaluation.{part}")
        write(f"## {part}")
        for figure in module.evaluate(data):
            figures.append(figure)
            write(figure.line())
    return figures
