"""The words of the synthetic data set (`synthetic.py`): what people say about each theme, which themes each
setting hears most, England's demographic mix, and the sentences stories are built from."""

# What people say about each QDC sub-category: (praise, criticism). Short, plain, like real FFT comments.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "Positive experience & gratitude": (
        ["Everything was brilliant, thank you.", "Could not fault the care I had."],
        ["Not the experience I hoped for.", "Overall it was disappointing."],
    ),
    "Organisation & efficiency": (
        ["Everything ran smoothly and on time.", "Very well organised from start to finish."],
        ["Nobody seemed to know what was happening.", "The whole visit felt disorganised."],
    ),
    "Feeling safe": (
        ["I felt safe and looked after the whole time.", "My mum felt safe in their care."],
        ["I did not feel safe while I was there.", "My father was left alone and felt unsafe."],
    ),
    "Staff manner & personal attributes": (
        ["The nurses were kind and caring.", "Staff were friendly and treated me with respect."],
        ["The receptionist was rude to me.", "One nurse was dismissive and abrupt."],
    ),
    "Staffing levels & responsiveness": (
        ["Staff came quickly whenever I needed them.", "There was always someone around to help."],
        ["They were short staffed and we waited ages for help.", "There was never anyone around to ask."],
    ),
    "Competence & training": (
        ["The doctor clearly knew what she was doing.", "Very professional and skilled team."],
        [
            "The staff did not seem trained to use the equipment.",
            "I lost confidence in the doctor's judgement.",
        ],
    ),
    "Contacting services": (
        ["Easy to get through on the phone.", "The team called me back the same day."],
        ["I could never get through on the phone.", "Emails to the clinic went unanswered."],
    ),
    "Appointment arrangements": (
        ["Booking my appointment was simple.", "They found me an appointment that suited my work."],
        ["My appointment was cancelled twice.", "The letter came after the appointment date."],
    ),
    "Appointment method": (
        ["The video appointment saved me a long journey.", "Glad I could be seen face to face."],
        ["A phone call was not enough for my problem.", "The video link kept failing."],
    ),
    "Timeliness of care": (
        ["I was seen quickly.", "Hardly any wait at all."],
        ["We waited hours to be seen.", "The wait was far too long."],
    ),
    "Staff listening, understanding & involving patients": (
        [
            "The doctor listened and involved me in every decision.",
            "They took time to understand my worries.",
        ],
        ["Nobody listened to what I was telling them.", "I was not involved in decisions about my care."],
    ),
    "Information directly from staff during care": (
        ["The nurse explained each step of the procedure.", "Everything was explained clearly."],
        ["No one explained what the tests were for.", "I left without knowing what was wrong."],
    ),
    "Being kept informed, clarity & consistency of information": (
        ["We were kept up to date throughout.", "The updates on waiting times were helpful."],
        ["We were told different things by different staff.", "Nobody kept us informed about the delay."],
    ),
    "Interaction with family/ carers": (
        ["They made my husband feel welcome and included.", "Staff kept my daughter informed."],
        ["My family could not get any news about me.", "As his carer I was ignored."],
    ),
    "Continuity of care": (
        ["I saw the same person each time.", "The handover between teams was seamless."],
        ["I had to repeat my story to every new doctor.", "My notes did not follow me between services."],
    ),
    "Discharge": (
        [
            "Discharge was well planned and everything was ready.",
            "They arranged support at home before I left.",
        ],
        ["I was sent home without the support I needed.", "We waited all day for discharge medication."],
    ),
    "Supplying & understanding medication": (
        ["The pharmacist explained my new tablets.", "My medicines were ready on time."],
        ["I was given the wrong medication.", "Nobody explained the side effects of my tablets."],
    ),
    "Pain management": (
        ["My pain was well controlled.", "They gave me pain relief straight away."],
        ["I was left in pain for hours.", "My pain relief always came late."],
    ),
    "Cleanliness, tidiness & infection control": (
        ["Everywhere was spotless.", "Very clean and tidy everywhere."],
        ["The toilets were dirty.", "Bins were overflowing."],
    ),
    "Sensory experience": (
        ["The room was quiet and I could rest.", "A calm and peaceful place."],
        ["Too noisy at night to sleep.", "The lights were on all night."],
    ),
    "Environment, facilities & equipment": (
        ["Modern facilities and comfortable chairs.", "The new unit is lovely."],
        ["The waiting room was cramped and uncomfortable.", "Broken equipment everywhere."],
    ),
    "Food & drink provision & facilities": (
        ["The food was hot and tasty.", "Plenty of choice at mealtimes."],
        ["The food was cold and bland.", "No water was left within reach."],
    ),
    "Service location": (
        ["The clinic is close to home.", "Handy to have the service in town."],
        ["The clinic is too far from where I live.", "Hard to find the department."],
    ),
    "Transport to/ from services": (
        ["Patient transport arrived on time.", "The ambulance crew got me home safely."],
        ["Transport home never came.", "I waited three hours for patient transport."],
    ),
    "Parking": (
        ["Parking was easy.", "Plenty of spaces near the entrance."],
        ["Parking is a nightmare and expensive.", "I missed my slot looking for a parking space."],
    ),
    "Activities & access to fresh air": (
        ["The activities coordinator kept us busy.", "We could get out into the garden."],
        ["Nothing to do all day on the ward.", "No chance to get fresh air for weeks."],
    ),
    "Mental Health Act": (
        ["My rights under the Section were explained to me.", "The tribunal process was clear."],
        ["Nobody explained my rights when I was sectioned.", "I was not told why I was detained."],
    ),
}
# Where a theme's words belong to one setting, that setting's own (same count, so the seeded draws match).
SETTING_PHRASES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "ae": {
        "Timeliness of care": (
            ["I was seen quickly.", "Hardly any wait in the department."],
            ["We waited nine hours to be seen.", "Hours on a trolley before I got a bed."],
        ),
    },
    "inpatient": {
        "Staffing levels & responsiveness": (
            ["Staff came quickly whenever I pressed the buzzer.", "There was always someone around to help."],
            [
                "The ward was short staffed and we waited ages for help.",
                "Nobody answered the call bell for an hour.",
            ],
        ),
        "Timeliness of care": (
            ["I got a bed quickly.", "My operation went ahead on the day planned."],
            ["The wait for a bed was far too long.", "My operation was put off three days running."],
        ),
        "Cleanliness, tidiness & infection control": (
            ["The ward was spotless.", "Very clean and tidy everywhere."],
            ["The toilets were dirty.", "Bins were overflowing in the bay."],
        ),
    },
    "maternity": {
        "Continuity of care": (
            ["I saw the same midwife each time.", "The handover from the labour ward was seamless."],
            ["I saw a different midwife every time.", "My birth plan did not follow me to the labour ward."],
        ),
    },
    "mental_health": {
        "Continuity of care": (
            [
                "I kept the same care coordinator throughout.",
                "The handover from the ward to the team was seamless.",
            ],
            ["My care coordinator changed three times.", "I had to tell my story again to every new worker."],
        ),
    },
    "community": {
        "Continuity of care": (
            ["The same nurse visits me most weeks.", "The handover from the hospital was seamless."],
            ["A different nurse came every visit.", "My notes did not follow me from the hospital."],
        ),
    },
    "ambulance": {
        "Timeliness of care": (
            ["The ambulance came within minutes.", "The crew arrived quickly."],
            ["We waited hours for an ambulance.", "The ambulance took far too long to arrive."],
        ),
        "Continuity of care": (
            [
                "The crew handed over to the hospital clearly.",
                "The hospital knew all about me when I arrived.",
            ],
            [
                "The hospital had none of what the crew told me.",
                "I had to repeat everything at the hospital.",
            ],
        ),
    },
}
# How often people raise each theme: a weight per theme (1 when not named), the setting's over the base.
# A theme that does not belong to a setting weighs 0 there (the Mental Health Act outside mental health care,
# parking for a 999 call, appointments in A&E).
SETTING_WEIGHTS = {
    "ae": {
        "Timeliness of care": 6,
        "Being kept informed, clarity & consistency of information": 3,
        "Appointment arrangements": 0,
        "Appointment method": 0,
        "Activities & access to fresh air": 0,
    },
    "inpatient": {"Food & drink provision & facilities": 3, "Discharge": 3, "Sensory experience": 2},
    "maternity": {
        "Continuity of care": 4,
        "Staff listening, understanding & involving patients": 3,
        "Activities & access to fresh air": 0,
    },
    "outpatient": {
        "Appointment arrangements": 4,
        "Parking": 3,
        "Contacting services": 2,
        "Discharge": 0,
        "Food & drink provision & facilities": 0,
        "Sensory experience": 0,
        "Activities & access to fresh air": 0,
    },
    "mental_health": {"Mental Health Act": 3, "Activities & access to fresh air": 3, "Feeling safe": 2},
    "community": {"Continuity of care": 3, "Appointment arrangements": 2},
    "ambulance": {
        "Transport to/ from services": 6,
        "Timeliness of care": 4,
        "Parking": 0,
        "Appointment arrangements": 0,
        "Appointment method": 0,
        "Food & drink provision & facilities": 0,
        "Activities & access to fresh air": 0,
        "Sensory experience": 0,
        "Discharge": 0,
    },
}
BASE_WEIGHTS = {
    "Staff manner & personal attributes": 6,
    "Positive experience & gratitude": 5,
    "Mental Health Act": 0,
}
# Criticism names what went wrong; thanks and overall praise are almost never its theme (0.6% of the
# "Positive experience & gratitude" comments in px_feedback_train.csv are negative), so under criticism that
# theme weighs this share of its praise weight.
CRITICISM_GRATITUDE = 0.02
QUESTION_OF_SCORE = {1: "what_good", 2: "what_good", 3: "nonspecific", 4: "could_improve", 5: "could_improve"}

# England's broad mix (2021 census, simplified), '' = not stated.
ETHNIC_MIX = [
    ("A", 74),
    ("B", 2),
    ("C", 6),
    ("H", 3),
    ("J", 2),
    ("K", 1),
    ("L", 2),
    ("M", 1),
    ("N", 2),
    ("R", 1),
    ("S", 2),
    ("D", 1),
    ("", 3),
]
AGE_MIX = [
    ("16-24", 9),
    ("25-34", 14),
    ("35-44", 14),
    ("45-54", 14),
    ("55-64", 15),
    ("65-74", 14),
    ("75-84", 11),
    ("85+", 5),
    ("", 4),
]
SEX_MIX = [("female", 54), ("male", 43), ("", 3)]
DISABILITY_MIX = [("yes", 22), ("no", 70), ("", 8)]

STORY_OPENINGS = [
    "I want to share what happened when my {who} was cared for.",
    "This is about my visit earlier this year.",
    "I am writing so that others have a better experience.",
    "I would like the team to hear about our time with the service.",
]
STORY_WHO = ["mother", "father", "son", "daughter", "husband", "wife", "grandmother", "partner"]
SAFETY_SENTENCES = [
    "I am worried that this could have caused serious harm.",
    "He was discharged while still confused and fell at home that night.",
    "She was given a medicine she is allergic to.",
]
