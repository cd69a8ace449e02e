"""Words redaction knows: staff titles, relatives, NHS words that are never names, words that make a name a
place's, and the given-name lists (``insight_hub/privacy/data/given_names/``, see its README)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from insight_hub.privacy.wordlist import GIVEN_NAMES_THAT_ARE_WORDS, common_words

GIVEN_NAMES_DIR = Path(__file__).resolve().parents[1] / "data" / "given_names"
ENGLISH_WORDS = Path(__file__).resolve().parents[1] / "data" / "english" / "british_english_words.txt"

UPPER = "A-ZÀ-ÖØ-Þ"
LOWER = "a-zß-öø-ÿ"
# Patel, O'Neill, D’Souza, McDonald, MacLeod, Smith-Jones, Zoë.
NAME_WORD = (
    rf"(?:[{UPPER}][{LOWER}]*['’][{UPPER}][{LOWER}]+"
    rf"|(?:Mc|Mac)?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?)"
)
NAME_WORD_RE = re.compile(NAME_WORD)
# I'm, there's, OT's: the word without its clitic is what could be a name (O'Neill keeps its apostrophe).
CLITIC_RE = re.compile(r"['’](?:s|m|d|ve|ll|re)\Z|n['’]t\Z|['’]\Z", re.IGNORECASE)

STAFF_TITLES = {
    "dr": "[doctor]",
    "doctor": "[doctor]",
    "prof": "[professor]",
    "professor": "[professor]",
    "sister": "[sister]",
    "nurse": "[nurse]",
    "staff nurse": "[staff nurse]",
    "charge nurse": "[charge nurse]",
    "matron": "[matron]",
    "midwife": "[midwife]",
    "paramedic": "[paramedic]",
}
# Titles written short, which alone take a full stop ("Dr. Smith"); "the doctor. Nobody" is two sentences.
ABBREVIATED_TITLES = frozenset({"dr", "prof"})
# Roles that make "Mr Khan the consultant" a member of staff.
STAFF_ROLES = {
    "consultant": "[consultant]",
    "surgeon": "[surgeon]",
    "registrar": "[registrar]",
    "doctor": "[doctor]",
    "gp": "[GP]",
    "nurse": "[nurse]",
    "midwife": "[midwife]",
    "anaesthetist": "[anaesthetist]",
    "physio": "[physiotherapist]",
    "physiotherapist": "[physiotherapist]",
    "pharmacist": "[pharmacist]",
    "paramedic": "[paramedic]",
}
# Job words a first name often follows: "my care coordinator Bex", "the Polish interpreter, Marta".
# fmt: off
ROLE_NOUNS = (
    "coordinator", "co-ordinator", "worker", "keyworker", "interpreter", "therapist", "psychologist",
    "psychiatrist", "counsellor", "consultant", "nurse", "doctor", "midwife", "visitor", "practitioner",
    "assistant", "manager", "lead", "leader", "officer", "physio", "physiotherapist", "ot", "cpn", "hca",
    "receptionist", "volunteer", "facilitator", "advocate", "chaplain", "dentist", "hygienist", "artist",
    "teacher", "tutor", "carer", "matron", "student", "trainee", "paramedic", "driver", "cleaner", "porter",
    "pharmacist", "surgeon", "registrar", "gp", "mentor", "navigator", "link", "specialist", "dietitian",
    "dietician", "secretary", "administrator", "admin", "nursery nurse", "health visitor", "social worker",
    "support worker", "key worker", "named nurse",
)
RELATIVES = (
    "husband", "wife", "partner", "son", "daughter", "child", "mum", "mom", "mother", "dad", "father",
    "brother", "sister", "grandson", "granddaughter", "grandma", "grandmother", "grandad", "granddad",
    "grandfather", "nan", "nana", "nanna", "gran", "granny", "aunt", "auntie", "uncle", "niece", "nephew",
    "cousin", "friend", "carer", "baby", "boy", "girl", "fiancé", "fiancée", "fiance", "fiancee",
    "neighbour", "stepson", "stepdaughter",
)
# Words next to a name that show it names a place, a service or a thing: Rainbow Ward, Arnold Lodge,
# St Mary's Hospital, the Recovery College, East Midlands Ambulance Service.
PLACE_WORDS = frozenset({
    "ward", "wards", "hospital", "hospitals", "unit", "centre", "center", "clinic", "surgery", "practice",
    "hospice", "infirmary", "trust", "house", "wing", "suite", "building", "road", "street", "lane",
    "avenue", "way", "park", "hall", "court", "school", "ambulance", "foundation", "nhs", "medical", "health",
    "service", "services", "team", "teams", "lodge", "group", "groups", "project", "programme", "program",
    "course", "college", "university", "academy", "nursery", "club", "society", "association", "charity",
    "network", "hub", "garden", "gardens", "village", "manor", "grange", "villa", "camp", "prison", "home",
    "bay", "café", "cafe", "shop", "station", "library", "church", "chapel", "mosque", "temple", "council",
    "partnership", "department", "dept", "company", "ltd", "limited", "pharmacy", "place", "close", "drive",
    "square", "gate", "green", "estate", "syndrome", "disease", "palsy", "choir", "event", "events",
})
# After a possessive a place word is capitalised (St Mary's Hospital; Kirsty's team is Kirsty's), except
# the names of conditions (Down's syndrome, Alzheimer's disease).
CONDITION_WORDS = frozenset({"syndrome", "disease", "palsy", "disorder"})

# NHS vocabulary, brands and festivals the NER model mistakes for names. Checked as a phrase and word by
# word, so "Care Opinion" and "Paracetamol" both survive.
NHS_VOCABULARY = frozenset({
    "nhs", "a&e", "pals", "gp", "gps", "ics", "icb", "cqc", "ccg", "pcn", "111", "999", "covid",
    "care opinion", "healthwatch", "macmillan", "marie curie", "mr men", "mr man",
    "paracetamol", "ibuprofen", "codeine", "morphine", "oramorph", "sertraline", "amoxicillin",
    "insulin", "warfarin", "omeprazole", "tramadol", "diazepam", "fluoxetine", "citalopram",
    # Care words the small NER model takes for a name when one opens a sentence.
    "restraint", "triage", "discharge", "aftercare", "physio", "physiotherapy", "rehab", "pharmacy",
    "radiology", "maternity", "reception", "paramedic", "paramedics", "medic", "crew", "driver",
    # Brands, events and everyday proper nouns that are nobody's name.
    "covid-19", "covid19", "coronavirus", "corona", "brexit", "xmas", "santa", "bingo", "zoom", "whatsapp",
    "facebook", "youtube", "google", "netflix", "tesco", "asda", "aldi", "lidl", "sainsbury's", "morrisons",
    "boots", "amazon", "peppa pig", "peppa", "lego", "god", "jesus", "allah", "ramadan", "eid", "diwali",
    "halloween", "oscars", "nhs111", "sky", "bbc", "itv",
})
# fmt: on
MONTHS_AND_DAYS = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday christmas easter
    """.split()  # noqa: SIM905 - a word list reads better as words
)
# Pronouns and determiners start the next clause when a line break is lost ("To Lesley We wouldn't…", a
# title made from a card's lines): never a surname, never the end of a name.
_FUNCTION_WORDS = frozenset(
    """
    i we you he she they it me us him them my our your his her their its this that these those
    """.split()  # noqa: SIM905 - a word list reads better as words
)
NOT_NAMES = NHS_VOCABULARY | MONTHS_AND_DAYS | {"the", "and", *RELATIVES} | _FUNCTION_WORDS

# Given names that are words so plain that a person's context must show they name someone
# (GIVEN_NAMES_THAT_ARE_WORDS of the word list, and these the Moby lists hold).
_PLAIN_WORD_NAMES = frozenset(
    """
    page hall young king ward bar case lane field gay long price rich star storm sunday field rock river
    wood stone may august march winter christian precious blessing major son baby ever joy happy
    """.split()  # noqa: SIM905 - a word list reads better as words
)


@functools.cache
def given_names() -> frozenset[str]:
    """Every given name on the shipped lists, lowercase."""
    names: set[str] = set()
    for path in sorted(GIVEN_NAMES_DIR.glob("*.txt")):
        if path.name.startswith(("LICENSE", "NOTICE")):
            continue
        names |= {
            line.strip().lower()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
    return frozenset(names - NOT_NAMES - PLACE_WORDS)


@functools.cache
def wordy_names() -> frozenset[str]:
    """Given names that are also common words (Grace, Will, Mark, Hazel): a person's context must show they
    name someone, a verb after them is enough ("Mark explained"). Names that are rarer words (Phoebe, Mike)
    are not guarded: the dictionary holds too many of them."""
    words = GIVEN_NAMES_THAT_ARE_WORDS | _PLAIN_WORD_NAMES | everyday_names()
    return frozenset(name for name in given_names() if name in words)


@functools.cache
def everyday_names() -> frozenset[str]:
    """Given names that are everyday words in feedback (Care, North, Page): only a greeting, a role word, a
    possessive or a name listed beside them shows they name someone; "Care was good" is not."""
    from spacy.lang.en.stop_words import STOP_WORDS  # deferred with the rest of spaCy

    return frozenset(name for name in given_names() if name in common_words() or name in STOP_WORDS)


@functools.cache
def english_words() -> frozenset[str]:
    """SCOWL's British English words, lowercase (``data/english/README.md``)."""
    return frozenset(ENGLISH_WORDS.read_text(encoding="utf-8").split())


def bare(word: str) -> str:
    """A word as the lists hold it: lowercase, without a clitic ("Hazel's" -> "hazel")."""
    return CLITIC_RE.sub("", word.lower())


def is_vocabulary(phrase: str, never_names: Iterable[str] = NOT_NAMES) -> bool:
    never = never_names if isinstance(never_names, frozenset) else frozenset(never_names)
    normalised = " ".join(phrase.lower().split())
    return normalised in never or all(word in never for word in normalised.split())


def alternation(words: Iterable[str]) -> str:
    # Longest first so that "staff nurse" wins over "nurse".
    ordered = sorted(words, key=lambda word: (-len(word), word))
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)
