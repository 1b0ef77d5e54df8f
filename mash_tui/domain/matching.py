"""Who a person most likely is: normalising details, blocking keys, and scoring a pair of records.

DOMAIN.md sections 1 (step 3) and 7. A query (what a caller says about a child or adult) is compared
with records already known (the case system's people, and people on earlier contacts):

- **Blocking keys** let a store find candidates without reading every record. A record is indexed
  under a few coarse keys, each pairing two of its details: DOB + first-name sound, DOB + surname
  sound, first-name sound + surname sound, postcode + surname sound, postcode + first-name sound,
  DOB + postcode: every pair of the four details a caller gives, so a record agreeing on any two
  is found however wrong the other two are. Aliases and earlier names are indexed too.
  The query side expands its own details (nickname forms, the names swapped, day and month swapped,
  the year one either side, each part of a double-barrelled surname), so the index stays at about
  six keys a person while one wrong or missing detail still leaves a shared key.
- **Scoring** weighs each detail's agreement as log-odds and turns the sum into a score in 0..1 with
  the logistic function. A different first name or DOB weighs heavily *against*: siblings, twins
  and parents share surname, address and postcode, and a false match shares one child's history
  with another. The band comes from the rounded score alone, so a higher band never has a lower
  score.
- **Ranking** looks across candidates: a twin or sibling whose first name fits the query less well
  than another record with the same surname and DOB counts as a different name, and records the
  query cannot tell apart (the same name with no DOB given) are never more than `possible`.
- **Plausible records are never dropped**: a record agreeing on two of first name, surname, DOB
  and address is offered at least as `possible`, with a reason saying what agrees and what does
  not, unless it is the twin or sibling of a `certain` or `likely` candidate.

Pure: no I/O. Nickname forms come from the `nicknames` package's data, phonetic codes from
`jellyfish`, string similarity from `rapidfuzz`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import IntEnum
from functools import lru_cache
from typing import Literal

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from mash_tui.domain.policy import MatchingPolicy

Band = Literal["certain", "likely", "possible"]
BANDS: tuple[Band, ...] = ("certain", "likely", "possible")


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """What is known of one person, as typed. Any detail may be missing."""

    first_name: str | None = None
    last_name: str | None = None
    dob: date | None = None
    sex: str | None = None
    """`F`, `M`, `U` or None; see `normalise_sex`."""
    address: str | None = None
    postcode: str | None = None

    def has_any(self) -> bool:
        return any(
            (
                normalise_name(self.first_name),
                normalise_name(self.last_name),
                self.dob,
                normalise_postcode(self.postcode),
                normalise_address(self.address),
            )
        )


@dataclass(frozen=True, slots=True)
class KnownRecord:
    """A record a query may match: a case-system person, or a person on an earlier contact."""

    record_id: str
    person: PersonDetails
    one_record_per_person: bool = True
    """True for the case system. Earlier contacts hold the same child once per contact, so two
    contact records that agree equally with a query are not rivals."""
    other_names: tuple[tuple[str | None, str | None], ...] = ()
    """Aliases and earlier names as (first name, surname); see `alias_names`."""


@dataclass(frozen=True, slots=True)
class MatchResult:
    score: float
    band: Band | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RankedMatch:
    record: KnownRecord
    score: float
    band: Band | None
    reasons: tuple[str, ...]


# --- normalising -------------------------------------------------------------------------------

_SEX_CODES = {"f": "F", "female": "F", "m": "M", "male": "M", "u": "U", "unknown": "U"}
_DROPPED_IN_NAMES = str.maketrans("", "", "'’‘`.")
_NOT_LETTER = re.compile(r"[^a-z]+")
_SURNAME_PARTICLES = frozenset(
    {"de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "al", "el", "bin", "st"}
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _ascii_letters(text: str) -> str:
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return text


@lru_cache(maxsize=1 << 16)
def normalise_name(text: str | None) -> str:
    """Lower-case letters in single-spaced words: "O'Brien-Smith " → "obrien smith"."""
    if not text:
        return ""
    lowered = _ascii_letters(text).lower().translate(_DROPPED_IN_NAMES)
    return " ".join(_NOT_LETTER.sub(" ", lowered).split())


_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Z0-9]+")


@lru_cache(maxsize=1 << 16)
def normalise_postcode(text: str | None) -> str:
    """Upper-case letters and digits only: " dy4 7aa" → "DY47AA". Free text is kept, not checked."""
    if not text:
        return ""
    return _NOT_LETTER_OR_DIGIT.sub("", _ascii_letters(text).upper())


def postcode_district(compact_postcode: str) -> str:
    """The outward code ("DY4" of "DY47AA"); a UK inward code is always three characters."""
    return compact_postcode[:-3] if len(compact_postcode) >= 5 else ""


_ADDRESS_WORDS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "cres": "crescent",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
    "gr": "grove",
    "terr": "terrace",
    "ter": "terrace",
    "pk": "park",
    "hse": "house",
}


@lru_cache(maxsize=1 << 14)
def normalise_address(text: str | None) -> str:
    """Lower-case words with common abbreviations spelt out: "12 Mill Ln." → "12 mill lane"."""
    if not text:
        return ""
    words = re.sub(r"[^a-z0-9]+", " ", _ascii_letters(text).lower()).split()
    return " ".join(_ADDRESS_WORDS.get(word, word) for word in words)


def normalise_sex(text: str | None) -> str | None:
    """`F`, `M` or `U` from F/M/U/female/male/unknown in any case; None when empty.

    Raises ValueError for anything else.
    """
    if text is None or not text.strip():
        return None
    try:
        return _SEX_CODES[text.strip().lower()]
    except KeyError:
        raise ValueError(f"{text!r} is not a sex (F, M, U, female, male or unknown)") from None


@lru_cache(maxsize=1 << 16)
def parse_iso_date(text: str) -> date:
    """A `YYYY-MM-DD` date, the exchange format. Raises ValueError for anything else."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def parse_typed_date(text: str) -> date:
    """A date as an officer types it: `YYYY-MM-DD`, or the UK's day-first `DD/MM/YYYY`.

    Raises ValueError for anything else, or for a day that does not exist (31/02/2010).
    """
    text = text.strip()
    day_first = _DAY_FIRST_DATE.fullmatch(text)
    if day_first:
        day, month, year = (int(part) for part in day_first.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None
    return parse_iso_date(text)


# --- sounds and forms of names ----------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def sound_key(word: str) -> str:
    """A Metaphone code, made a little coarser for English surnames.

    "th" is heard as "t" in Thompson and Thomas; the "p" of "mps" is silent in Thompson/Thomson and
    Sampson/Samson. Metaphone alone keeps both apart, and these are the spellings callers vary.
    """
    if not word:
        return ""
    code = jellyfish.metaphone(word).replace("0", "T").replace("MPS", "MS")
    return code or word[:1].upper()


@lru_cache(maxsize=1)
def _nickname_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    from nicknames import NickNamer

    namer = NickNamer()
    nicknames = {name: frozenset(forms) for name, forms in namer.nickname_lookup.items()}
    canonicals = {name: frozenset(forms) for name, forms in namer.canonical_lookup.items()}
    return nicknames, canonicals


def load_name_tables() -> None:
    """Read the nickname list now rather than during the first lookup."""
    _nickname_tables()


@lru_cache(maxsize=1 << 14)
def name_forms(name: str) -> frozenset[str]:
    """Other forms of a first name: its nicknames, what it is short for, and its siblings under one
    full name (Will and Bill are both William). Lower case; excludes the name itself."""
    nicknames, canonicals = _nickname_tables()
    forms = set(nicknames.get(name, ())) | set(canonicals.get(name, ()))
    for full_name in canonicals.get(name, ()):
        forms |= nicknames.get(full_name, frozenset())
    forms.discard(name)
    return frozenset(forms)


@lru_cache(maxsize=1 << 14)
def _form_sounds(name: str) -> frozenset[str]:
    return frozenset(sound_key(form) for form in name_forms(name))


@lru_cache(maxsize=1 << 16)
def _sounds_alike(left: str, right: str) -> bool:
    # Metaphone is coarse (Dean, Tony and Dawn share a code); the spelling must be close too.
    return sound_key(left) == sound_key(right) and JaroWinkler.similarity(left, right) >= 0.75


@lru_cache(maxsize=1 << 16)
def _forms_of_each_other(left: str, right: str) -> bool:
    if right in name_forms(left) or left in name_forms(right):
        return True
    # Kate is a form of Katherine, which is how Catherine sounds.
    return any(_sounds_alike(form, right) for form in name_forms(left) if sound_key(form) == sound_key(right))


def _typo_apart(left: str, right: str) -> bool:
    """One slip of the keyboard (a letter wrong, missing, extra, or two swapped); two in long names.

    A two-letter name is a slip only as the start of the other (Sa for Sam). Tom and Tim, one slip
    apart, may be twins: ranking demotes the one that fits less well when both are known.
    """
    shortest = min(len(left), len(right))
    if shortest < 2:
        return False
    if shortest == 2:
        return max(len(left), len(right)) == 3 and (left.startswith(right) or right.startswith(left))
    allowed = 2 if shortest >= 8 else 1
    return OSA.distance(left, right, score_cutoff=allowed) <= allowed


def _transposed(left: str, right: str) -> bool:
    return len(left) == len(right) and sorted(left) == sorted(right) and OSA.distance(left, right) == 1


# --- blocking keys ------------------------------------------------------------------------------


def _surname_words(last: str) -> tuple[str, ...]:
    return tuple(word for word in last.split() if len(word) >= 2 and word not in _SURNAME_PARTICLES)


@lru_cache(maxsize=1 << 16)
def _surname_sounds(last: str) -> tuple[str, ...]:
    """A sound per part of a double-barrelled surname, and one for the whole when it has parts."""
    words = _surname_words(last) or tuple(last.split())
    sounds = dict.fromkeys(sound_key(word) for word in words)
    if len(words) > 1:
        sounds[sound_key("".join(words))] = None
    return tuple(sounds)


@lru_cache(maxsize=1 << 16)
def _first_sound(first: str) -> str:
    words = first.split()
    return sound_key(words[0]) if words else ""


def _paired(kind: str, lefts: Iterable[str], rights: Iterable[str]) -> set[str]:
    rights = tuple(rights)
    return {f"{kind}|{left}|{right}" for left in lefts for right in rights}


def blocking_keys(person: PersonDetails) -> set[str]:
    """The keys a record is indexed under: about six for a person with every detail."""
    return blocking_keys_of(
        person.first_name or "",
        person.last_name or "",
        person.dob.isoformat() if person.dob else "",
        person.postcode or "",
    )


def blocking_keys_of(first_name: str, last_name: str, dob: str, postcode: str) -> set[str]:
    """`blocking_keys` from details as typed, the DOB as `YYYY-MM-DD` (or empty)."""
    return set(blocking_key_list(first_name, last_name, dob, postcode))


def blocking_key_list(first_name: str, last_name: str, dob: str, postcode: str) -> list[str]:
    """`blocking_keys_of` as a list, each key once: a bulk load builds keys from a file's values
    without making a `PersonDetails` or a set per row."""
    first = _first_sound(normalise_name(first_name))
    lasts = _surname_sounds(normalise_name(last_name))
    postcode = normalise_postcode(postcode)
    # Written out rather than built from pairs: this runs for every row of a million-row import.
    keys = []
    if first:
        if dob:
            keys.append(f"df|{dob}|{first}")
        if postcode:
            keys.append(f"pf|{postcode}|{first}")
        keys += [f"fl|{first}|{last}" for last in lasts]
    if dob:
        keys += [f"dl|{dob}|{last}" for last in lasts]
        if postcode:
            # DOB and address agree while both names are wrong or missing (a newborn not yet named).
            keys.append(f"dp|{dob}|{postcode}")
    if postcode:
        keys += [f"pl|{postcode}|{last}" for last in lasts]
    return keys


def alias_names(aliases: Iterable[str], first_name: str | None) -> tuple[tuple[str | None, str | None], ...]:
    """Aliases as (first name, surname): "Amelia Jones" is both; a single word ("Jones") is an
    earlier surname under the record's own first name. The last word of a longer alias is the
    surname, so a hyphenated surname keeps its hyphen ("Amelia Brown-Jones")."""
    names: dict[tuple[str | None, str | None], None] = {}
    for alias in aliases:
        words = alias.split()
        if not words:
            continue
        if len(words) == 1:
            names[(first_name or None, words[0])] = None
        else:
            names[(" ".join(words[:-1]), words[-1])] = None
    return tuple(names)


def with_name(person: PersonDetails, first_name: str | None, last_name: str | None) -> PersonDetails:
    return replace(person, first_name=first_name, last_name=last_name)


def record_blocking_keys(person: PersonDetails, other_names: Iterable[tuple[str | None, str | None]] = ()) -> set[str]:
    """A record's keys under its own name and under each alias or earlier name."""
    keys = blocking_keys(person)
    for first_name, last_name in other_names:
        keys |= blocking_keys(with_name(person, first_name, last_name))
    return keys


def _dob_variants(dob: date) -> list[date]:
    variants = [dob]
    if dob.day <= 12 and dob.day != dob.month:
        variants.append(date(dob.year, dob.day, dob.month))
    for year in (dob.year - 1, dob.year + 1):
        try:
            variants.append(dob.replace(year=year))
        except ValueError:
            pass  # 29 February
    return variants


def query_blocking_keys(query: PersonDetails) -> set[str]:
    """The keys to probe for a query: its own keys, and those of the mistakes callers make.

    Nickname forms, both names swapped, day and month swapped and the year either side are tried
    with the DOB and the postcode, whose blocks are small. The name-only keys are the fallback for
    a DOB missing or wrong in some other way; their blocks are the largest (every Jones called
    Ellie), so nickname forms join them only when there is no DOB to narrow the search.
    """
    first = normalise_name(query.first_name)
    last = normalise_name(query.last_name)
    first_words = first.split()
    own_first = {sound_key(word) for word in first_words}
    forms = _form_sounds(first_words[0]) if first_words else frozenset()
    last_sounds = set(_surname_sounds(last))
    # First and last names swapped: the surname said as a first name, and the other way round.
    swapped_first = {sound_key(word) for word in last.split()}
    swapped_last = set(_surname_sounds(first))
    dobs = [variant.isoformat() for variant in _dob_variants(query.dob)] if query.dob else []
    postcodes = (compact,) if (compact := normalise_postcode(query.postcode)) else ()

    keys: set[str] = set()
    for firsts, lasts in ((own_first | forms, last_sounds), (swapped_first, swapped_last)):
        keys |= _paired("df", dobs, firsts) | _paired("dl", dobs, lasts)
        keys |= _paired("pf", postcodes, firsts) | _paired("pl", postcodes, lasts)
    name_only_firsts = own_first if dobs else own_first | forms
    keys |= _paired("fl", name_only_firsts, last_sounds) | _paired("fl", swapped_first, swapped_last)
    keys |= _paired("dp", dobs, postcodes)
    return keys


# --- scoring ------------------------------------------------------------------------------------


class Agreement(IntEnum):
    """How one detail of a query agrees with a record's.

    Per detail: FORM is a nickname or short form of a first name, or a DOB with day and month
    swapped; PART is one part of a double-barrelled surname, or a first name matching a middle
    name; SLIP is one keyboard slip in a name, a postcode or one digit of a DOB; CLOSE is a DOB a
    year out, the same postcode district, or the same street with another house number; INITIAL is
    a first name given by its initial, or a DOB in the same month with year (within two) and day
    wrong. MISSING means one side did not give the detail, which is evidence neither way.
    """

    EXACT = 0
    FORM = 1
    SOUNDS_ALIKE = 2
    PART = 3
    SLIP = 4
    CLOSE = 5
    INITIAL = 6
    MISSING = 7
    DIFFERENT = 8


# Log-odds for and against. Siblings, twins and parents share surname, address and postcode, so
# those carry little weight on their own, and a different first name or DOB outweighs all three.
# Nickname forms and sound-alikes weigh less than the same name: the nickname list links many
# distinct names (Jean, Joan and Janet), and a stranger with the same surname and DOB is not rare
# among a million people.
_FIRST_WEIGHTS = {
    Agreement.EXACT: 4.0,
    Agreement.FORM: 1.2,
    Agreement.SOUNDS_ALIKE: 2.5,
    Agreement.PART: 2.0,
    Agreement.SLIP: 2.3,
    Agreement.INITIAL: 0.5,
    Agreement.MISSING: 0.0,
    Agreement.DIFFERENT: -5.0,
}
_LAST_WEIGHTS = {
    Agreement.EXACT: 3.5,
    Agreement.SOUNDS_ALIKE: 3.0,
    Agreement.PART: 2.8,
    Agreement.SLIP: 2.6,
    Agreement.MISSING: 0.0,
    # Surnames change (marriage, a step-parent), so a different one counts only a little against.
    Agreement.DIFFERENT: -1.0,
}
_DOB_WEIGHTS = {
    Agreement.EXACT: 4.5,
    Agreement.FORM: 1.7,  # day and month swapped
    Agreement.CLOSE: 1.6,  # a year out
    Agreement.SLIP: 0.3,  # one digit wrong
    # Same month, year and day wrong: a sibling is seldom born in the same month within two years,
    # so this weighs against far less than a DOB that is wholly different.
    Agreement.INITIAL: -1.5,
    Agreement.MISSING: 0.0,
    Agreement.DIFFERENT: -4.5,
}
_SEX_WEIGHTS = {Agreement.EXACT: 0.3, Agreement.MISSING: 0.0, Agreement.DIFFERENT: -1.5}
# A caller's address that differs from the record's counts against: most people asked about are
# where the record says, and a namesake elsewhere is the commonest false match.
_POSTCODE_WEIGHTS = {
    Agreement.EXACT: 1.0,
    Agreement.CLOSE: 0.3,
    Agreement.SLIP: 0.3,
    Agreement.MISSING: 0.0,
    Agreement.DIFFERENT: -1.0,
}
_ADDRESS_WEIGHTS = {
    Agreement.EXACT: 0.6,
    Agreement.CLOSE: 0.2,
    Agreement.MISSING: 0.0,
    Agreement.DIFFERENT: -0.3,
}
_PRIOR = -6.9
_SWAPPED_NAMES_PENALTY = -0.5
_SCORE_DECIMALS = 3


@dataclass(frozen=True, slots=True)
class _Prepared:
    first: str
    last: str
    dob: date | None
    sex: str | None
    postcode: str
    address: str
    first_as_typed: str
    last_as_typed: str


def _prepare(person: PersonDetails) -> _Prepared:
    sex = person.sex if person.sex in ("F", "M") else None
    first_words = (person.first_name or "").split()
    return _Prepared(
        first=normalise_name(person.first_name),
        last=normalise_name(person.last_name),
        dob=person.dob,
        sex=sex,
        postcode=normalise_postcode(person.postcode),
        address=normalise_address(person.address),
        first_as_typed=first_words[0] if first_words else "",
        last_as_typed=(person.last_name or "").strip(),
    )


def _as_typed(reason: str | None, said: str, known: str) -> str | None:
    """Reasons that quote names quote them as typed: {said} from the query, {known} the record."""
    return reason.format(said=said, known=known) if reason else None


@lru_cache(maxsize=1 << 16)
def _compare_first(query: str, record: str, sexes_differ: bool) -> tuple[Agreement, str | None]:
    if not query or not record:
        return Agreement.MISSING, None
    if query == record:
        return Agreement.EXACT, "same first name"
    said, known = query.split(" ", 1)[0], record.split(" ", 1)[0]
    if said == known:
        return Agreement.EXACT, "same first name"
    if len(said) == 1 or len(known) == 1:
        if said[0] == known[0]:
            return Agreement.INITIAL, "same first initial"
        return Agreement.DIFFERENT, "different first name"
    if sexes_differ:
        # Oliver and Olivia, Jack and Jacqueline: with a different sex these are two people.
        return Agreement.DIFFERENT, "different first name and sex"
    if _sounds_alike(said, known):
        return Agreement.SOUNDS_ALIKE, "first name sounds alike"
    if _forms_of_each_other(said, known):
        return Agreement.FORM, "{said} is a form of {known}"
    if _typo_apart(said, known):
        if _transposed(said, known):
            return Agreement.SLIP, "first name has two letters swapped"
        return Agreement.SLIP, "first name spelt nearly the same"
    if said in record.split() or known in query.split():
        return Agreement.PART, "first name matches a middle name"
    return Agreement.DIFFERENT, "different first name"


@lru_cache(maxsize=1 << 16)
def _compare_last(query: str, record: str) -> tuple[Agreement, str | None]:
    if not query or not record:
        return Agreement.MISSING, None
    said, known = query.replace(" ", ""), record.replace(" ", "")
    if said == known:
        return Agreement.EXACT, "same surname"
    said_words, known_words = _surname_words(query), _surname_words(record)
    shared = set(said_words) & set(known_words)
    if shared and (len(said_words) > 1 or len(known_words) > 1):
        if set(said_words) == set(known_words):
            return Agreement.PART, "same surname parts in another order"
        if len(said_words) < len(known_words):
            return Agreement.PART, "surname {said} is part of {known}"
        return Agreement.PART, "surname {known} is part of {said}"
    if _sounds_alike(said, known):
        return Agreement.SOUNDS_ALIKE, "surname sounds alike"
    if _typo_apart(said, known):
        if _transposed(said, known):
            return Agreement.SLIP, "surname has two letters swapped"
        return Agreement.SLIP, "surname spelt nearly the same"
    return Agreement.DIFFERENT, "different surname"


@lru_cache(maxsize=1 << 16)
def _compare_dob(query: date | None, record: date | None) -> tuple[Agreement, str | None]:
    if query is None or record is None:
        return Agreement.MISSING, None
    if query == record:
        return Agreement.EXACT, "same DOB"
    if query.year == record.year and query.day == record.month and query.month == record.day:
        return Agreement.FORM, "day and month of birth swapped"
    if query.month == record.month and query.day == record.day and abs(query.year - record.year) == 1:
        return Agreement.CLOSE, "DOB one year out"
    said = f"{query.year:04d}{query.month:02d}{query.day:02d}"
    known = f"{record.year:04d}{record.month:02d}{record.day:02d}"
    if sum(a != b for a, b in zip(said, known, strict=True)) == 1:
        return Agreement.SLIP, "DOB one digit different"
    if query.month == record.month and abs(query.year - record.year) <= 2:
        return Agreement.INITIAL, "same month of birth, year and day differ"
    return Agreement.DIFFERENT, "different DOB"


def _compare_sex(query: str | None, record: str | None) -> tuple[Agreement, str | None]:
    if query is None or record is None:
        return Agreement.MISSING, None
    if query == record:
        return Agreement.EXACT, "same sex"
    return Agreement.DIFFERENT, "different sex"


def _compare_postcode(query: str, record: str) -> tuple[Agreement, str | None]:
    if not query or not record:
        return Agreement.MISSING, None
    if query == record:
        return Agreement.EXACT, "same postcode"
    if postcode_district(query) and postcode_district(query) == postcode_district(record):
        return Agreement.CLOSE, "same postcode district"
    if min(len(query), len(record)) >= 5 and OSA.distance(query, record, score_cutoff=1) <= 1:
        # One character mistyped; also what a neighbouring district looks like, so it weighs little.
        return Agreement.SLIP, "postcode one character different"
    return Agreement.DIFFERENT, "different postcode"


_LEADING_NUMBER = re.compile(r"\d+")
_NOT_A_LETTER = re.compile(r"[^a-z]+")


def _house_number(address: str) -> str:
    """The first number in an address, even run into the street ("12mill lane")."""
    found = _LEADING_NUMBER.search(address)
    return found.group() if found else ""


@lru_cache(maxsize=1 << 14)
def _compare_address(query: str, record: str) -> tuple[Agreement, str | None]:
    if not query or not record:
        return Agreement.MISSING, None
    if query == record:
        return Agreement.EXACT, "same address"
    streets_alike = fuzz.token_set_ratio(query, record, score_cutoff=85) >= 85
    if not streets_alike:
        # Words run together or a letter slipped: compare the letters and digits alone, the
        # caller's street against the start of the record's (callers leave the town off).
        # House numbers are compared apart, below.
        said, known = _NOT_A_LETTER.sub("", query), _NOT_A_LETTER.sub("", record)
        if min(len(said), len(known)) >= 6:
            streets_alike = fuzz.partial_ratio(said, known, score_cutoff=88) >= 88
    if not streets_alike:
        return Agreement.DIFFERENT, "different address"
    said_number, known_number = _house_number(query), _house_number(record)
    if said_number and known_number and said_number != known_number:
        # Neighbours share a street and a postcode.
        return Agreement.CLOSE, "same street, different house number"
    return Agreement.EXACT, "same address"


@dataclass(frozen=True, slots=True)
class _Comparison:
    first: Agreement
    last: Agreement
    dob: Agreement
    sex: Agreement
    postcode: Agreement
    address: Agreement
    names_swapped: bool
    reasons: tuple[str, ...]

    @property
    def log_odds(self) -> float:
        return (
            _PRIOR
            + _FIRST_WEIGHTS[self.first]
            + _LAST_WEIGHTS[self.last]
            + _DOB_WEIGHTS[self.dob]
            + _SEX_WEIGHTS[self.sex]
            + _POSTCODE_WEIGHTS[self.postcode]
            + _ADDRESS_WEIGHTS[self.address]
            + (_SWAPPED_NAMES_PENALTY if self.names_swapped else 0.0)
        )

    @property
    def evidence(self) -> tuple[Agreement, ...]:
        return (self.first, self.last, self.dob, self.sex, self.postcode, self.address)


def _name_log_odds(first: Agreement, last: Agreement) -> float:
    return _FIRST_WEIGHTS[first] + _LAST_WEIGHTS[last]


_BEST_WITHOUT_DOB = (
    _PRIOR
    + max(_FIRST_WEIGHTS.values())
    + max(_LAST_WEIGHTS.values())
    + max(_SEX_WEIGHTS.values())
    + max(_POSTCODE_WEIGHTS.values())
    + max(_ADDRESS_WEIGHTS.values())
)


def _compare(query: _Prepared, record: _Prepared) -> _Comparison:
    dob, dob_reason = _compare_dob(query.dob, record.dob)
    sex, sex_reason = _compare_sex(query.sex, record.sex)
    sexes_differ = sex is Agreement.DIFFERENT
    first, first_reason = _compare_first(query.first, record.first, sexes_differ)
    last, last_reason = _compare_last(query.last, record.last)
    names_swapped = False
    first_reason = _as_typed(first_reason, query.first_as_typed, record.first_as_typed)
    last_reason = _as_typed(last_reason, query.last_as_typed, record.last_as_typed)
    if Agreement.DIFFERENT in (first, last) and (query.first or query.last):
        # Also a caller giving one name, which is the record's other one.
        swapped_first, swapped_first_reason = _compare_first(query.last, record.first, sexes_differ)
        swapped_last, swapped_last_reason = _compare_last(query.first, record.last)
        if _name_log_odds(swapped_first, swapped_last) + _SWAPPED_NAMES_PENALTY > _name_log_odds(first, last):
            first, last = swapped_first, swapped_last
            first_reason = _as_typed(swapped_first_reason, query.last_as_typed, record.first_as_typed)
            last_reason = _as_typed(swapped_last_reason, query.first_as_typed, record.last_as_typed)
            names_swapped = True
    postcode, postcode_reason = _compare_postcode(query.postcode, record.postcode)
    address, address_reason = _compare_address(query.address, record.address)
    reasons = ["first and last names swapped"] if names_swapped else []
    reasons += [
        reason
        for reason in (first_reason, last_reason, dob_reason, sex_reason, postcode_reason, address_reason)
        if reason
    ]
    return _Comparison(first, last, dob, sex, postcode, address, names_swapped, tuple(reasons))


def _cannot_reach(query: _Prepared, record: PersonDetails, floor_log_odds: float) -> bool:
    """True when the DOBs alone rule the record out, whatever its other details: a cheap test
    that spares scoring the many candidates a name-only key brings in. Such a record may still
    be plausible on its names and address; `rank_candidates` checks that apart."""
    dob, _reason = _compare_dob(query.dob, record.dob)
    return _BEST_WITHOUT_DOB + _DOB_WEIGHTS[dob] < floor_log_odds


def _logistic(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))


def _log_odds_of(probability: float) -> float:
    if probability <= 0.0:
        return -math.inf
    if probability >= 1.0:
        return math.inf
    return math.log(probability / (1.0 - probability))


def band_for(score: float, policy: MatchingPolicy) -> Band | None:
    """The band of a score: the highest whose threshold the score reaches."""
    if score >= policy.certain:
        return "certain"
    if score >= policy.likely:
        return "likely"
    if score >= policy.possible:
        return "possible"
    return None


def _rounded(score: float) -> float:
    return round(min(max(score, 0.0), 1.0), _SCORE_DECIMALS)


_CONFIRMING_FIRST_NAMES = frozenset({Agreement.EXACT, Agreement.SOUNDS_ALIKE, Agreement.PART, Agreement.SLIP})
_AGREEING_SURNAMES = frozenset(
    {Agreement.EXACT, Agreement.SOUNDS_ALIKE, Agreement.PART, Agreement.SLIP}
)
_UNCONFIRMED_REASON = "not certain until first name, surname and DOB all agree"


def _just_below(threshold: float) -> float:
    return _rounded(threshold - 10**-_SCORE_DECIMALS)


def _scored(comparison: _Comparison, policy: MatchingPolicy) -> tuple[float, tuple[str, ...]]:
    """The score, kept below `certain` unless both names agree and the DOB is the same.

    `certain` lets an officer link without more checks; a missing first name or a DOB a year out is
    exactly where a twin or sibling slips through, so those stay at most `likely`. A nickname form
    also needs the postcode or address to agree: the nickname list links many distinct names.
    """
    score = _rounded(_logistic(comparison.log_odds))
    located = Agreement.EXACT in (comparison.postcode, comparison.address)
    confirmed = (
        (comparison.first in _CONFIRMING_FIRST_NAMES or (comparison.first is Agreement.FORM and located))
        and comparison.last in _AGREEING_SURNAMES
        and comparison.dob is Agreement.EXACT
    )
    ceiling = _just_below(policy.certain)
    if not confirmed and score > ceiling:
        return ceiling, (*comparison.reasons, _UNCONFIRMED_REASON)
    return score, comparison.reasons


def score_pair(query: PersonDetails, record: PersonDetails, policy: MatchingPolicy) -> MatchResult:
    """How likely `record` is the person `query` describes, on their details alone."""
    score, reasons = _scored(_compare(_prepare(query), _prepare(record)), policy)
    return MatchResult(score=score, band=band_for(score, policy), reasons=reasons)


_SIBLING_REASON = "another record with this surname and DOB fits the first name better"
_AMBIGUOUS_REASON = "another record fits the details given equally well"


_NAME_FITS = frozenset({Agreement.EXACT, Agreement.FORM, Agreement.SOUNDS_ALIKE, Agreement.PART, Agreement.SLIP})


def _demote_rival_siblings(prepared: list[_Prepared], comparisons: list[_Comparison]) -> list[_Comparison]:
    """Twins and siblings under one surname and DOB: only the best-fitting first name counts as one.

    Jack and Jake are twins; a caller asking about Jack must not be offered Jake as the same child
    because the names sound alike.
    """
    best_by_household: dict[tuple[str, date], float] = {}
    for person, comparison in zip(prepared, comparisons, strict=True):
        if person.last and person.dob and comparison.first in _NAME_FITS:
            household = (person.last, person.dob)
            fit = _FIRST_WEIGHTS[comparison.first]
            best_by_household[household] = max(best_by_household.get(household, fit), fit)
    demoted = []
    for person, comparison in zip(prepared, comparisons, strict=True):
        best = best_by_household.get((person.last, person.dob)) if person.last and person.dob else None
        if best is not None and comparison.first in _NAME_FITS and _FIRST_WEIGHTS[comparison.first] < best:
            comparison = replace(
                comparison,
                first=Agreement.DIFFERENT,
                reasons=(*comparison.reasons, _SIBLING_REASON),
            )
        demoted.append(comparison)
    return demoted


# Two of these four agreeing make a record plausible (issue 16): it is offered at least as
# `possible`, whatever the score, with a reason saying what agrees and what does not.
_PLAUSIBLE_FIRST = frozenset(
    {Agreement.EXACT, Agreement.FORM, Agreement.SOUNDS_ALIKE, Agreement.PART, Agreement.SLIP, Agreement.INITIAL}
)
_PLAUSIBLE_LAST = _AGREEING_SURNAMES
_PLAUSIBLE_DOB = frozenset({Agreement.EXACT, Agreement.FORM, Agreement.CLOSE, Agreement.SLIP})
_WHY_THEY_DIFFER = {
    frozenset({"first name"}): "a twin or sibling, or a recording error?",
    frozenset({"surname"}): "a changed surname (marriage, a step-family), or another person?",
    frozenset({"date of birth"}): "a namesake, or a recording error?",
    frozenset({"address"}): "moved, or a namesake?",
    frozenset({"first name", "date of birth"}): "a sibling or parent, or a recording error?",
}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# How telling each agreeing detail is when others differ. Many people share a first name and
# surname; few share a DOB and an address, so a record agreeing on those outranks a namesake. A
# nickname form links many names, so it tells less than the same name.
_FIRST_STRENGTH = {
    Agreement.EXACT: 1.0,
    Agreement.SOUNDS_ALIKE: 0.8,
    Agreement.SLIP: 0.8,
    Agreement.PART: 0.8,
    Agreement.FORM: 0.5,
    Agreement.INITIAL: 0.5,
}
_LAST_STRENGTH = {Agreement.EXACT: 1.5, Agreement.SOUNDS_ALIKE: 1.2, Agreement.SLIP: 1.2, Agreement.PART: 1.2}
# The same month of birth does not make a DOB agree, but tells a little.
_DOB_STRENGTH = {Agreement.EXACT: 3.0, Agreement.FORM: 2.0, Agreement.CLOSE: 2.0, Agreement.SLIP: 2.0, Agreement.INITIAL: 1.0}
_ADDRESS_STRENGTH = 2.0
_STRONGEST = 1.0 + 1.5 + 3.0 + _ADDRESS_STRENGTH


def _agreeing_details(comparison: _Comparison) -> tuple[list[str], list[str]]:
    """Which of first name, surname, DOB and address agree, and which differ."""
    located = Agreement.EXACT in (comparison.postcode, comparison.address)
    details = (
        ("first name", comparison.first in _PLAUSIBLE_FIRST, comparison.first is Agreement.DIFFERENT),
        ("surname", comparison.last in _PLAUSIBLE_LAST, comparison.last is Agreement.DIFFERENT),
        ("date of birth", comparison.dob in _PLAUSIBLE_DOB, comparison.dob in (Agreement.DIFFERENT, Agreement.INITIAL)),
        ("address", located, not located and Agreement.DIFFERENT in (comparison.postcode, comparison.address)),
    )
    agree = [name for name, agrees, _differs in details if agrees]
    differ = [name for name, agrees, differs in details if differs and not agrees]
    return agree, differ


def _plausibility(comparison: _Comparison) -> tuple[int, float]:
    """How many of first name, surname, DOB and address agree, and how telling they are together."""
    agree, _differ = _agreeing_details(comparison)
    strength = (
        _FIRST_STRENGTH.get(comparison.first, 0.0)
        + _LAST_STRENGTH.get(comparison.last, 0.0)
        + _DOB_STRENGTH.get(comparison.dob, 0.0)
        + (_ADDRESS_STRENGTH if "address" in agree else 0.0)
    )
    return len(agree), strength


def _plausible_reason(comparison: _Comparison) -> str:
    """What agrees and what does not: "same DOB and address; first name differs: a twin ..."."""
    agree, differ = _agreeing_details(comparison)
    reason = f"same {_join(agree)}" if agree else ""
    if differ:
        verb = "differs" if len(differ) == 1 else "differ"
        why = _WHY_THEY_DIFFER.get(frozenset(differ), "another person, or more than one recording error?")
        reason += f"; {_join(differ)} {verb}: {why}"
    return reason


def _plausible_score(strength: float, policy: MatchingPolicy) -> float:
    """The least score of a record agreeing on two or more of the four details: `possible`, and
    towards `likely` as the agreeing details grow more telling; never `likely`."""
    share = strength / (_STRONGEST + 0.5)
    score = max(_rounded(policy.possible + (policy.likely - policy.possible) * share), policy.possible)
    return min(score, max(_just_below(policy.likely), policy.possible))


def _best_name(query: _Prepared, record: KnownRecord) -> tuple[_Prepared, _Comparison]:
    """The record under whichever of its names (its own, an alias, an earlier name) fits best."""
    prepared = _prepare(record.person)
    comparison = _compare(query, prepared)
    for first_name, last_name in record.other_names:
        alias = _prepare(with_name(record.person, first_name, last_name))
        alias_comparison = _compare(query, alias)
        if alias_comparison.log_odds > comparison.log_odds:
            name = " ".join(part for part in (first_name, last_name) if part)
            prepared = alias
            comparison = replace(alias_comparison, reasons=(f"known as {name}", *alias_comparison.reasons))
    return prepared, comparison


def _household(person: _Prepared) -> list[tuple[str, object]]:
    keys: list[tuple[str, object]] = []
    if person.last and person.dob:
        keys.append((person.last, person.dob))
    if person.last and person.postcode:
        keys.append((person.last, person.postcode))
    return keys


def rank_candidates(
    query: PersonDetails,
    records: Sequence[KnownRecord],
    policy: MatchingPolicy,
    *,
    limit: int | None = None,
) -> list[RankedMatch]:
    """The records worth an officer's look, best first: those scoring at least `possible`, and
    those agreeing with the query on two of first name, surname, DOB and address, offered as
    `possible` with a reason saying what agrees and what does not. Among these a DOB and an
    address agreeing outrank a first name and surname (`_plausible_score`).

    A plausible record of the household (same surname, and DOB or postcode) of a `certain` or
    `likely` candidate is not offered: the query already names that candidate, and the other is
    the twin or sibling the first name tells apart. Ties in score go to the record whose details
    agree more on the unrounded log-odds, then to the record id, so the order is stable.
    """
    prepared_query = _prepare(query)
    floor = _log_odds_of(policy.possible - 10**-_SCORE_DECIMALS / 2)
    prepared: list[_Prepared] = []
    comparisons: list[_Comparison] = []
    kept: list[KnownRecord] = []
    for record in records:
        person, comparison = _best_name(prepared_query, record)
        if _cannot_reach(prepared_query, record.person, floor) and _plausibility(comparison)[0] < 2:
            continue
        kept.append(record)
        prepared.append(person)
        comparisons.append(comparison)
    comparisons = _demote_rival_siblings(prepared, comparisons)

    # Two case-system records the query cannot tell apart (John Smith and his son John Smith, with
    # no DOB given): neither may be linked without another detail.
    scored = [(record, comparison, *_scored(comparison, policy)) for record, comparison in zip(kept, comparisons)]
    ceiling = _just_below(policy.likely)
    alike: dict[tuple[Agreement, ...], int] = {}
    for record, comparison, score, _reasons in scored:
        if record.one_record_per_person and score >= policy.likely:
            alike[comparison.evidence] = alike.get(comparison.evidence, 0) + 1

    # (-score, -log-odds, id, record, reasons, the comparison whose agreement to explain or None)
    ranked: list[tuple[float, float, str, KnownRecord, tuple[str, ...], _Comparison | None]] = []
    plausible: list[tuple[float, float, str, KnownRecord, tuple[str, ...], _Comparison, _Prepared]] = []
    confident_households: set[tuple[str, object]] = set()
    for (record, comparison, score, reasons), person in zip(scored, prepared, strict=True):
        log_odds = comparison.log_odds
        if record.one_record_per_person and alike.get(comparison.evidence, 0) > 1 and score > ceiling:
            score = ceiling
            reasons = (*reasons, _AMBIGUOUS_REASON)
        band = band_for(score, policy)
        explained: _Comparison | None = None
        if band in (None, "possible"):
            agreeing, strength = _plausibility(comparison)
            least = _plausible_score(strength, policy) if agreeing >= 2 else 0.0
            if band is None:
                if agreeing >= 2:
                    plausible.append((-least, -log_odds, record.record_id, record, reasons, comparison, person))
                continue
            if least > score:
                score, explained = least, comparison
        if band in ("certain", "likely"):
            confident_households.update(_household(person))
        ranked.append((-score, -log_odds, record.record_id, record, reasons, explained))
    for negative_score, negative_log_odds, record_id, record, reasons, comparison, person in plausible:
        if not confident_households.intersection(_household(person)):
            ranked.append((negative_score, negative_log_odds, record_id, record, reasons, comparison))
    ranked.sort(key=lambda entry: entry[:3])
    # Reasons saying what agrees are written only for the records shown.
    matches = [
        RankedMatch(
            record,
            -negative_score,
            band_for(-negative_score, policy),
            (*reasons, _plausible_reason(explained)) if explained is not None else reasons,
        )
        for negative_score, _log_odds, _record_id, record, reasons, explained in ranked[:limit]
    ]
    return matches
