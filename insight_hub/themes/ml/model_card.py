"""MODEL_CARD.md for a trained tagger, generated from the training summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD_FILE = "MODEL_CARD.md"


def _scores_section(cv: dict[str, Any] | None) -> list[str]:
    if not cv:
        return ["Cross-validation was skipped for this build (`cv=0`).", ""]
    lines = [
        f"Pooled out-of-fold scores, {cv['folds']}-fold cross-validation (seed {cv['seed']}); each fold's",
        "model tunes its thresholds by its own inner 3-fold CV and never sees its evaluation fold.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| micro-F1 (all labels) | {cv['micro_f1']:.4f} |",
        f"| macro-F1 ({cv['macro_labels']} labels present in gold) | {cv['macro_f1']:.4f} |",
        f"| sentiment accuracy (3-class, {cv['sentiment_rows']} rows) | {cv['sentiment_accuracy']:.4f} |",
        "",
        "| label | F1 |",
        "|---|---|",
    ]
    lines += [f"| {label} | {f1:.2f} |" for label, f1 in cv["per_label_f1"].items()]
    return [*lines, ""]


def write_model_card(out_dir: Path, summary: dict[str, Any]) -> None:
    counts = summary["label_counts"]
    lines = [
        f"# Theme tagger `{summary['version']}`",
        "",
        f"Trained {summary['trained_at']} with seed {summary['seed']} by `insight_hub.themes.ml.train`.",
        "",
        "## Licence",
        "",
        "The **weights in this directory** are derived from the training data and carry its licence:",
        "**CC BY-NC-SA 4.0** (attribution, non-commercial, share-alike). This is separate from the",
        "code in `insight_hub/themes/ml/`, which is MIT-licensed like the rest of the project.",
        "",
        "## Data",
        "",
        f"- `{summary['data']['file']}`: {summary['data']['rows']} Friends and Family Test comments",
        "  (NEAS and NHFT) labelled with QDC v7 sub-categories and a 1–5 sentiment score, from the",
        "  pxtextmining project (The Strategy Unit / NHS England), CC BY-NC-SA 4.0.",
        f"- Human corrections included: {summary['data']['corrections']}.",
        "- Sentiment is collapsed to 3 classes: 1–2 positive, 3 neutral/mixed, 4–5 negative.",
        "",
        "## Model",
        "",
        "spaCy 3.8 pipeline: blank English tokenizer, line-break + punctuation sentence splitting,",
        "`qdc_linear` (TF-IDF word 1–2-grams, character 2–5-grams, question-type-conjoined words",
        "and the question type; class-weighted one-vs-rest linear SVMs for 32 QDC labels and for",
        "3-class sentiment; per-label thresholds and Platt-scaled confidences from inner CV; at",
        "least one label per comment), `safety_rules` (Matcher) and keyword rules for labels with",
        "too few examples (Parking). Inputs at tagging time: text and question type only.",
        "Texts over 1,500 characters are scored sentence by sentence and aggregated (max).",
        "",
        "## Cross-validated scores",
        "",
        *_scores_section(summary.get("cross_validation")),
        "## Training label counts",
        "",
        "| label | comments |",
        "|---|---|",
        *[f"| {label} | {n} |" for label, n in counts.items()],
        "",
        f"Sentiment: {', '.join(f'{k} {v}' for k, v in summary['sentiment_counts'].items())}.",
        "",
        "## Limitations",
        "",
        "- Two trusts (ambulance/PTS/111 and community/mental health); expect lower accuracy on",
        "  acute, maternity and primary care feedback until local corrections are added.",
        "- Labels with fewer than ~30 examples are predicted with low recall.",
        "- 'Labelling not possible' is never learnt; it is assigned to texts with no words.",
        "- Safety signals are keyword rules for triage to a human, not a clinical judgement.",
        "",
    ]
    (out_dir / CARD_FILE).write_text("\n".join(lines), encoding="utf-8")
