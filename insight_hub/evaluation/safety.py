"""Real-text evaluation: safety. (To be filled in: evaluate(data) -> list[Figure].)"""

from __future__ import annotations

from insight_hub.evaluation.figures import Figure, RealText


def evaluate(data: RealText) -> list[Figure]:
    return [Figure(name="safety", value="not measured yet")]
