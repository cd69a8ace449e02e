"""MODEL_CARD.md for a trained tagger, generated from the training summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD_FILE = "MODEL_CARD.md"
STORY_HEADING = "## Story sentiment"
STORY_SUMMARY = Path("story_sentiment") / "story_sentiment.json"


def story_section(summary: dict[str, Any] | None) -> list[str]:
    """The card's section on the story sentiment model (``story_training``), from its saved summary."""
    if not summary:
        return []
    cv = summary.get("cross_validation") or {}
    gold = summary.get("gold", {})
    lines = [
        STORY_HEADING,
        "",
        f"`{summary.get('version', '')}`, trained {summary.get('trained_at', '')} by",
        "`insight_hub.themes.ml.story_training` (`manage.py train_story_sentiment`) into `story_sentiment/`.",
        "",
        "- Data: `care_opinion_stories_dev.csv`, "
        f"{summary.get('data', {}).get('stories', '?')} real patient stories published on Care Opinion",
        f"  ({gold.get('critical', '?')} critical, {gold.get('neither', '?')} neither, "
        f"{gold.get('praise', '?')} praise by the sign of Care Opinion's criticality), from the pxtextmining",
        "  repository (`datasets/phase_1/co.csv`), **CC BY-NC-SA 4.0**. Its features also carry the comment",
        "  model's sentence scores, so it depends on `px_feedback_train.csv` (CC BY-NC-SA 4.0) as well: the",
        "  weights carry that licence, apart from the code's MIT licence.",
        f"- Comment model whose sentence scores it reads: `{summary.get('comment_model', '')}`;",
        "  retrain the story model whenever the comment model changes.",
        "- Model: logistic regression (class-balanced, C = "
        f"{summary.get('c', '?')}) over aggregates of the sentence scores (mean, share, max, top two, first",
        "  and last sentence, whole-text scores; no length, so few sentences cannot stand for praise), the",
        "  story's complaint and praise language per",
        "  sentence (`story_language`: share of complaint sentences, contrasts such as but / however /",
        "  unfortunately, negated praise, suggestions, questions; general word lists, not mined from the",
        "  stories), both standardised with weight "
        f"{summary.get('aggregate_weight', '?')}, and the story's word 1–2-gram TF-IDF, L1-normalised (a",
        "  weighted mean of its words' weights, the same footing for a short story as for a long one).",
        f"  Read as positive when P(praise) ≥ {summary.get('high', '?')}, negative below "
        f"{summary.get('low', '?')}, otherwise mixed",
        "  (strong positive and strong negative sentences) or neutral; the sentences that carry the reading",
        '  are kept as evidence. Used only for stories (`TagInput(kind="story")`).',
        "- Settings and thresholds are chosen by cross-validation inside the training stories only",
        f"  ({summary.get('inner', '?')}), never on the stories scored: C and the feature",
        f"  weight among {summary.get('settings_tried', '?')} by ROC AUC, then an asymmetric rule because a",
        "  critical story read as praise is the worst error (it hides a concern from the board): the",
        "  praise threshold is the lowest that at most "
        f"{_percent(summary.get('critical_positive_budget'))} of training critical stories reach, the",
        "  critical threshold the one with the best polarity F1 that calls at most "
        f"{_percent(summary.get('praise_negative_budget'))} of praise negative.",
        "",
    ]
    if cv:
        lines += [
            f"Pooled out-of-fold figures, {cv.get('folds')}-fold stratified cross-validation of the",
            f"stories (seed {cv.get('seed')}): each fold read by a model fitted on the other four; the",
            "committed model is then fitted on all of them. Each fold's model chose its own settings and",
            'thresholds inside its four training folds, as above. Gold "neither" (criticality 0) and',
            "mixed/neutral readings count as neither.",
            "",
            "| figure | value |",
            "|---|---|",
            *[
                f"| {name.replace('_', ' ')} | {cv[name]} |"
                for name in (
                    "polarity_f1",
                    "f1_negative",
                    "f1_positive",
                    "agreement",
                    "praise_tagged_negative",
                    "critical_tagged_positive",
                    "mixed_or_neutral",
                )
                if name in cv
            ],
            "",
        ]
    lines += [
        "Limitations: one mental health and community trust's stories; short Care Opinion stories are",
        "mostly thanks, and although no feature measures length now, a short story has few words to go on",
        "and its reading rests on the general word lists and the comment model's sentence scores; sarcasm",
        '("it shows how good this service is") and critical stories told mostly as thanks can still read',
        "positive; about one story in nine reads mixed or neutral, the price of keeping critical stories",
        "out of praise. The grid of settings and the word lists were settled while working on these",
        "stories (only the thresholds and the choice within the grid are made blind, inside the folds), so",
        "the figures above are somewhat optimistic for stories the model has not seen.",
        "",
    ]
    return lines


def _percent(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "?"


def update_story_section(model_dir: Path, summary: dict[str, Any]) -> None:
    """Replace (or add) the story section of an existing card, leaving the comment model's part as it is."""
    card = model_dir / CARD_FILE
    if not card.is_file():
        return
    text = card.read_text(encoding="utf-8")
    head = text.split(STORY_HEADING)[0].rstrip("\n")
    card.write_text("\n".join([head, "", *story_section(summary)]), encoding="utf-8")


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
        *(
            [
                f"| sentiment accuracy, text only (the same rows, FFT ratings hidden) | "
                f"{cv['sentiment_accuracy_text_only']:.4f} |"
            ]
            if "sentiment_accuracy_text_only" in cv
            else []
        ),
        "",
        *(
            [
                "Sentiment is scored with each comment's FFT rating where the file has one",
                f"({cv['rated_rows']} rows), as the hub tags a comment with its response's; the text-only",
                "row is what a comment without a rating gets. Themes never read the rating.",
                "",
            ]
            if "rated_rows" in cv
            else []
        ),
        "| label | F1 |",
        "|---|---|",
    ]
    lines += [f"| {label} | {f1:.2f} |" for label, f1 in cv["per_label_f1"].items()]
    return [*lines, ""]


def _gamma_text(gammas: Any) -> str:
    """``{"0.5": 20, "0.75": 12}`` -> "0.5 for 20 labels, 0.75 for 12"; older summaries held one number."""
    if isinstance(gammas, dict) and gammas:
        parts = [f"{g} for {n}" for g, n in gammas.items()]
        return parts[0] + " labels" + "".join(f", {p}" for p in parts[1:])
    return str(gammas if gammas is not None else "?")


def _dense_text(words: Any) -> str:
    if not words:
        return "absent in this build: too few texts to learn vectors"
    return (
        f"50-d vectors of {words} word stems learnt from the training texts alone by PPMI + SVD, as in "
        "`word_vectors.py`"
    )


def _rated_text(rows: Any) -> str:
    return f"the {rows} training comments with a rating" if rows else "no rated comments (so it is absent)"


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
        "Two data sets, both CC BY-NC-SA 4.0: `px_feedback_train.csv` (comments: themes and sentiment)",
        "and `care_opinion_stories_dev.csv` (stories: story sentiment, see the last section).",
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
        "3-class sentiment; the theme SVMs on NB-SVM-scaled features (each feature scaled per label",
        "by |log-ratio of its frequency in the label's positives and negatives| ^ gamma, gamma chosen",
        f"per label by inner CV: {_gamma_text(summary.get('theme_nb_gamma'))}; the scale folded into the",
        "weights), and beside them the unit mean word vector of the comment's content words",
        f"({_dense_text(summary.get('dense_words'))}; weight 0.5, not NB-scaled; the sentiment SVMs",
        "do not read it); per-label thresholds and Platt-scaled",
        "confidences from inner CV; when no label passes its threshold, the one nearest its own threshold",
        "(margin − threshold) among labels whose training comments carry the comment's sentiment reading",
        "in at least 5% of cases (add-one smoothed shares stored with the model), else none),",
        "`safety_rules` (Matcher) and keyword rules for labels with",
        "too few examples (Parking). Inputs at tagging time: text and question type, and for a comment's",
        "own sentiment the FFT answer of its response when it has one (1 very good … 5 very poor, 6 don't",
        "know): a second multinomial logistic calibrator reads the three text margins (out-of-fold, as",
        "for the text-only one) beside the one-hot rating, "
        f"fitted on {_rated_text(summary.get('rated_rows'))}. Without",
        "a rating (stories, sentences, comments of surveys without the FFT question) every score is the",
        "text-only model's, unchanged by the ratings. The file's `fft_score` 7 (no answer) counts as none.",
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
        *story_section(_story_summary(out_dir)),
    ]
    (out_dir / CARD_FILE).write_text("\n".join(lines), encoding="utf-8")


def _story_summary(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / STORY_SUMMARY
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("summary")
