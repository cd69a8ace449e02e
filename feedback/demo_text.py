"""The words of the demo's survey comments (`feedback.demo`): what people say, by the kind of care they had.

A comment names what the person went through (a crisis team, a midwife, a dialysis pickup), so each service
draws from the texts of its own kind of care (`care_kind`) plus a few that fit anywhere (`ANYWHERE_*`). Kinds
are finer than FFT settings where one setting covers different care: a community mental health team is not
a mental health ward, a district nurse is not a community hospital's rehabilitation ward, and patient
transport is not a 999 response. A service whose kind has no texts of its own (GP, dental, other) draws from
the anywhere texts alone.
"""

from __future__ import annotations

# Fit any service: kindness, being listened to, thanks, language and dignity.
ANYWHERE_GOOD = [
    "Staff explained everything clearly and answered all my questions.",
    "Everyone introduced themselves and I always knew who was looking after me.",
    "They listened to me and involved my family in decisions about my care.",
    "Staff were clearly busy but still found time to be kind.",
    "Outstanding care, could not fault anything at all.",
    "Quick, efficient and very professional service.",
    "I felt safe and well looked after from start to finish.",
    "Treated with dignity and respect the whole way through.",
]
ANYWHERE_IMPROVE = [
    "I wasn't offered an interpreter even though I asked for one.",
    "I had to repeat my story to five different people.",
    "Communication between teams was poor and my notes went missing.",
    "Please call me Mr Okafor, not love or darling.",
    "More information for carers about what to expect at home would help.",
    "Honestly nothing, it was all excellent.",
]
# Nonspecific answers ("Why did you give that rating?") fit any service too.
NONSPECIFIC = [
    "Mixed experience, some staff brilliant and others not interested.",
    "Care was good once I was seen but the wait was far too long.",
    "Thank you to the whole team.",
    "Better than my last visit.",
]

# Kind of care -> (what was good, what could improve).
BY_KIND: dict[str, tuple[list[str], list[str]]] = {
    "emergency_department": (
        [
            "I was seen quicker than I expected and the doctor was very thorough.",
            "Triage was quick and the nurse kept checking on me while I waited.",
            "The waiting area was calm and there was a play corner for the children.",
            "The consultant took time to explain the scan results in plain English.",
            "Doctor Khan was very reassuring and clearly knew his stuff.",
            "They got my pain under control quickly once I was in a cubicle.",
        ],
        [
            "I waited over six hours in A&E with no update on what was happening.",
            "The waiting room was too hot and there was nowhere to get water.",
            "Signage in the hospital is confusing and I got lost twice.",
            "Please have more chairs in the corridor, I had to stand for an hour.",
            "I spent the night on a trolley in the corridor.",
            "The car park machines don't take cards and the charges are too high.",
        ],
    ),
    "hospital_ward": (
        [
            "The nurses on the ward were kind and always had time for a chat.",
            "The ward was spotless and the toilets were always clean.",
            "Food was hot, tasty and there was a good choice for my diet.",
            "The healthcare assistants were so patient helping me wash and dress.",
            "My pain was managed well and staff checked on me regularly.",
            "The discharge was well organised and my medicines were ready on time.",
            "Staff treated my dad with dignity even when he was confused.",
            "Porters and domestic staff were cheerful and made the stay easier.",
            "The stroke team were amazing, they acted fast and saved my husband.",
            "Nurse Sarah went above and beyond, nothing was too much trouble.",
            "The ward sister kept us updated every day by phone.",
            "The chaplain came to sit with me when I was on my own.",
            "Loved the volunteer who brought the tea trolley round.",
            "Being able to phone the ward directly made a real difference.",
        ],
        [
            "Nobody told us when my mum was going to be discharged, we found out on the day.",
            "Discharge took all day waiting for medication from pharmacy.",
            "The food was cold by the time it reached me and there was no vegetarian option.",
            "One nurse on nights was rude and dismissive when I asked for pain relief.",
            "It was very noisy at night and I hardly slept.",
            "The toilets on the ward were not cleaned often enough.",
            "My hearing aid was lost on the ward and nobody took responsibility.",
            "Call bells went unanswered for a long time.",
            "No one checked whether I had eaten, my tray was taken away full.",
            "Visiting hours are too short for people who work.",
            "There was no privacy when the doctor discussed my condition on the ward.",
            "The Wi-Fi doesn't work so I couldn't contact my family.",
            "Staff did not wash their hands before examining me.",
            "Doctors spoke over me to my daughter as if I wasn't there.",
            "Nobody explained the side effects of my new tablets.",
        ],
    ),
    "maternity": (
        [
            "The midwives were brilliant, calm and reassuring throughout my labour.",
            "The team respected my wishes about how I wanted to give birth.",
            "I saw the same midwife at every antenatal appointment.",
            "The breastfeeding support on the postnatal ward was fantastic.",
            "My partner was made to feel welcome and could stay with us.",
            "The sonographer explained the scan and let us take our time.",
        ],
        [
            "I felt my concerns about my baby were not taken seriously.",
            "My partner was sent home at night just after our daughter was born.",
            "The postnatal ward was noisy and I could not rest with my baby.",
            "I waited hours for my induction to start with no explanation.",
            "Nobody helped me with feeding on the postnatal ward.",
            "I saw a different midwife at every appointment and had to repeat everything.",
        ],
    ),
    "outpatients": (
        [
            "The letters and text reminders about my appointment were really useful.",
            "Everything ran to time and I was in and out within the hour.",
            "The consultant took time to explain my test results in plain English.",
            "The interpreter was booked in advance so my mother could understand everything.",
            "Good communication between the GP and the hospital for once.",
            "Booking my follow-up was simple and I got a date that suited my work.",
            "The fracture clinic was quick and the nurse was lovely with my son.",
        ],
        [
            "Parking is a nightmare, I drove round for 40 minutes and nearly missed my appointment.",
            "The car park machines don't take cards and the charges are too high.",
            "My appointment was cancelled twice by text with no explanation.",
            "I could not get through on the phone to change my appointment.",
            "The letter with my results arrived after the appointment to discuss them.",
            "It took weeks to get a follow-up appointment.",
            "The wheelchair access at the main entrance is poor.",
            "The clinic was running an hour late and nobody told us why.",
        ],
    ),
    "community_mental_health": (
        [
            "The crisis team phoned back within the hour and really helped.",
            "My care coordinator understands me and never rushes our sessions.",
            "Finally someone listened to me instead of just changing my tablets.",
            "The group sessions helped me feel less alone.",
            "My CPN helped me write a safety plan that I actually use.",
            "The duty worker called back the same day when I was struggling.",
        ],
        [
            "Mental health support after discharge was non-existent, I was left on my own.",
            "My care plan was never shared with me.",
            "I have been on the waiting list for therapy for over a year with no contact.",
            "The crisis line rang out when I needed it most.",
            "My care coordinator changed three times in six months.",
            "Nobody explained the side effects of my new medication.",
        ],
    ),
    "mental_health_ward": (
        [
            "Staff on the ward made me feel safe when I was at my lowest.",
            "My rights under the Mental Health Act were explained in a way I understood.",
            "We could get out into the garden every day.",
            "The activities coordinator kept us busy and it really helped.",
            "The ward was calm and staff always had time to talk.",
            "Staff involved my family in planning my discharge.",
        ],
        [
            "Nothing to do all day on the ward.",
            "Nobody explained my rights when I was sectioned.",
            "I did not feel safe at night on the ward.",
            "My leave kept being cancelled because there were not enough staff.",
            "I was restrained and nobody explained why afterwards.",
            "The food was the same every day.",
        ],
    ),
    "rehabilitation_ward": (
        [
            "The physio team really pushed me and I'm walking again thanks to them.",
            "The therapists set goals with me and we met every one.",
            "The ward was spotless and the toilets were always clean.",
            "Staff helped me practise the stairs before I went home.",
            "They arranged support at home before I left.",
            "The healthcare assistants were so patient helping me wash and dress.",
        ],
        [
            "There was no therapy at weekends and I lost ground.",
            "Therapy sessions were cancelled when staff were off sick.",
            "I was sent home without the equipment I needed.",
            "It was very noisy at night and I hardly slept.",
            "The food was cold by the time it reached me and there was no vegetarian option.",
            "Call bells went unanswered for a long time.",
        ],
    ),
    "district_nursing": (
        [
            "My district nurse always turns up on time and treats me with respect.",
            "The nurses dress my leg at home so I don't have to travel.",
            "They showed my wife how to help with my medication.",
            "The same nurse comes most weeks and knows my history.",
        ],
        [
            "The district nurse visit times are unpredictable, I waited in all day.",
            "A different nurse every visit, and each one did the dressing differently.",
            "I could not get through on the phone to the district nursing team.",
            "Nobody came on the day they promised and no one rang to say.",
        ],
    ),
    "emergency_ambulance": (
        [
            "The paramedics were fantastic, they kept my mum calm and comfortable.",
            "The call handler stayed on the line and talked me through CPR.",
            "The ambulance arrived within minutes and the crew were brilliant.",
            "The crew explained everything they were doing on the way to hospital.",
        ],
        [
            "The ambulance took over three hours to arrive for my elderly father.",
            "My mum lay on the floor for hours waiting for an ambulance.",
            "The call handler asked the same questions over and over.",
            "We waited in the ambulance outside A&E for two hours.",
        ],
    ),
    "patient_transport": (
        [
            "The transport driver helped me right to my front door.",
            "Patient transport picked me up on time for every dialysis session.",
            "The drivers are cheerful and always check I am comfortable.",
            "The booking line was easy to use and confirmed my pickup.",
        ],
        [
            "The transport came late and I missed half of my dialysis slot.",
            "I waited three hours after my appointment for transport home.",
            "Nobody answered the transport booking line.",
            "The vehicle was cold and the seat belt was broken.",
        ],
    ),
}

# Settings whose services are all one kind of care.
KIND_OF_SETTING = {
    "ae": "emergency_department",
    "inpatient": "hospital_ward",
    "maternity": "maternity",
    "outpatient": "outpatients",
}


def care_kind(setting: str, service_name: str) -> str:
    """The kind of care a service gives, from its FFT setting and, where a setting covers more than one kind
    (mental health, community, ambulance), from words in its name. '' when no kind fits."""
    name = service_name.lower()
    if setting in KIND_OF_SETTING:
        return KIND_OF_SETTING[setting]
    if setting == "mental_health":
        return "mental_health_ward" if ("ward" in name or "inpatient" in name) else "community_mental_health"
    if setting == "community":
        return "district_nursing" if ("district" in name or "home" in name) else "rehabilitation_ward"
    if setting == "ambulance":
        return "patient_transport" if "transport" in name else "emergency_ambulance"
    return ""


def texts_for(setting: str, service_name: str) -> tuple[list[str], list[str]]:
    """(what was good, what could improve): the texts of a service's kind of care, empty when it has none (the
    anywhere texts are drawn beside them)."""
    return BY_KIND.get(care_kind(setting, service_name), ([], []))
