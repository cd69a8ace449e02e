"""The common words that let redaction skip a sentence's capitalised first word.

A sentence opens with a capital whatever its first word is ("Staff were lovely", "Felt listened to"), so
the first word alone is a poor sign of a name, yet it used to send four in ten sentences through the NER
model. A Title-case first word that people write in lowercase in feedback is taken as an ordinary word;
any other capitalised word, and every word that is also a given name, still sends its sentence to the model.

The list is made from the tagger's training file, lowercase words seen at least twice, without spaCy's stop
words (never candidates anyway) and without given names that are also words (Will, Hope, Faith)::

    .venv/bin/python -m insight_hub.privacy.wordlist --data ../shared/data/px_feedback_train.csv
"""

from __future__ import annotations

import argparse
import collections
import csv
import functools
import re
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent / "data" / "common_words.txt"
MIN_COUNT = 2

_LOWER_WORD_RE = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*")

# Given names that are also English words: a sentence opening with one always goes to the model.
GIVEN_NAMES_THAT_ARE_WORDS = frozenset(
    """
    amber angel april art autumn bill bob brook bunny carol chance charity chase cliff crystal daisy
    dawn dean destiny don drew earl eve faith frank gene ginger glen grace grant guy harmony hazel
    heather holly honey hope hunter iris ivy jack jade jasmine jay jewel joy june kay ken king lance
    lee lily mark max may melody mercy miles misty nick norm olive pat patience pearl penny pete rich
    rob robin rose ruby rusty sage sally sandy sky sonny stu sue summer sunny ted tim val violet wade
    will willow win woody
    """.split()  # noqa: SIM905 - a word list reads better as words
)
# Stands in for a name someone removed by hand ("XXX was lovely").
NOT_COMMON = frozenset({"x", "xx", "xxx", "xxxx"})


@functools.cache
def common_words() -> frozenset[str]:
    return frozenset(WORDS_FILE.read_text(encoding="utf-8").split())


def build(texts, min_count: int = MIN_COUNT) -> list[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    counts = collections.Counter(word for text in texts for word in _LOWER_WORD_RE.findall(text))
    return sorted(
        word
        for word, count in counts.items()
        if count >= min_count
        and word not in STOP_WORDS
        and word not in GIVEN_NAMES_THAT_ARE_WORDS
        and word not in NOT_COMMON
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the common-word list redaction uses.")
    parser.add_argument("--data", type=Path, required=True, help="CSV with a `text` column")
    args = parser.parse_args()
    with args.data.open(newline="", encoding="utf-8") as handle:
        words = build(row["text"] for row in csv.DictReader(handle))
    WORDS_FILE.parent.mkdir(exist_ok=True)
    WORDS_FILE.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {WORDS_FILE}")


if __name__ == "__main__":
    main()
