"""Safety signals read with precision: concerns stated plainly are flagged with their sentence; praise, idiom,
negation and recovery are not. The sentences are our own words, written after reading real stories."""

from __future__ import annotations

import pytest

from insight_hub.themes.ml import SAFETY_KINDS, TagInput, TagResult
from insight_hub.themes.ml.rules import RULES_VERSION

CONCERNS = [
    ("Dad's pain was ignored for six hours.", "neglect"),
    ("I was in severe pain all night and nobody came.", "neglect"),
    ("She was left in agony on a trolley.", "neglect"),
    ("He had no pain relief until the next morning.", "neglect"),
    ("She was prescribed morphine but it was never given.", "medication_error"),
    ("The nurses never gave her the morphine she was prescribed.", "medication_error"),
    ("My mum was given the wrong dose of insulin.", "medication_error"),
    ("Staff refused to give me my PRN medication.", "medication_error"),
    ("Since the crisis I have been left without any medication.", "medication_error"),
    ("I think the team have put me on a dose that is far too high.", "medication_error"),
    ("He was sent home without his medicines.", "unsafe_discharge"),
    ("Mum was discharged without a care plan.", "unsafe_discharge"),
    ("They discharged him far too early.", "unsafe_discharge"),
    ("She was sent home while still unable to walk.", "unsafe_discharge"),
    ("Mum was discharged with no care package.", "unsafe_discharge"),
    ("He was sent home still bleeding.", "unsafe_discharge"),
    ("He fell out of bed twice in one night.", "harm"),
    ("He was sent home without his tablets and fell that night.", "harm"),
    ("Nobody checked on her and she was found on the floor.", "harm"),
    ("There were bruises on her arms that nobody could explain.", "harm"),
    ("He was restrained by five staff, far more force than was needed.", "harm"),
    ("I don't feel safe on this ward at night.", "harm"),
    ("I never felt safe on that ward and nobody listened.", "harm"),
    ("Mum was left wet and unchanged for most of the afternoon.", "neglect"),
    ("My father was left in soiled sheets.", "neglect"),
    ("She was left in her own urine for hours.", "neglect"),
    ("Staff ignored his requests for a drink of water.", "neglect"),
    ("I feel neglected by the community team.", "neglect"),
    ("I am feeling suicidal and the crisis team will not call me back.", "self_harm_or_suicide"),
    ("I want to end it and I can get no help at all.", "self_harm_or_suicide"),
    ("I have lost the will to live.", "self_harm_or_suicide"),
    ("I self harmed on the ward and nobody noticed.", "self_harm_or_suicide"),
    ("After my overdose I was sent home with no follow up.", "self_harm_or_suicide"),
    ("A support worker slapped my brother.", "abuse"),
    ("Another patient assaulted me and the staff did nothing.", "abuse"),
    ("I felt threatened by one of the night nurses.", "abuse"),
    ("I raised a safeguarding concern about how my son was treated.", "safeguarding"),
]

NOT_CONCERNS = [
    # negation, resolution, recovery
    "Now I'm on the right tablets I don't feel suicidal anymore.",
    "I am no longer self-harming and I drink much less.",
    "I have been self harm free for two months now.",
    "I used to self-harm every week but the group helped me stop.",
    "I have not been restrained since the spring.",
    "I never felt unsafe on the ward.",
    "He has never been threatening to anyone.",
    "There were no bruises and no injuries.",
    "The nurse made sure I was never in pain.",
    # history that led to good care
    "I was admitted after my second overdose and the care was wonderful.",
    "After my suicide attempt the crisis team visited every day and saved my life.",
    "I had a fall at home and the ambulance crew were brilliant.",
    "I was discharged home with the support of the home treatment team.",
    # idiom
    "When the nurses arrived the weight fell from my shoulders.",
    "The facilitators pushed me just enough in the group.",
    "Lockdown had pushed me to the edge but the team brought me back.",
    "The reality hit me hard when treatment started.",
    "My complaints fell on deaf ears.",
    "A filling fell out, and the dentist fixed it the same day.",
    "He can now act in any life threatening situation.",
    "I am learning to take my own tablets.",
    "The staff were killing it, brilliant team.",
    # topics named in passing
    "His behaviour led to drug abuse, and the team got to the root of it.",
    "When topics come up, e.g. abuse, there should be more therapy offered.",
    "The suicide prevention training was excellent.",
    "It is a struggle to find activities that reduce self-harm.",
    # plain praise and neutral care
    "The right tablets, on time.",
    "Staff give me my medication on time every day.",
    "My pain was managed really well by the nurses.",
    "Self check-in was easy.",
    "I was left on my own to relax, which I appreciated.",
    "I was discharged home with no problems.",
    "I was sent home still smiling.",
    "I have been without medication for six months thanks to therapy.",
    "They gave me extra medication when I was distressed, which helped.",
    "I never felt safe until I came here.",
    "No pain relief was needed after the extraction.",
]


def tag_one(tagger, text: str) -> TagResult:
    return tagger.tag([TagInput(text, "nonspecific")])[0]


@pytest.mark.parametrize(("text", "kind"), CONCERNS)
def test_a_plain_concern_is_flagged_with_its_sentence(tagger, text: str, kind: str) -> None:
    result = tag_one(tagger, text)
    assert result.critical, text
    signal = next((s for s in result.safety if s.kind == kind), None)
    assert signal is not None, [s.kind for s in result.safety]
    assert signal.kind in SAFETY_KINDS
    assert text[signal.start : signal.end] == text
    assert signal.start <= signal.match_start < signal.match_end <= signal.end


@pytest.mark.parametrize("text", NOT_CONCERNS)
def test_praise_idiom_negation_and_recovery_raise_no_signal(tagger, text: str) -> None:
    result = tag_one(tagger, text)
    assert result.safety == [] and not result.critical, [
        (s.kind, text[s.match_start : s.match_end]) for s in result.safety
    ]


def test_a_story_keeps_each_signal_on_its_own_sentence(tagger) -> None:
    text = (
        "The ward staff were kind to my dad and I want to thank them. "
        "But his pain was ignored for six hours on the first night. "
        "He was prescribed morphine but it was never given. "
        "He was sent home without his medicines and fell that night."
    )
    result = tag_one(tagger, text)
    by_kind = {s.kind: text[s.start : s.end] for s in result.safety}
    assert by_kind == {
        "neglect": "But his pain was ignored for six hours on the first night.",
        "medication_error": "He was prescribed morphine but it was never given.",
        "unsafe_discharge": "He was sent home without his medicines and fell that night.",
        "harm": "He was sent home without his medicines and fell that night.",
    }
    themes = {t.label: text[t.start : t.end] for t in result.themes}
    assert themes["Pain management"] == "But his pain was ignored for six hours on the first night."
    assert (
        themes["Supplying & understanding medication"] == "He was prescribed morphine but it was never given."
    )
    assert themes["Discharge"] == "He was sent home without his medicines and fell that night."


def test_a_suicide_attempt_told_as_history_needs_a_failure_of_care_nearby(tagger) -> None:
    cared_for = "My son attempted suicide in May. The ward looked after him with great kindness."
    failed = "My son attempted suicide in May. The crisis team never rang back."
    assert tag_one(tagger, cared_for).safety == []
    [signal] = tag_one(tagger, failed).safety
    assert signal.kind == "self_harm_or_suicide"
    assert failed[signal.start : signal.end] == "My son attempted suicide in May."


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Left in agony with no pain relief for hours.", "Pain management"),
        ("She was never given her tablets on the ward.", "Supplying & understanding medication"),
        ("There was a medication error on the ward.", "Supplying & understanding medication"),
        ("Sent home at midnight with no plan.", "Discharge"),
        ("The discharge letter never reached the GP.", "Discharge"),
    ],
)
def test_keyword_rules_give_concern_sentences_their_theme(tagger, text: str, theme: str) -> None:
    tags = {t.label: t for t in tag_one(tagger, text).themes}
    assert theme in tags
    assert text[tags[theme].start : tags[theme].end] == text


def test_the_rules_version_is_part_of_the_tagger_version(tagger) -> None:
    """Stored tags are skipped while (text hash, version) is unchanged: new rules must change the version."""
    assert tagger.version.startswith("qdc7-") and f"+{RULES_VERSION}" in tagger.version
    assert len(tagger.version) <= 80  # Comment/Story.tagged_model_version
