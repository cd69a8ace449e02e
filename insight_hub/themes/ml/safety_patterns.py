"""The safety rules' word lists: spaCy ``Matcher`` patterns (the cue words) and the phrases the closer look
reads around each cue (negation, resolution, idiom, topic, and the care-failure context a mention needs).

Patterns match lower-cased tokens from the tokenizer only (no tagger, lemmatiser or parser), so inflections
are spelt out with ``IN`` lists or ``REGEX``. spaCy splits "didn't" into "did" + "n't" and "I'm" into
"I" + "'m"; the curly apostrophe of real text ("n’t") is listed too.

Each rule group has a *strength*:

* ``strong``: the words state a concern themselves ("sent home without her tablets", "left in soiled
  sheets", "I feel suicidal"); kept unless negated, resolved or idiomatic;
* ``weak``: the words name something that is often history or a topic rather than a failure of care ("after
  my overdose I was admitted", "she had a fall at home", "drug abuse"); kept only when the sentence or its
  neighbours also say that care failed (``FAILURE``) or, for some groups, a cue of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Pattern = list[dict[str, Any]]


def w(words: str) -> dict[str, Any]:
    """A token that is one of the space-separated ``words``."""
    return {"LOWER": {"IN": words.split()}}


def opt(token: dict[str, Any]) -> dict[str, Any]:
    return {**token, "OP": "?"}


SELF = w("myself herself himself themselves themself yourself")
POSS = w("my her his their your our the any a some its")
PERSON = w(
    "me him her them us you my his patient patients mum dad son daughter mother father wife husband partner "
    "grandmother grandfather nan"
)
NEG = w("not never n't n’t nt no")
# Word lists rather than REGEX tokens: the Matcher tests a REGEX with a Python call on every token.
MED = w(
    "medication medications medicine medicines meds tablet tablets pill pills dose doses dosage dosages drug "
    "drugs prescription prescriptions insulin injection injections antibiotic antibiotics morphine oramorph "
    "paracetamol painkiller painkillers analgesia inhaler inhalers prn antidepressant antidepressants "
    "antipsychotic antipsychotics clozapine lithium methadone warfarin"
)
GIVE = w("given gave give received receive get got administered offered had")
DISCHARGED = w("discharged discharging released sent")
TO_WHOM = w("me him her them us you")
WHO = opt(w("me him her them us mum dad"))
HOME = opt(w("home back out"))
DISCHARGE_NEED = w(
    "medication medications medicine medicines meds tablets prescription prescriptions care support package "
    "plan transport follow followup help aftercare equipment assessment dressings insulin painkillers pain "
    "food money anyone anybody check checks referral crisis safety discharge"
)
PAIN = w("pain agony painkillers analgesia")
FALL_PLACE = w("bed chair commode toilet trolley stretcher wheelchair hoist bath shower")


@dataclass(frozen=True)
class RuleGroup:
    kind: str
    strength: str  # "strong" or "weak"
    patterns: list[Pattern]
    # For weak groups: cues (lowercased-text regex) that also count as context, besides FAILURE.
    cues: re.Pattern[str] | None = None
    # "window" = the sentence and two sentences either side (``safety.WINDOW_SENTENCES``); "sentence" = the
    # sentence only.
    scope: str = "window"
    # Whether FAILURE counts as context for a weak group (pain and staffing need their own cues).
    failure_counts: bool = True


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Care failed: the context a weak mention needs. Lowercased text; real text has curly apostrophes.
_NT = r"(?:n[’']?t| not)"
FAILURE = _re(
    r"\b(?:refus\w*|turned (?:\w+ )?away|ignor\w*|dismiss\w*|fobbed|no (?:help|support|treatment|"
    r"follow[- ]?up|care plan|response|answer|contact)|"
    r"(?:nobody|no one|no-one) (?:came|listened|helped|called|rang|cared|checked|bothered|answered|responded|"
    r"would|wanted|seemed|took|noticed|did|believed)|"
    r"(?:was|were|is|are|am|be|been|being)" + _NT + r" (?:\w+ly )?(?:listened|helped|seen|taken seriously|"
    r"supported|given|offered|checked|monitored|believed|assessed)|"
    r"(?:did|do|does|would|could|wo|ca)" + _NT + r" (?:listen|help|call|ring|come|respond|turn up|check|"
    r"bother|get back|follow up|offer|refer|provide)|unable to (?:offer|help|see|provide|support)|"
    r"be bothered|abrupt\w*|patroni[sz]\w*|uncaring|"
    r"wait(?:ed|ing)? (?:for )?(?:over |more than |nearly |almost )?(?:\d+|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve|eighteen|several|many) (?:hours|weeks|months|years)|"
    r"never (?:rang|called|came|turned up|got back|followed up|listened|received)|"
    r"left (?:alone|on (?:my|his|her|their) own|to (?:cope|suffer|fend)|without)|"
    r"sent (?:\w+ )?home (?:without|with no|too|still)|"
    r"discharged (?:\w+ )?(?:without|with no|too|prematurely|despite)|"
    r"waiting list|still waiting|let down|failed|failing|unsafe|not safe|neglect\w*|laugh(?:ed|ing)? at|"
    r"rude|shouted|unsupported|without (?:any )?(?:help|support)|prematurely|too (?:early|soon)|"
    r"lack of (?:care|support|staff)|short[- ]staffed|understaffed|not enough staff|"
    r"despite (?:me |my |her |his |our )?(?:asking|begging|telling|raising|concerns|requests)|"
    r"kept (?:for hours|waiting)|deprived|inhumane|disgust\w*|appall\w*|negligen\w*|complain\w*|"
    r"unanswered|abandon\w*)\b"
)

# Words that mean the cue is negated when they stand just before it in the same clause.
NEGATORS = frozenset(
    {"not", "n't", "n’t", "nt", "no", "never", "without", "nothing", "nor", "none", "cannot"}
)
# A clause ends here: a negator before it does not reach the cue.
CLAUSE_BREAKS = frozenset(
    {"but", "and", "because", "although", "though", "which", "who", "that", "when", "so", "until", "after"}
)
# After the cue in the same clause: the state is over.
RESOLVED_AFTER = frozenset({"anymore", "free"})
RESOLVED_AFTER_PAIRS = (("any", "more"), ("no", "longer"), ("at", "bay"))
# Just before the cue (within three tokens): the cue is something reduced, prevented or left behind.
RESOLVED_BEFORE = frozenset(
    {
        "stop", "stopped", "stopping", "reduce", "reduced", "reducing", "prevent", "prevented", "preventing",
        "prevention", "avoid", "avoided", "overcome", "overcame", "beat", "beaten", "less", "fewer", "longer",
        "recovered", "recovering", "recovery", "free", "instead", "rather", "away", "history",
    }
)  # fmt: skip
RESOLVED_BEFORE_PAIRS = (("used", "to"),)
# The cue names a topic, not an event: "drug abuse", "e.g. self-harm", "suicide prevention", "self harm
# group".
TOPIC_BEFORE = frozenset(
    {
        "drug",
        "drugs",
        "substance",
        "alcohol",
        "solvent",
        "e.g.",
        "eg",
        "i.e.",
        "ie",
        "including",
        "such",
        "details",
    }
)
TOPIC_AFTER = frozenset(
    {
        "prevention", "awareness", "training", "course", "group", "groups", "team", "teams", "service",
        "services", "workshop", "cycle", "module", "session", "sessions", "policy", "lead", "leads",
        "procedures", "procedure", "assessment", "assessments", "level", "levels", "board", "charity",
    }
)  # fmt: skip
# Idioms and fixed phrases that contain a cue word but describe no harm; dropped when they overlap the cue.
IDIOMS = _re(
    r"\bweight (?:\w+ )?(?:fell|fallen|lifted|was lifted) (?:off|from)|\bfell on deaf ears|"
    r"\bfell (?:through|apart|asleep|behind|pregnant|in love|into place|short|silent|flat|by the wayside)|"
    r"\bfell out\b(?! of)|\b(?:life|non)[- ]?threatening|\binsult to injury|\bassault cycle|"
    r"\bkicked (?:me|him|her|them|us) out|\bself[- ]?neglect|\bbruised ego|\bkilling it\b|"
    r"\b(?:it|reality|realisation|realization|truth|news|this|that|everything|challenges|what|which|grief|"
    r"depression|lockdown|covid)(?: \w+){0,2} (?:hit|pushed) (?:me|us|him|her)\b|"
    r"\bpushed (?:me|him|her|us|them) (?:just )?(?:enough|to|forward|further|out of|through|along|on)\b|"
    r"\bhit (?:me|us|him|her) (?:hard|that|how|like)\b|"
    r"\b(?:no|without) (?:any )?(?:pain ?relief|pain ?killers|analgesia|pain medication)(?: \w+){0,2} "
    r"(?:needed|required|necessary)"
)


# fmt: off
RULE_GROUPS: dict[str, RuleGroup] = {
    # -- self-harm and suicide --------------------------------------------------------------------------
    "suicide_now": RuleGroup("self_harm_or_suicide", "strong", [
        [w("am 'm ’m is are feel feels feeling still currently"),
         opt(w("so very really extremely quite feeling constantly")), w("suicidal")],
        [w("want wants wanting"), w("to"), w("die")],
        [w("want wants wanting"), w("to"), w("kill end hurt harm"),
         w("myself herself himself themselves it my his her their")],
        [w("thinking thoughts think"), w("about of"),
         w("suicide killing harming hurting ending dying self self-harm taking")],
        [w("have having getting"), w("suicidal"), w("thoughts feelings ideation urges")],
        [w("lost"), w("the"), w("will"), w("to"), w("live")],
        [w("no"), w("reason"), w("to"), w("live")],
        [w("tries trying keeps"), opt(w("trying")), w("to"), w("kill harm hurt end commit")],
        [w("still keep keeps currently"), w("self"), opt(w("-")), w("harm harming harmed")],
    ]),
    "suicide_mention": RuleGroup("self_harm_or_suicide", "weak", [
        [w("suicide suicides suicidal suicidality")],
        [w("self self-harm self-harming selfharm"), opt(w("-")), w("harm harming harmed harms")],
        [w("self-harm self-harming self-harmed selfharm selfharming overdose overdosed overdoses "
           "overdosing")],
        [w("kill killing killed kills"), SELF],
        [w("end ending ended take taking took taken"), w("my her his their your"), opt(w("own")),
         w("life lives")],
        [w("cut cutting hurt hurting harm harming harmed hang hanging hanged"), SELF],
        [w("wanted"), w("to"), w("die")],
    ]),
    # -- safeguarding -------------------------------------------------------------------------------------
    "safeguarding_raised": RuleGroup("safeguarding", "strong", [
        [w("safeguarding"), w("concern concerns alert alerts referral issue issues incident")],
    ]),
    "safeguarding_mention": RuleGroup("safeguarding", "weak", [
        [w("safeguard safeguarding safeguarded safeguards")],
        [w("child"), w("protection")],
        [w("vulnerable"), w("adult adults child children person")],
        [w("domestic financial"), w("abuse violence")],
    ]),
    # -- abuse --------------------------------------------------------------------------------------------
    "abuse_act": RuleGroup("abuse", "strong", [
        [w("hit slapped punched kicked shoved grabbed strangled manhandled assaulted"), PERSON],
        [w("pushed dragged threw thrown"), PERSON,
         w("over down against onto away off aside back around about across")],
        [w("sexual sexually inappropriately"),
         w("touch touched touching assault assaulted abused harass harassed harassment")],
        [w("threatened"), w("me him her us them with to my our")],
        [w("felt feel feeling was were been being am 'm ’m"), opt(w("very really so quite")),
         w("threatened intimidated")],
    ]),
    "abuse_mention": RuleGroup(
        "abuse", "weak",
        [[w("abuse abused abuses abusive abusing assault assaulted assaults bullied bullying bully harass "
            "harassed harassment")]],
        cues=_re(
            r"\b(?:staff|nurses?|carers?|doctors?|security|hcas?|workers?|managers?|consultants?|"
            r"psychiatrists?|other patients?|another patient|on the ward|in hospital)\b"
        ),
        scope="sentence",
    ),
    # -- neglect ------------------------------------------------------------------------------------------
    "neglect": RuleGroup("neglect", "strong", [
        [w("neglect neglected neglectful neglecting")],
        [w("pressure bed"), w("sore sores ulcer ulcers")],
        [w("left"), w("in on lying sitting"), opt(POSS), opt(w("own")),
         w("urine faeces feces excrement vomit soiled wet floor dirty")],
        [w("left"),
         w("soiled unattended dehydrated starving wet thirsty unwashed naked dirty unchanged")],
        [w("no without"), w("food water drink"), w("or and"), w("food water drink")],
        [w("deprived"), w("of"), w("food water drink drinks toilet bathroom fluids")],
        [w("ignored refused denied"), opt(w("my his her their our")), opt(w("requests request pleas")),
         opt(w("for")),
         opt(w("a the some")), w("toilet bathroom commode bedpan water drink food")],
    ]),
    "pain_ignored": RuleGroup("neglect", "strong", [
        [w("pain agony"), opt(w("was were being been")), w("ignored dismissed disregarded")],
        [w("ignored dismissed"), w("my his her their the"), w("pain")],
        [w("left"), w("in"), opt(w("so severe terrible excruciating extreme a such")),
         opt(w("much lot of severe terrible")),
         opt(w("of pain")), w("pain agony")],
        [w("no without"), opt(w("any")), w("pain"), w("relief killers medication")],
        [w("no without"), opt(w("any")), w("painkillers analgesia")],
    ]),
    "pain_mention": RuleGroup(
        "neglect", "weak", [[PAIN]],
        cues=_re(
            r"\b(?:ignor\w*|dismiss\w*|no one|nobody|no-one|refused|denied|"
            r"for (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|many) "
            r"(?:hours|days)|"
            r"all night|overnight|hours later|"
            r"nothing (?:was )?done|(?:did|do|would|could)" + _NT + r" (?:do|give|get|come|check|listen)|"
            r"(?:was|were)" + _NT + r" given|not given|never given|kept waiting|no response|begg\w*|plead\w*|"
            r"screaming|until the next day)\b"
        ),
        scope="sentence", failure_counts=False,
    ),
    # -- harm: falls, injury, restraint, unsafe care ------------------------------------------------------
    "harm": RuleGroup("harm", "strong", [
        [w("bruise bruises bruised bruising")],
        [w("fell fallen falling"), w("out off"), opt(w("of")), opt(POSS), FALL_PLACE],
        [w("fell fall falls fallen"), w("on in"), w("the"), w("ward unit corridor")],
        [w("found lying left"), opt(w("him her me them mum dad")), w("on"), w("the"), w("floor")],
        [w("unwitnessed repeated several multiple numerous two three further"), w("falls")],
        [w("wrong incorrect"), w("patient leg arm limb eye kidney tooth")],
        [w("never serious"), w("event incident incidents")],
        [w("feel feels"), opt(w("very really so quite totally")), w("unsafe")],
        [w("unsafe"), w("ward wards staffing environment levels place conditions care practice")],
        [w("not n't n’t nt"), w("feel"), opt(w("very really at")), opt(w("all")), w("safe")],
    ]),
    "harm_mention": RuleGroup(
        "harm", "weak",
        [
            [w("harmed injured injury injuries")],
            [w("felt feeling"), opt(w("very really so quite totally")), w("unsafe")],
            [NEG, w("felt feeling"), opt(w("very really at")), opt(w("all")), w("safe")],
            [w("fell fallen"),
             w("over down on off and again twice that during in out from when while whilst")],
            [w("had has have a another"), w("fall falls")],
        ],
    ),
    "restraint": RuleGroup(
        "harm", "weak",
        [
            [w("restrain restrained restraint restraints restraining")],
            [w("held pinned pinning holding"), w("down")],
        ],
        cues=_re(r"\b(?:excessive\w*|unnecessar\w*|forc\w*|rough\w*|violent\w*|bruis\w*|injur\w*)\b"),
    ),
    "unsafe_staffing": RuleGroup(
        "harm", "weak",
        [
            [w("not"), w("enough"), w("staff nurses carers")],
            [w("short under"), opt(w("-")), w("staffed")],
            [w("understaffed short-staffed")],
            [w("staff staffing"), w("shortages shortage")],
        ],
        cues=_re(r"\b(?:unsafe|not safe|danger\w*|at risk|risky|incidents?)\b|n[’']?t (?:feel|felt) safe"),
        scope="sentence", failure_counts=False,
    ),
    # -- discharge ----------------------------------------------------------------------------------------
    "unsafe_discharge": RuleGroup("unsafe_discharge", "strong", [
        [DISCHARGED, WHO, HOME, opt(w("far way")), w("too"), w("early soon quickly")],
        [DISCHARGED, WHO, HOME, w("prematurely")],
        [DISCHARGED, WHO, HOME, w("without w/o"), opt(POSS),
         opt(w("proper adequate prescribed usual care more")),
         DISCHARGE_NEED],
        [DISCHARGED, WHO, HOME, w("with"), w("no"), opt(POSS), opt(w("proper adequate care more")),
         DISCHARGE_NEED],
        [DISCHARGED, WHO, HOME, w("with"), w("nothing")],
        [DISCHARGED, WHO, HOME, w("with on"), opt(POSS), w("wrong incorrect")],
        [DISCHARGED, WHO, HOME, w("at in"), opt(w("the")), w("midnight night middle")],
        [DISCHARGED, WHO, HOME, opt(w("while whilst")), w("still"),
         w("unwell ill in bleeding poorly unable suicidal confused unsteady sick vomiting struggling "
           "needing")],
        [w("unsafe premature inappropriate unsafely"), w("discharge discharged")],
    ]),
    "discharge_plan": RuleGroup(
        "unsafe_discharge", "weak",
        [[w("no without"), opt(w("a any")), w("care discharge crisis safety support"),
         w("plan plans package")]],
        cues=_re(r"\b(?:discharg\w*|sent (?:\w+ )?home|went home|left hospital|leaving hospital)\b"),
        failure_counts=False,
    ),
    # -- medication -------------------------------------------------------------------------------------
    "medication_error": RuleGroup("medication_error", "strong", [
        [w("wrong incorrect double missed missing expired"), MED],
        [w("wrong incorrect"), {"IS_ALPHA": True}, MED],
        [w("medication medicine prescribing prescription drug dispensing dose dosing"),
         w("error errors mistake mistakes mix-up mixup")],
        [w("mistake mistakes error errors"), w("over with in"), opt(POSS), MED],
        [w("not never"), opt(w("been")), GIVE, opt(TO_WHOM), opt(POSS),
         opt(w("prescribed usual regular prn")), MED],
        [w("n't n’t nt"), opt(w("been")), GIVE, opt(TO_WHOM), opt(POSS),
         opt(w("prescribed usual regular prn")), MED],
        [w("not never n't n’t nt"), opt(w("been")), GIVE, opt(POSS), w("pain"), w("relief")],
        [MED, opt(w("was were had have")), w("not never n't n’t"), opt(w("been")),
         w("given administered dispensed ordered prescribed available brought")],
        [w("prescribed"), opt({"IS_ALPHA": True}), w("but and"), opt(w("it they this")), opt(w("was were")),
         w("not never n't n’t"), w("given administered")],
        [w("refused refuse refuses refusing forgot forgotten forget"), opt(w("to")),
         w("give let bring order"),
         opt(PERSON), opt(POSS), opt(w("prn usual regular")), MED],
        [w("left"), w("without"), opt(POSS), MED],
        [w("ran run running runs"), w("out"), w("of"), opt(POSS), MED],
        [w("dose dosage doses"), opt(w("that which")), opt(w("is was were are")), opt(w("way far much")),
         w("too"),
         w("high low much strong")],
        [w("too"), w("high low big strong much"), w("a"), w("dose dosage")],
    ]),
}
# fmt: on
