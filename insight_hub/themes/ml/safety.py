"""Safety rules: spaCy ``Matcher`` patterns that flag comments for urgent human review.

These are deliberately recall-oriented: a false alarm costs a reviewer a few seconds, a
miss can cost far more. They are not a substitute for the trust's safeguarding process.
Patterns match on lower-cased tokens from the tokenizer only (no tagger or lemmatiser), so
inflections are spelt out with ``IN`` lists or ``REGEX``.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from .doctext import doc_text

SAFETY_SPAN_KEY = "safety"

Pattern = list[dict[str, Any]]


def _lower_in(*words: str, optional: bool = False) -> dict[str, Any]:
    token: dict[str, Any] = {"LOWER": {"IN": list(words)}}
    if optional:
        token["OP"] = "?"
    return token


_SELF = _lower_in("myself", "herself", "himself", "themselves", "themself", "yourself")
_POSSESSIVE = _lower_in("my", "her", "his", "their", "your", "own")
_OPT_DET = _lower_in("the", "a", "an", "my", "her", "his", "their", "some", optional=True)
_MEDICINE = {
    "LOWER": {
        "REGEX": r"^(medications?|medicines?|meds|tablets?|pills?|doses?|dosages?|drugs?|"
        r"prescriptions?|insulin|injections?|antibiotics?)$"
    }
}
_KILL = _lower_in("kill", "killing", "killed", "kills")
_HIT = _lower_in(
    "hit", "slapped", "punched", "kicked", "pushed", "shoved", "grabbed", "restrained", "strangled"
)
_PERSON = _lower_in(
    "me", "him", "her", "them", "us", "my", "his", "patient", "patients", "mum", "dad", "son", "daughter"
)
_DISCHARGED = _lower_in("discharged", "discharge", "sent", "released")

SAFETY_PATTERNS: dict[str, list[Pattern]] = {
    "self_harm_or_suicide": [
        [{"LOWER": {"REGEX": r"^suicid"}}],
        [
            {"LOWER": {"IN": ["self", "self-harm", "self-harming", "selfharm"]}},
            {"LOWER": "-", "OP": "?"},
            {"LOWER": {"REGEX": r"^harm"}},
        ],
        [{"LOWER": {"IN": ["self-harm", "self-harming", "selfharm", "overdose", "overdosed", "overdosing"]}}],
        [_KILL, _SELF],
        [
            {"LOWER": {"IN": ["end", "ending", "ended", "take", "taking", "took"]}},
            _POSSESSIVE,
            {"LOWER": {"IN": ["own", "life"]}},
            {"LOWER": "life", "OP": "?"},
        ],
        [
            {"LOWER": {"IN": ["cut", "cutting", "hurt", "hurting", "harm", "harming", "hang", "hanging"]}},
            _SELF,
        ],
        [{"LOWER": {"IN": ["want", "wanted", "wanting", "wants"]}}, {"LOWER": "to"}, {"LOWER": "die"}],
    ],
    "safeguarding": [
        [{"LOWER": {"REGEX": r"^safeguard"}}],
        [{"LOWER": "child"}, {"LOWER": "protection"}],
        [{"LOWER": "vulnerable"}, {"LOWER": {"IN": ["adult", "adults", "child", "children", "person"]}}],
        [{"LOWER": {"IN": ["domestic", "financial"]}}, {"LOWER": {"IN": ["abuse", "violence"]}}],
    ],
    "abuse": [
        [
            {
                "LOWER": {
                    "REGEX": r"^(abuse[ds]?|abusive|abusing|assault(ed|s)?|bull(ied|ying)|harass(ed|ment)?)$"
                }
            }
        ],
        [_HIT, _PERSON],
        [
            {"LOWER": {"REGEX": r"^(sexual(ly)?|inappropriately)$"}},
            {"LOWER": {"REGEX": r"^(touch(ed|ing)?|assault(ed)?|abused|harass(ed|ment))$"}},
        ],
        [{"LOWER": {"IN": ["threatened", "threatening"]}}],
    ],
    "neglect": [
        [{"LOWER": {"REGEX": r"^neglect(ed|ful|ing)?$"}}],
        [{"LOWER": {"IN": ["pressure", "bed"]}}, {"LOWER": {"IN": ["sore", "sores", "ulcer", "ulcers"]}}],
        [
            {"LOWER": "left"},
            {"LOWER": {"IN": ["in", "on", "lying", "sitting"]}},
            _OPT_DET,
            {"LOWER": {"IN": ["urine", "faeces", "feces", "excrement", "vomit", "soiled", "wet", "floor"]}},
        ],
        [{"LOWER": "left"}, {"LOWER": {"IN": ["soiled", "unattended", "dehydrated", "starving"]}}],
        [
            {"LOWER": {"IN": ["no", "without"]}},
            {"LOWER": {"IN": ["food", "water"]}},
            {"LOWER": {"IN": ["or", "and"]}},
            {"LOWER": {"IN": ["food", "water", "drink"]}},
        ],
    ],
    "harm": [
        [{"LOWER": {"IN": ["harmed", "injured", "injury", "injuries", "bruised", "bruises", "bruising"]}}],
        [
            {"LOWER": {"IN": ["had", "have", "a"]}, "OP": "?"},
            {"LOWER": "fall"},
            {"LOWER": {"IN": ["on", "in", "while", "whilst"]}},
        ],
        [
            {"LOWER": {"IN": ["fell", "dropped"]}},
            {"LOWER": {"IN": ["out", "off", "from", "over", "on", "down"]}},
        ],
        [
            {"LOWER": {"IN": ["wrong", "incorrect"]}},
            {"LOWER": {"IN": ["patient", "leg", "arm", "side", "limb", "eye"]}},
        ],
        [{"LOWER": {"IN": ["never", "serious"]}}, {"LOWER": {"IN": ["event", "incident"]}}],
    ],
    "unsafe_discharge": [
        [
            _DISCHARGED,
            {"LOWER": "home", "OP": "?"},
            {"LOWER": {"IN": ["too", "far"]}},
            {"LOWER": {"IN": ["early", "soon", "quickly"]}},
        ],
        [
            _DISCHARGED,
            {"LOWER": "home", "OP": "?"},
            {"LOWER": {"IN": ["without", "with", "on", "in", "at"]}},
            {"LOWER": {"IN": ["no", "the", "a", "any"]}, "OP": "?"},
            {
                "LOWER": {
                    "REGEX": r"^(wrong|incorrect|night|midnight|middle|care|support|package|medications?|"
                    r"medicines?|tablets?|transport|pain|still|unwell|assessment)$"
                }
            },
        ],
        [{"LOWER": {"IN": ["unsafe", "premature", "inappropriate"]}}, {"LOWER": "discharge"}],
        [{"LOWER": "sent"}, {"LOWER": "home"}, {"LOWER": {"IN": ["still", "while", "whilst"]}}],
    ],
    "medication_error": [
        [
            {
                "LOWER": {
                    "IN": [
                        "wrong",
                        "incorrect",
                        "double",
                        "extra",
                        "missed",
                        "missing",
                        "out-of-date",
                        "expired",
                    ]
                }
            },
            _MEDICINE,
        ],
        [{"LOWER": {"IN": ["wrong", "incorrect"]}}, {"IS_ALPHA": True}, _MEDICINE],
        [
            {
                "LOWER": {
                    "IN": ["medication", "medicine", "prescribing", "prescription", "drug", "dispensing"]
                }
            },
            {"LOWER": {"IN": ["error", "errors", "mistake", "mistakes", "mix-up", "mixup"]}},
        ],
        [
            {"LOWER": {"IN": ["not", "never"]}},
            {"LOWER": {"IN": ["given", "gave", "received", "got"]}},
            {"LOWER": {"IN": ["my", "her", "his", "their", "the", "any"]}},
            _MEDICINE,
        ],
    ],
}


def _first_required_token_regex(pattern: Pattern) -> str:
    """A regex for the text of the first non-optional token: if it is absent from the
    text, the pattern cannot match."""
    token = next(t for t in pattern if t.get("OP") != "?")
    spec = token["LOWER"]
    if isinstance(spec, str):
        return re.escape(spec)
    if "IN" in spec:
        return "|".join(re.escape(w) for w in spec["IN"])
    return spec["REGEX"].lstrip("^").rstrip("$")


def build_prefilter() -> re.Pattern[str]:
    """One regex over the raw text that every safety hit must pass. The token Matcher is
    the slowest step of tagging; ~90% of comments contain none of these words and skip it."""
    alternatives = {_first_required_token_regex(p) for patterns in SAFETY_PATTERNS.values() for p in patterns}
    return re.compile(r"\b(?:" + "|".join(f"(?:{a})" for a in sorted(alternatives)) + ")", re.IGNORECASE)


# What the lowercased text must contain wherever a token matches: one of these words, or a regex match.
_Need = tuple[str, ...] | re.Pattern[str]


def _token_need(token: dict[str, Any]) -> _Need | None:
    """None when the token does not constrain the text. A token's lowercase form is a substring of the
    lowercased text, so each need is a necessary condition for the token to match."""
    spec = token.get("LOWER")
    if spec is None:
        return None
    if isinstance(spec, str):
        return (spec,)
    if "IN" in spec:
        return tuple(spec["IN"])
    return re.compile(spec["REGEX"].removeprefix("^").removesuffix("$"))


def build_pattern_checks() -> list[list[_Need]]:
    """For each pattern, what its required tokens need: if any need is unmet, the pattern cannot match.
    Unlike the prefilter this needs every required word of some pattern ("no food or water", not just
    "no"), so it rules out most of the comments the prefilter lets through."""
    checks = []
    for patterns in SAFETY_PATTERNS.values():
        for pattern in patterns:
            needs = [
                need
                for token in pattern
                if token.get("OP") not in ("?", "*")
                for need in [_token_need(token)]
                if need is not None
            ]
            # Word lists first (a substring test is cheaper than a regex), rarest-looking (longest) first.
            needs.sort(
                key=lambda n: (isinstance(n, re.Pattern), -min(map(len, n)) if isinstance(n, tuple) else 0)
            )
            checks.append(needs)
    return checks


def _may_match(checks: list[list[_Need]], lower: str) -> bool:
    """``lower`` is the lowercased text."""
    return any(
        all(
            any(word in lower for word in need) if isinstance(need, tuple) else need.search(lower)
            for need in needs
        )
        for needs in checks
    )


def build_matcher(vocab: Any) -> Matcher:
    matcher = Matcher(vocab)
    for kind, patterns in SAFETY_PATTERNS.items():
        matcher.add(kind, patterns)
    return matcher


class SafetyRules:
    """Pipeline component: writes every rule hit to ``doc.spans["safety"]`` (label = kind)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.matcher = build_matcher(nlp.vocab)
        self.prefilter = build_prefilter()
        # The same regex for lowercased ASCII text, where it finds exactly what the case-insensitive one
        # finds (its letters are all lowercase) at a quarter of the cost.
        self.prefilter_lower = re.compile(self.prefilter.pattern)
        self.pattern_checks = build_pattern_checks()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        lower = text.lower()
        prefilter = self.prefilter_lower.search(lower) if text.isascii() else self.prefilter.search(text)
        # Both checks are necessary conditions for a hit, so the matcher's result is unchanged by them.
        may_match = prefilter and _may_match(self.pattern_checks, lower)
        hits = self.matcher(doc) if may_match else []
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in hits]
        doc.spans[SAFETY_SPAN_KEY] = spans
        return doc


@Language.factory("safety_rules")
def make_safety_rules(nlp: Language, name: str) -> SafetyRules:
    return SafetyRules(nlp, name)
