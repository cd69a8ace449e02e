"""The QDC framework v7 as shipped in `data/qdc_taxonomy.json` (copied from the shared data: the product
never reads outside its own tree). Free of heavy imports, so migrations can use it."""

from __future__ import annotations

import json
from pathlib import Path

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "qdc_taxonomy.json"
QDC_NAME = "QDC framework"
QDC_VERSION = "v7"
# The quality dimension each QDC sub-category mostly bears on; anything not listed is experience.
QDC_DIMENSIONS = {
    "Feeling safe": "safety",
    "Cleanliness, tidiness & infection control": "safety",
    "Supplying & understanding medication": "safety",
    "Discharge": "safety",
    "Mental Health Act": "safety",
    "Competence & training": "effectiveness",
    "Timeliness of care": "effectiveness",
    "Continuity of care": "effectiveness",
    "Pain management": "effectiveness",
    "Staffing levels & responsiveness": "effectiveness",
    "Organisation & efficiency": "effectiveness",
}


def qdc_themes(path: Path = TAXONOMY_FILE) -> list[dict[str, str]]:
    """The sub-categories a model predicts (e.g. not the website's "Not assigned"), with their category."""
    data = json.loads(path.read_text(encoding="utf-8"))
    modelled = set(data["model_labels_in_order"])
    return [
        {
            "name": sub["subcategory"],
            "category": category["category"],
            "description": sub.get("description", ""),
            "dimension": QDC_DIMENSIONS.get(sub["subcategory"], "experience"),
        }
        for category in data["categories"]
        for sub in category["subcategories"]
        if sub["subcategory"] in modelled
    ]
