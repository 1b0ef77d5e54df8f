"""Booking the first free conference session (issue 18): 20 chairs, 2 years of bookings.

    python benchmarks/conference_booking.py [--chairs 20] [--bookings 500] [--fill 0.85] [--seed 18]

Builds a policy of `--chairs` chairs with two or three weekly sessions each, a diary holding
`--fill` of every session over the school years 2026/27 and 2027/28, then books `--bookings` ICPCs
one after another, each due 15 working days from a random moment in those years: the first free
session before the due date (`first_free_slot`) and the diary's booking of it. Reports the median
and p95 per booking, with the session index built per booking (a cold service call) and built once
(a warm one), and how many found no free session before their due date.

Goal: at most 20 ms per booking.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, time as wall_time, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mash_tui.config import default_policy  # noqa: E402
from mash_tui.domain.child_protection.booking import Diary, SessionIndex, first_free_slot  # noqa: E402
from mash_tui.domain.policy import WEEKDAYS, Chair, ChairSession  # noqa: E402
from mash_tui.domain.timescales import WorkingCalendar  # noqa: E402

GOAL_MS = 20.0
FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2028, 8, 31)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}; Python {platform.python_version()}, {platform.system()} {platform.release()}"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def make_chairs(count: int, rng: random.Random) -> tuple[Chair, ...]:
    starts = [wall_time(9, 30), wall_time(10, 0), wall_time(13, 30), wall_time(14, 0)]
    chairs = []
    for number in range(count):
        days = rng.sample(WEEKDAYS[:5], rng.choice([2, 3]))
        sessions = tuple(
            ChairSession(id=f"chair{number}-{day}", weekday=day, starts=rng.choice(starts),
                         room=rng.choice(["Civic Centre, Room 2", "Oak House, Room 1", "Video link"]))
            for day in days
        )
        chairs.append(Chair(id=f"chair{number}", name=f"Chair {number}", sessions=sessions))
    return tuple(chairs)


def filled_diary(index: SessionIndex, calendar: WorkingCalendar, fill: float, rng: random.Random) -> Diary:
    booked = set()
    day = FIRST_DAY
    while day <= LAST_DAY:
        for slot in index.slots_on(day, calendar):
            if rng.random() < fill:
                booked.add(slot.key)
        day += timedelta(days=1)
    return Diary(frozenset(booked))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chairs", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--fill", type=float, default=0.85, help="share of sessions already booked")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    policy = default_policy()
    calendar = WorkingCalendar.from_policy(policy)
    chairs = make_chairs(args.chairs, rng)
    index = SessionIndex(chairs)
    diary = filled_diary(index, calendar, args.fill, rng)
    total_slots = sum(len(index.slots_on(FIRST_DAY + timedelta(days=n), calendar))
                      for n in range((LAST_DAY - FIRST_DAY).days + 1))
    span = (datetime.combine(LAST_DAY, wall_time(), UTC) - datetime.combine(FIRST_DAY, wall_time(), UTC)
            - timedelta(days=40))
    starts = sorted(datetime.combine(FIRST_DAY, wall_time(9), UTC) + span * rng.random()
                    for _ in range(args.bookings))

    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    none_free = 0
    for mode in ("cold", "warm"):
        run_diary = diary
        for now in starts:
            due = calendar.due_at(policy.clocks["icpc"], now)
            began = time.perf_counter()
            sessions = SessionIndex(chairs) if mode == "cold" else index
            slot = first_free_slot(sessions, run_diary, now, due, calendar)
            if slot is not None:
                run_diary = run_diary.book(slot)
            timings[mode].append((time.perf_counter() - began) * 1000)
            if mode == "warm" and slot is None:
                none_free += 1

    print(f"conference booking: {args.chairs} chairs, {total_slots} sessions over {FIRST_DAY} to {LAST_DAY}, "
          f"{len(diary.booked)} booked ({args.fill:.0%}); {args.bookings} ICPC bookings in time order")
    for mode, label in (("cold", "session index built per booking"), ("warm", "session index built once")):
        values = timings[mode]
        print(f"  {label}: median {statistics.median(values):.3f} ms, p95 {percentile(values, 0.95):.3f} ms, "
              f"max {max(values):.3f} ms")
    print(f"  no free session before the due date: {none_free} of {args.bookings}")
    worst_p95 = max(percentile(values, 0.95) for values in timings.values())
    print(f"  goal p95 <= {GOAL_MS:.0f} ms: {'met' if worst_p95 <= GOAL_MS else 'NOT met'}")
    print(f"  {machine()}")
    print(f"  {load_average()}")


if __name__ == "__main__":
    main()
