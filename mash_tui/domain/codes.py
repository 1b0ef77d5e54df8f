"""The code sets of DOMAIN.md section 5 (DfE Children in Need census) and the other closed lists.

Codes are kept exactly as the census writes them (upper case) because other systems exchange them.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal, get_args

SOURCES_OF_CONTACT: dict[str, str] = {
    "1A": "Family member, relative or carer",
    "1B": "Acquaintance (neighbour, child minder)",
    "1C": "Self",
    "1D": "Other individual",
    "2A": "School",
    "2B": "Education services",
    "3A": "GP",
    "3B": "Health visitor",
    "3C": "School nurse",
    "3D": "Other primary health services",
    "3E": "A&E",
    "3F": "Other health services",
    "4": "Housing",
    "5A": "LA social care (e.g. adults)",
    "5B": "LA other internal",
    "5C": "Another LA",
    "5D": "LA early help",
    "6": "Police",
    "7": "Other legal agency (courts, probation, CAFCASS, prison)",
    "8": "Other (voluntary sector, children's centres)",
    "9": "Anonymous",
    "10": "Unknown",
}

# Individuals, anonymous and unknown callers cannot be held to a professional's duty to give
# a name and a way to reach them.
NON_PROFESSIONAL_SOURCES = frozenset({"1A", "1B", "1C", "1D", "9", "10"})
ANONYMOUS_SOURCE = "9"


def is_professional_source(code: str) -> bool:
    return code in SOURCES_OF_CONTACT and code not in NON_PROFESSIONAL_SOURCES


_WHOSE_FACTOR = {"A": "the child", "B": "a parent or carer", "C": "another household member"}
_FACTORS_BY_PERSON = {
    "1": "Alcohol misuse",
    "2": "Drug misuse",
    "3": "Domestic abuse",
    "4": "Mental health",
    "5": "Learning disability",
    "6": "Physical disability or illness",
}

CONCERN_CATEGORIES: dict[str, str] = {
    **{
        f"{factor}{suffix}": f"{name}: {whose}"
        for factor, name in _FACTORS_BY_PERSON.items()
        for suffix, whose in _WHOSE_FACTOR.items()
    },
    "7A": "Young carer",
    "8B": "Privately fostered: overseas, intends to return",
    "8C": "Privately fostered: overseas, intends to stay",
    "8D": "Privately fostered: UK, educational placement",
    "8E": "Privately fostered: UK, alternative family arrangement",
    "8F": "Privately fostered: other",
    "9A": "Unaccompanied asylum-seeking child",
    "10A": "Going missing",
    "11A": "Child sexual exploitation",
    "12A": "Trafficking",
    "13A": "Gangs",
    "14A": "Socially unacceptable behaviour",
    "15A": "Self-harm",
    "16A": "Neglect",
    "17A": "Emotional abuse",
    "18B": "Physical abuse: child on child",
    "18C": "Physical abuse: adult on child",
    "19B": "Sexual abuse: child on child",
    "19C": "Sexual abuse: adult on child",
    "20": "Other",
    "22A": "Female genital mutilation",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}

# The census keeps 21 for the end of an assessment; a contact has not been assessed yet.
ASSESSMENT_ONLY_CATEGORY = "21"
DOMESTIC_ABUSE_CATEGORIES = ("3A", "3B", "3C")

Channel = Literal["phone", "email", "portal", "letter", "in_person", "out_of_hours"]
Sex = Literal["female", "male", "unknown"]
Injury = Literal["none", "minor", "serious"]
ConsentAnswer = Literal["yes", "no", "not_sought"]
Agency = Literal[
    "police",
    "health",
    "education",
    "housing",
    "probation",
    "substance_misuse",
    "adult_social_care",
    "early_help",
]
DecisionOutcome = Literal[
    "strategy_discussion",
    "mash_information_gathering",
    "assessment",
    "early_help",
    "advice_and_information",
    "no_further_action",
    "pass_to_allocated_worker",
]
Flag = Literal["lado_referral", "marac_referral", "police_notified", "operation_encompass"]

CHANNELS: tuple[str, ...] = get_args(Channel)
SEXES: tuple[str, ...] = get_args(Sex)
INJURIES: tuple[str, ...] = get_args(Injury)
CONSENT_ANSWERS: tuple[str, ...] = get_args(ConsentAnswer)
AGENCIES: tuple[str, ...] = get_args(Agency)
DECISION_OUTCOMES: tuple[str, ...] = get_args(DecisionOutcome)
FLAGS: tuple[str, ...] = get_args(Flag)

# An officer may close these without escalating; every other outcome is a decision maker's.
CLOSING_OUTCOMES = ("advice_and_information", "no_further_action")

# -- labels: what a person reads for each code, the same on every screen, report and command ------

CHANNEL_LABELS: dict[str, str] = {
    "phone": "Phone",
    "email": "Email",
    "portal": "Portal",
    "letter": "Letter",
    "in_person": "In person",
    "out_of_hours": "Out of hours",
}
SEX_LABELS: dict[str, str] = {"female": "Female", "male": "Male", "unknown": "Unknown"}
INJURY_LABELS: dict[str, str] = {"none": "None", "minor": "Minor", "serious": "Serious"}
CONSENT_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "not_sought": "Not sought"}
AGENCY_LABELS: dict[str, str] = {
    "police": "Police",
    "health": "Health",
    "education": "Education",
    "housing": "Housing",
    "probation": "Probation",
    "substance_misuse": "Substance misuse services",
    "adult_social_care": "Adult social care",
    "early_help": "Early help",
}
DECISION_OUTCOME_LABELS: dict[str, str] = {
    "strategy_discussion": "Strategy discussion",
    "mash_information_gathering": "MASH information gathering",
    "assessment": "Assessment (section 17)",
    "early_help": "Early help",
    "advice_and_information": "Advice and information",
    "no_further_action": "No further action",
    "pass_to_allocated_worker": "Pass to allocated worker",
}
FLAG_LABELS: dict[str, str] = {
    "lado_referral": "LADO referral",
    "marac_referral": "MARAC referral",
    "police_notified": "Police notified",
    "operation_encompass": "Operation Encompass",
}
# What each clock on an item is for (an item's own clock may carry its own label instead).
CLOCK_LABELS: dict[str, str] = {
    "decision": "decision",
    "red": "strategy discussion",
    "amber": "MASH information gathering",
    "green": "early help",
    "request_red": "information request",
    "request_amber": "information request",
    "request_green": "information request",
    "confirmation": "written confirmation",
    "lado": "LADO referral",
    "icpc": "ICPC",
}
# The same, short enough for a table column.
CLOCK_SHORT_LABELS: dict[str, str] = {
    **CLOCK_LABELS,
    "amber": "MASH discussion",
    "request_red": "info request",
    "request_amber": "info request",
    "request_green": "info request",
}
# An item's own history in a few words: the events of `item_event.kind`.
ITEM_EVENT_LABELS: dict[str, str] = {
    "immediate_danger": "immediate danger raised",
    "escalated": "escalated",
    "closed": "closed",
    "passed_to_allocated_worker": "passed to allocated worker",
    "claimed": "claimed",
    "released": "released",
    "reassigned": "reassigned",
    "rerated": "re-rated",
    "decided": "decided",
    "stepped_up": "stepped up",
    "feedback_given": "referrer told the outcome",
}
# An information request's state: sent and seen requests wait for the agency's answer.
REQUEST_STATES = ("sent", "seen", "answered", "withdrawn")
OPEN_REQUEST_STATES = ("sent", "seen")
# An open request past its due time reads OVERDUE.
REQUEST_STATE_LABELS: dict[str, str] = {
    "sent": "sent",
    "seen": "seen",
    "answered": "answered",
    "withdrawn": "withdrawn",
    "overdue": "OVERDUE",
}
PERSON_ROLE_LABELS: dict[str, str] = {"child": "Child", "adult": "Adult"}
MATCH_DECISION_LABELS: dict[str, str] = {"confirmed": "Confirmed", "rejected": "Rejected"}

# How a referrer was told the outcome (DOMAIN.md step 9): the label a person picks, and the words
# that finish "Referrer told the outcome ...".
FeedbackMethod = Literal["phone", "email", "letter", "in_person", "meeting"]
FEEDBACK_METHODS: tuple[str, ...] = get_args(FeedbackMethod)
FEEDBACK_METHOD_LABELS: dict[str, str] = {
    "phone": "Phone",
    "email": "Email",
    "letter": "Letter",
    "in_person": "In person",
    "meeting": "At a meeting",
}
_FEEDBACK_METHOD_WORDS = {
    "phone": "by phone",
    "email": "by email",
    "letter": "by letter",
    "in_person": "in person",
    "meeting": "at a meeting",
}


def feedback_words(method: str) -> str:
    """"by phone", "in person": how the referrer was told, as the end of a sentence."""
    return _FEEDBACK_METHOD_WORDS.get(method, f"by {method.replace('_', ' ')}")


class RagLevel(Enum):
    """A RAG rating, ordered `none` < GREEN < AMBER < RED, so `max()` gives the most urgent."""

    NONE = "none"
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"

    @property
    def rank(self) -> int:
        return _RAG_ORDER.index(self)

    def raised_one_level(self) -> RagLevel:
        return _RAG_ORDER[min(self.rank + 1, len(_RAG_ORDER) - 1)]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RagLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RagLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RagLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RagLevel):
            return NotImplemented
        return self.rank >= other.rank


_RAG_ORDER = (RagLevel.NONE, RagLevel.GREEN, RagLevel.AMBER, RagLevel.RED)
