"""A labelled, synthetic case-system population and lookup queries for the matching benchmark.

Seeded Faker (`en_GB`) households: parents and children sharing a surname, an address and a
postcode, some twins, some double-barrelled children, some mothers under another surname, and the
gaps real case systems have (babies with no first name, unknown DOBs, no address), and children
of step-families recorded with an earlier surname as an alias (the `aliases` column). Queries are
people of the population as a caller would describe them, with the corruptions of issues 5 and 16
(typos, transposed letters, nicknames, double-barrelled and changed surnames, phonetic spellings,
swapped names, day and month swapped, DOB a year out, missing details; a first name replaced by
another, a surname replaced, a DOB wrong in year and day, another house number, a postcode typo,
an address typed with errors and words run together, the child asked about under an earlier
surname), plus people who are not there: strangers, new babies in known households (same surname,
address and postcode) and namesakes. Of the present people, 10 % are asked about exactly as
recorded, 65 % with one corruption, 18 % with two and 7 % with three at once; a fifth of all
queries are for absent people.

    python benchmarks/matching_data.py [OUT_DIR] --persons 1000000 --queries 10000

writes OUT_DIR/persons.csv, involvements.csv, queries.csv and labels.csv (query_id, person_id
(empty when absent), kind).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from nicknames import NickNamer

REFERENCE_DAY = date(2026, 11, 24)
SERVICES = ("social_care", "early_help", "youth_offending", "cp_plan", "looked_after")
SERVICE_WEIGHTS = (40, 35, 8, 9, 8)
TEAMS = (
    "Assessment Team 1",
    "Assessment Team 2",
    "Child in Need North",
    "Child in Need South",
    "Child Protection",
    "Children in Care",
    "Early Help East",
    "Early Help West",
    "Youth Justice",
)
PRESENT_KINDS = (
    "typo_first",
    "typo_last",
    "transposed_first",
    "transposed_last",
    "nickname",
    "double_barrelled",
    "changed_surname",
    "phonetic_first",
    "phonetic_last",
    "swapped_names",
    "dob_day_month_swapped",
    "dob_year_off",
    "missing_dob",
    "missing_first",
    "missing_address",
    "first_replaced",
    "dob_year_and_day",
    "house_number",
    "postcode_typo",
    "address_typos",
    "earlier_surname",
)
CORRUPTION_WEIGHTS = (10, 65, 18, 7)
"""How many corruptions a present person's query carries: none, one, two, three."""
ALIAS_SHARE = 0.3
"""Of the children of a mother under another surname, those recorded with it as an alias."""
PHONETIC_RULES = (
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("th", "t"),
    ("mps", "ms"),
    ("ou", "ow"),
    ("ey", "y"),
    ("ie", "y"),
    ("y", "i"),
    ("ai", "ay"),
    ("ee", "ea"),
    ("z", "s"),
    ("ll", "l"),
    ("nn", "n"),
    ("tt", "t"),
    ("rr", "r"),
    ("ss", "s"),
    ("c", "k"),
    ("k", "c"),
    ("ine", "yn"),
    ("son", "sen"),
    ("ah", "a"),
)
ADDRESS_SHORT_FORMS = (("Road", "Rd"), ("Street", "St"), ("Avenue", "Ave"), ("Lane", "Ln"), ("Drive", "Dr"))


@dataclass(frozen=True)
class Person:
    person_id: str
    first_name: str
    last_name: str
    dob: date | None
    sex: str
    address: str
    postcode: str
    household: int
    aliases: str = ""
    """Other and earlier names, joined by ";"."""


class Generator:
    def __init__(self, seed: int) -> None:
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.random = random.Random(seed)
        self.nicknames = NickNamer()

    # --- population ------------------------------------------------------------------------

    def first_name(self, sex: str) -> str:
        return self.fake.first_name_female() if sex == "F" else self.fake.first_name_male()

    def sex(self) -> str:
        return self.random.choice("FM")

    def dob_for_age(self, age_years: int) -> date:
        born = REFERENCE_DAY - timedelta(days=age_years * 365 + self.random.randrange(365))
        return born

    def household(self, number: int, next_id: list[int]) -> list[Person]:
        fake, rnd = self.fake, self.random
        address = f"{fake.building_number()} {fake.street_name()}, {fake.city()}"
        postcode = fake.postcode()
        surname = fake.last_name()
        children_count = rnd.choices((0, 1, 2, 3, 4), weights=(15, 30, 30, 17, 8))[0]
        adults_count = 1 if children_count == 0 else rnd.choices((1, 2), weights=(45, 55))[0]
        child_ages = sorted((rnd.randrange(18) for _ in range(children_count)), reverse=True)
        eldest = child_ages[0] if child_ages else rnd.randrange(0, 30)
        people: list[tuple[str, str, date | None, str]] = []
        aliases_of: dict[int, str] = {}

        mother_surname = surname
        if adults_count == 2 and rnd.random() < 0.2:
            mother_surname = fake.last_name()
        for index in range(adults_count):
            sex = "F" if index == 0 else "M"
            age = eldest + rnd.randrange(18, 40)
            people.append((self.first_name(sex), mother_surname if sex == "F" else surname, self.dob_for_age(age), sex))
        twins_at = rnd.randrange(children_count) if children_count and rnd.random() < 0.04 else None
        taken: set[str] = set()
        for index, age in enumerate(child_ages):
            children = 2 if index == twins_at else 1
            dob = self.dob_for_age(age)
            for _ in range(children):
                sex = self.sex()
                name = self.first_name(sex)
                while name in taken:
                    name = self.first_name(sex)
                taken.add(name)
                child_surname = surname
                if mother_surname != surname and rnd.random() < 0.25:
                    child_surname = f"{mother_surname}-{surname}"
                people.append((name, child_surname, dob, sex))
                if mother_surname != surname and child_surname == surname and rnd.random() < ALIAS_SHARE:
                    # Known to services under the mother's surname before she married.
                    aliases_of[len(people) - 1] = mother_surname

        result = []
        for index, (first, last, dob, sex) in enumerate(people):
            person_id = f"P{next_id[0]:07d}"
            next_id[0] += 1
            roll = rnd.random()
            if roll < 0.004:
                first = ""  # a newborn not yet named
            if rnd.random() < 0.01:
                dob = None
            recorded_sex = sex if rnd.random() > 0.03 else rnd.choice(("", "U"))
            has_address = rnd.random() > 0.02
            result.append(
                Person(
                    person_id,
                    first,
                    last,
                    dob,
                    recorded_sex,
                    address if has_address else "",
                    postcode if has_address else "",
                    number,
                    aliases_of.get(index, ""),
                )
            )
        return result

    def involvements(self, person: Person) -> list[tuple[str, ...]]:
        rnd = self.random
        if rnd.random() > 0.3:
            return []
        rows = []
        earliest = person.dob or (REFERENCE_DAY - timedelta(days=365 * 10))
        for _ in range(rnd.choices((1, 2, 3), weights=(70, 22, 8))[0]):
            span = max((REFERENCE_DAY - earliest).days, 1)
            start = earliest + timedelta(days=rnd.randrange(span))
            status = "open" if rnd.random() < 0.3 else "closed"
            end = ""
            if status == "closed":
                end = min(start + timedelta(days=rnd.randrange(14, 700)), REFERENCE_DAY).isoformat()
            rows.append(
                (
                    person.person_id,
                    rnd.choices(SERVICES, weights=SERVICE_WEIGHTS)[0],
                    status,
                    start.isoformat(),
                    end,
                    self.fake.name(),
                    rnd.choice(TEAMS),
                    self.fake.phone_number(),
                )
            )
        return rows

    # --- corruptions -----------------------------------------------------------------------

    def typo(self, word: str) -> str | None:
        rnd = self.random
        if len(word) < 3:
            return None
        letters = "abcdefghijklmnopqrstuvwxyz"
        at = rnd.randrange(1, len(word)) if rnd.random() < 0.85 else 0
        operation = rnd.choice(("substitute", "delete", "insert", "double"))
        lower = word.lower()
        if operation == "substitute":
            changed = lower[:at] + rnd.choice(letters.replace(lower[at], "")) + lower[at + 1 :]
        elif operation == "delete":
            changed = lower[:at] + lower[at + 1 :]
        elif operation == "insert":
            changed = lower[:at] + rnd.choice(letters) + lower[at:]
        else:
            changed = lower[:at] + lower[at] + lower[at:]
        return changed.capitalize() if changed != lower else None

    def transposed(self, word: str) -> str | None:
        lower = word.lower()
        places = [index for index in range(1, len(lower) - 1) if lower[index] != lower[index + 1]]
        if not places:
            return None
        at = self.random.choice(places)
        return (lower[:at] + lower[at + 1] + lower[at] + lower[at + 2 :]).capitalize()

    def phonetic(self, word: str) -> str | None:
        lower = word.lower()
        rules = [(old, new) for old, new in PHONETIC_RULES if old in lower[1:] or (old in lower and old[0] != lower[0])]
        self.random.shuffle(rules)
        for old, new in rules:
            at = lower.find(old, 1) if old in lower[1:] else lower.find(old)
            changed = lower[:at] + new + lower[at + len(old) :]
            # "ff" to "phf" is no spelling anyone would hear.
            if changed != lower and "phf" not in changed and "fph" not in changed:
                return changed.capitalize()
        return None

    def nickname(self, name: str) -> str | None:
        lower = name.lower()
        forms = sorted(self.nicknames.nicknames_of(lower) | self.nicknames.canonicals_of(lower))
        forms = [form for form in forms if len(form) > 1]
        return self.random.choice(forms).capitalize() if forms else None

    def corrupt(self, query: Person, kind: str) -> Person | None:
        rnd = self.random
        first, last, dob = query.first_name, query.last_name, query.dob
        if kind in (
            "typo_first", "transposed_first", "phonetic_first", "nickname", "missing_first", "first_replaced"
        ) and not first:
            return None
        if kind in ("dob_day_month_swapped", "dob_year_off", "missing_dob", "dob_year_and_day") and dob is None:
            return None
        if kind in ("house_number", "address_typos") and not query.address:
            return None
        if kind == "postcode_typo" and not query.postcode:
            return None
        if kind in ("typo_last", "transposed_last", "phonetic_last") and "-" in last:
            return None
        changed: str | None
        match kind:
            case "typo_first":
                changed = self.typo(first)
                return replace(query, first_name=changed) if changed else None
            case "typo_last":
                changed = self.typo(last)
                return replace(query, last_name=changed) if changed else None
            case "transposed_first":
                changed = self.transposed(first)
                return replace(query, first_name=changed) if changed else None
            case "transposed_last":
                changed = self.transposed(last)
                return replace(query, last_name=changed) if changed else None
            case "phonetic_first":
                changed = self.phonetic(first)
                return replace(query, first_name=changed) if changed else None
            case "phonetic_last":
                changed = self.phonetic(last)
                return replace(query, last_name=changed) if changed else None
            case "nickname":
                changed = self.nickname(first)
                return replace(query, first_name=changed) if changed else None
            case "double_barrelled":
                if "-" in last:
                    return replace(query, last_name=rnd.choice(last.split("-")))
                other = self.fake.last_name()
                parts = [last, other] if rnd.random() < 0.5 else [other, last]
                return replace(query, last_name="-".join(parts))
            case "changed_surname":
                other = self.fake.last_name()
                return replace(query, last_name=other) if other != last else None
            case "swapped_names":
                return replace(query, first_name=last, last_name=first) if first and last else None
            case "dob_day_month_swapped":
                assert dob is not None
                if dob.day > 12 or dob.day == dob.month:
                    return None
                return replace(query, dob=date(dob.year, dob.day, dob.month))
            case "dob_year_off":
                assert dob is not None
                try:
                    return replace(query, dob=dob.replace(year=dob.year + rnd.choice((-1, 1))))
                except ValueError:
                    return None
            case "missing_dob":
                return replace(query, dob=None)
            case "missing_first":
                return replace(query, first_name="")
            case "missing_address":
                return replace(query, address="", postcode="")
            case "first_replaced":
                sex = query.sex if query.sex in ("F", "M") else self.sex()
                other = self.first_name(sex)
                return replace(query, first_name=other) if other.lower() != first.lower() else None
            case "dob_year_and_day":
                assert dob is not None
                years = rnd.choice((-2, -1, 1, 2))
                try:
                    wrong = dob.replace(year=dob.year + years, day=rnd.randrange(1, 29))
                except ValueError:
                    return None
                return replace(query, dob=wrong) if wrong.day != dob.day else None
            case "house_number":
                number = re.match(r"\d+", query.address)
                if not number:
                    return None
                other = str(int(number.group()) + rnd.choice((-2, -1, 1, 2, 10)))
                return replace(query, address=other + query.address[number.end() :]) if int(other) > 0 else None
            case "postcode_typo":
                return replace(query, postcode=self.postcode_typo(query.postcode))
            case "address_typos":
                return replace(query, address=self.address_typos(query.address))
            case "earlier_surname":
                if not query.aliases:
                    return None
                return replace(query, last_name=query.aliases.split(";")[0].strip())
        raise ValueError(kind)

    def postcode_typo(self, postcode: str) -> str:
        """One character of a postcode wrong: a letter for a letter, a digit for a digit."""
        rnd = self.random
        places = [index for index, char in enumerate(postcode) if char.isalnum()]
        at = rnd.choice(places)
        pool = "0123456789" if postcode[at].isdigit() else "ABCDEFGHJKLMNPRSTUWXYZ"
        return postcode[:at] + rnd.choice(pool.replace(postcode[at], "")) + postcode[at + 1 :]

    def address_typos(self, address: str) -> str:
        """A slip in a street word, and two words run together, as a hurried officer types."""
        rnd = self.random
        words = address.split(" ")
        street = [index for index, word in enumerate(words) if len(word.strip(",")) >= 4 and word.isalpha()]
        if street:
            at = rnd.choice(street)
            slipped = self.typo(words[at])
            if slipped:
                words[at] = slipped if words[at][0].isupper() else slipped.lower()
        if len(words) >= 3:
            join = rnd.randrange(len(words) - 1)
            words[join : join + 2] = [words[join] + words[join + 1]]
        return " ".join(words)

    def as_caller_says(self, query: Person) -> Person:
        """What a caller knows varies: sex sometimes unsaid (15 %), the address now and then unknown
        (5 %) or in their own words (40 %: street only, short forms, lower case)."""
        rnd = self.random
        sex = query.sex if rnd.random() < 0.85 else ""
        address, postcode = query.address, query.postcode
        if address and rnd.random() < 0.05:
            address, postcode = "", ""
        if address and rnd.random() < 0.4:
            street = address.split(",")[0]
            for long, short in ADDRESS_SHORT_FORMS:
                street = re.sub(rf"\b{long}\b", short, street)
            address = street.lower() if rnd.random() < 0.5 else street
        if postcode and rnd.random() < 0.3:
            postcode = postcode.replace(" ", "").lower()
        return replace(query, sex=sex, address=address, postcode=postcode)


def _row(person: Person) -> list[str]:
    return [
        person.first_name,
        person.last_name,
        person.dob.isoformat() if person.dob else "",
        person.sex,
        person.address,
        person.postcode,
    ]


def generate(out: Path, persons_wanted: int, queries_wanted: int, absent_share: float, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    rnd = generator.random
    started = time.perf_counter()
    population: list[Person] = []
    households: dict[int, list[Person]] = {}
    next_id = [1]
    household_number = 0
    with (
        (out / "persons.csv").open("w", newline="", encoding="utf-8") as persons_file,
        (out / "involvements.csv").open("w", newline="", encoding="utf-8") as involvements_file,
    ):
        persons = csv.writer(persons_file)
        involvements = csv.writer(involvements_file)
        persons.writerow(["person_id", "first_name", "last_name", "dob", "sex", "address", "postcode", "aliases"])
        involvements.writerow(
            ["person_id", "service", "status", "start_date", "end_date", "allocated_worker", "team", "phone"]
        )
        while len(population) < persons_wanted:
            members = generator.household(household_number, next_id)[: persons_wanted - len(population)]
            households[household_number] = members
            household_number += 1
            for person in members:
                population.append(person)
                persons.writerow([person.person_id, *_row(person), person.aliases])
                involvements.writerows(generator.involvements(person))
            if household_number % 50_000 == 0:
                print(f"  {len(population):,} persons ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    absent_wanted = round(queries_wanted * absent_share)
    present_wanted = queries_wanted - absent_wanted
    labelled: list[tuple[Person, str, str]] = []
    known_by_alias = [person for person in population if person.aliases]
    while len(labelled) < present_wanted:
        corruptions = rnd.choices((0, 1, 2, 3), weights=CORRUPTION_WEIGHTS)[0]
        kinds = rnd.sample(PRESENT_KINDS, corruptions)
        # Few people have an earlier name; a query about one is drawn from those who do.
        person = rnd.choice(known_by_alias if "earlier_surname" in kinds else population)
        if not (person.first_name and person.last_name and person.dob):
            continue
        query: Person | None = person
        for kind in kinds:
            query = generator.corrupt(query, kind) if query is not None else None
        if query is None:
            continue
        labelled.append((generator.as_caller_says(query), person.person_id, "+".join(kinds) or "exact"))

    known_names = {(person.first_name, person.last_name, person.dob) for person in population}
    while len(labelled) < queries_wanted:
        roll = rnd.random()
        if roll < 0.5:
            sex = generator.sex()
            stranger = Person(
                "",
                generator.first_name(sex),
                generator.fake.last_name(),
                generator.dob_for_age(rnd.randrange(0, 50)),
                sex,
                f"{generator.fake.building_number()} {generator.fake.street_name()}, {generator.fake.city()}",
                generator.fake.postcode(),
                -1,
            )
            kind = "absent_stranger"
        elif roll < 0.8:
            family = households[rnd.randrange(household_number)]
            anchor = family[-1]
            sex = generator.sex()
            names = {member.first_name for member in family}
            name = generator.first_name(sex)
            while name in names:
                name = generator.first_name(sex)
            dobs = {member.dob for member in family}
            dob = generator.dob_for_age(rnd.randrange(0, 3))
            while dob in dobs:
                dob = generator.dob_for_age(rnd.randrange(0, 3))
            surname = family[-1].last_name
            stranger = replace(anchor, person_id="", first_name=name, last_name=surname, dob=dob, sex=sex)
            kind = "absent_new_sibling"
        else:
            namesake = rnd.choice(population)
            stranger = replace(
                namesake,
                person_id="",
                dob=generator.dob_for_age(rnd.randrange(0, 50)),
                address=f"{generator.fake.building_number()} {generator.fake.street_name()}",
                postcode=generator.fake.postcode(),
            )
            kind = "absent_namesake"
        if (stranger.first_name, stranger.last_name, stranger.dob) in known_names:
            continue
        labelled.append((generator.as_caller_says(stranger), "", kind))

    rnd.shuffle(labelled)
    with (
        (out / "queries.csv").open("w", newline="", encoding="utf-8") as queries_file,
        (out / "labels.csv").open("w", newline="", encoding="utf-8") as labels_file,
    ):
        queries = csv.writer(queries_file)
        labels = csv.writer(labels_file)
        queries.writerow(["query_id", "first_name", "last_name", "dob", "sex", "address", "postcode"])
        labels.writerow(["query_id", "person_id", "kind"])
        for number, (query, person_id, kind) in enumerate(labelled, start=1):
            query_id = f"Q{number:06d}"
            queries.writerow([query_id, *_row(query)])
            labels.writerow([query_id, person_id, kind])
    print(
        f"wrote {len(population):,} persons in {household_number:,} households and {len(labelled):,} queries "
        f"to {out} in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def default_directory(persons: int, queries: int, seed: int) -> Path:
    """Where `benchmarks/matching.py` looks for data it did not generate itself."""
    return Path(tempfile.gettempdir()) / f"mash-matching-{persons}-{queries}-{seed}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, nargs="?", help="directory to write (default: the benchmark's cache)")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--absent-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    out = args.out
    if out is None:
        out = default_directory(args.persons, args.queries, args.seed)
        if (out / "labels.csv").exists():
            print(f"{out} already holds this data set", file=sys.stderr)
            return
    generate(out, args.persons, args.queries, args.absent_share, args.seed)


if __name__ == "__main__":
    main()
