"""Complaint and praise language of a story, counted per sentence: features the story model reads beside
the comment model's sentence scores.

The comment model learnt from short FFT comments; in a long story it misses complaint words that are rare in
comments ("disgusted", "ignored", "patronising", "refused") and reads "made me feel very angry" as praise. A
critical story told mostly as thanks ("most staff are good… I have been verbally mistreated") is then read as
positive, the worst error for a board: it hides a concern. These word lists are general English complaint
and praise language (not mined from the evaluation stories), so a story's share of complaint sentences, its
contrasts ("but", "however", "unfortunately"), negated praise ("not helpful", "wasn't kind"), suggestions
("should", "need") and questions generalise to stories the model never saw.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LOWER
from spacy.tokens import Doc

from .doctext import doc_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COMPLAINT = _words(
    """
    rude rudely abrupt dismissive dismissed patronising patronizing condescending uncaring unprofessional
    disrespectful disrespected ignored ignoring ignore refused refusing refuse disgusted disgusting
    disgraceful appalling appalled shocking shocked terrible awful horrendous horrible dreadful unacceptable
    angry anger furious upset upsetting distressed distressing frustrated frustrating frustration disappointed
    disappointing disappointment unhappy worried concerned concerns concern complaint complaints complain
    complained complaining failed failure fails failing neglect neglected mistreated lack lacking lacked poor
    worse worst badly wrong mistake mistakes error errors incompetent useless pointless unanswered unsafe
    struggle struggled struggling sadly unfortunately shame ashamed embarrassed humiliated humiliating blamed
    cancelled canceled delayed delay delays chase chased chasing waited nobody nowhere unhelpful uninterested
    inadequate insufficient inappropriate misinformed confused confusing lied lies harassed bullied threatened
    yelled shouted worsened deteriorated suffering suffered closing closure closed cuts expensive difficult
    impossible hopeless helpless abandoned isolated alone rushed lost forgot forgotten missed
    """
)
COMPLAINT_PAIRS = frozenset(
    tuple(pair.split())
    for pair in (
        "let down",
        "no one",
        "not good",
        "not happy",
        "no support",
        "no help",
        "no response",
        "no reply",
        "not enough",
        "not listened",
        "n't listen",
        "not listen",
        "on our",
        "no longer",
        "still waiting",
        "lack of",
        "too long",
        "nowhere near",
        "not acceptable",
        "n't care",
        "not care",
        "no idea",
        "n't bothered",
        "wasting time",
        "had to",
        "took weeks",
        "took months",
        "no contact",
        "not treated",
        "felt ignored",
        "not been",
    )
)
PRAISE = _words(
    """
    thank thanks thankyou grateful gratitude amazing fantastic brilliant excellent wonderful kind kindness
    caring helpful supportive lovely great best fab outstanding compassionate professional recommend
    appreciate appreciated pleased happy superb exceptional friendly welcoming helped perfect marvellous
    incredible fabulous beautiful reassuring reassured understanding patient polite respectful attentive
    efficient
    """
)
CONTRAST = _words("but however although though unfortunately sadly yet despite whereas apart except")
NEGATION = _words("not n't no never nobody nothing none nowhere neither nor cannot")
SUGGESTION = _words(
    "should need needs needed improve improvement improvements wish hope please would could more"
)
NEGATION_REACH = 3  # a praise word with a negation this many words before it is a complaint ("not very kind")

FEATURES = (
    "complaint_density",
    "share_complaint_sentences",
    "share_complaint2_sentences",
    "max_complaint_sentence",
    "praise_density",
    "share_praise_sentences",
    "contrast_density",
    "negation_density",
    "complaint_praise_balance",
    "last_sentence_complaint",
    "first_sentence_complaint",
    "share_complaint_only_sentences",
    "suggestion_density",
    "negated_praise_density",
    "share_questions",
)


def sentence_words(doc: Doc, sentences: list[tuple[int, int]]) -> list[list[str]]:
    """Lower-cased words (no spaces, no punctuation) of each scored sentence, from one attribute array."""
    out: list[list[str]] = [[] for _ in sentences]
    if len(doc) == 0 or not sentences:
        return out
    strings = doc.vocab.strings
    starts = np.array([s for s, _ in sentences])
    ends = np.array([e for _, e in sentences])
    array = doc.to_array([LOWER, IS_SPACE, IS_PUNCT, IDX])
    which = np.searchsorted(starts, array[:, 3].astype(np.int64), side="right") - 1
    for (lower, is_space, is_punct, idx), i in zip(array.tolist(), which.tolist(), strict=True):
        if i >= 0 and idx < ends[i] and not is_space and not is_punct:
            out[i].append(strings[lower])
    return out


def language_features(doc: Doc, sentences: list[tuple[int, int]]) -> np.ndarray:
    """The story's complaint and praise language, in ``FEATURES`` order."""
    words = sentence_words(doc, sentences) or [[]]
    text = doc_text(doc)
    complaints, praise = [], []
    contrast = negation = suggestion = negated_praise = total = 0
    for sentence in words:
        negated = sum(
            1
            for j, w in enumerate(sentence)
            if w in PRAISE and any(x in NEGATION for x in sentence[max(0, j - NEGATION_REACH) : j])
        )
        complaints.append(
            sum(w in COMPLAINT for w in sentence)
            + sum(pair in COMPLAINT_PAIRS for pair in zip(sentence, sentence[1:], strict=False))
            + negated
        )
        praise.append(sum(w in PRAISE for w in sentence) - negated)
        contrast += sum(w in CONTRAST for w in sentence)
        negation += sum(w in NEGATION for w in sentence)
        suggestion += sum(w in SUGGESTION for w in sentence)
        negated_praise += negated
        total += len(sentence)
    c, p, n = np.array(complaints), np.array(praise), max(total, 1)
    questions = float(np.mean(["?" in text[s:e] for s, e in sentences])) if sentences else 0.0
    return np.array(
        [
            c.sum() / n,
            (c > 0).mean(),
            (c > 1).mean(),
            c.max(),
            p.sum() / n,
            (p > 0).mean(),
            contrast / n,
            negation / n,
            (c.sum() - p.sum()) / (c.sum() + p.sum() + 1),
            float(c[-1] > 0),
            float(c[0] > 0),
            ((c > 0) & (p == 0)).mean(),
            suggestion / n,
            negated_praise / n,
            questions,
        ],
        dtype=np.float64,
    )
