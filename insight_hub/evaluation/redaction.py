"""Real-text evaluation: redaction. (To be filled in: evaluate(data) -> list[Figure].)"""

from __future__ import annotations

from insight_hub.evaluation.figures import Figure, RealText


def evaluate(data: RealText) -> list[Figure]:
    return [Figure(name="redaction", value="not measured yet")]
