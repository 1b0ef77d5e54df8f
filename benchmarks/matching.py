"""Person matching at scale (issues 5 and 16): import time, store size, lookup latency, memory and quality.

    python benchmarks/matching.py --persons 1000000 --queries 10000

Generates (or reuses) the labelled data of `benchmarks/matching_data.py`, imports it into a fresh
store through the command line, runs `mash lookup --batch` as a child process and reports:

- import time of persons and of involvements, and the store's size on disk;
- lookup p50 and p95 from each answer's `elapsed_ms` (the lookup alone), and the batch's peak RSS;
- over present people (asked about as recorded, or with one, two or three corruptions at once):
  recall@1, recall@5, and the share whose true record is top *and* `certain` or `likely`;
- the share of absent people offered a `certain` or `likely` candidate;
- every figure overall, by number of corruptions, and by kind of corruption (alone, and within
  two or three), and the machine it ran on with its load.

Goals (issue 16, at 1M persons): import ≤ 20 s, p95 ≤ 10 ms, RSS ≤ 500 MiB, overall recall@1
≥ 99.5 %, two-corruption recall@1 ≥ 97 %, absent certain/likely ≤ 0.5 %.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from matching_data import default_directory  # noqa: E402 - a sibling script, not a package
GOALS = {
    "import_s": 20.0,
    "p95_ms": 10.0,
    "rss_mib": 500.0,
    "absent_confident": 0.005,
    "recall_at_1": 0.995,
    "two_recall_at_1": 0.97,
}
CONFIDENT = ("certain", "likely")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}{memory}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def load_average() -> str:
    """Other work on the machine slows every figure; say how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def mash_command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mash_tui", "--home", str(home), *args]


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    """User and system time of the process and the processes it waited for: unlike wall time,
    hardly changed by other work on a shared machine."""
    peak_rss_mib: float


# `mash lookup` reads people's records, so it runs as a signed-in officer, audited like any other.
LOOKUP_USER = "bench-officer"
LOOKUP_PASSWORD = "matching benchmark officer"


def lookup_officer(home: Path) -> None:
    """The officer the lookups run as; added once per store (a store imported before may have her)."""
    added = subprocess.run(
        mash_command(home, "users", "add", LOOKUP_USER, "--role", "officer", "--password-stdin"),
        input=LOOKUP_PASSWORD + "\n", capture_output=True, text=True, cwd=REPO,
    )
    if added.returncode != 0 and "already taken" not in added.stderr:
        raise SystemExit(f"cannot add the lookup officer {LOOKUP_USER}: {added.stderr.strip()}")


def run_measured(command: list[str], stdout_path: Path, env: dict[str, str] | None = None) -> Run:
    """Wall and CPU seconds and peak RSS (MiB) of one child process; exits if it fails."""
    started = time.perf_counter()
    with stdout_path.open("wb") as stdout:
        child = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, cwd=REPO,
                                 env={**os.environ, **(env or {})})
        _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        error = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}): {error}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def store_size(home: Path) -> int:
    return sum(path.stat().st_size for path in home.glob("mash.db*"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def corruption_count(kind: str) -> int:
    return 0 if kind == "exact" else kind.count("+") + 1


def evaluate(answers_path: Path, labels_path: Path) -> dict[str, object]:
    """Latency over every answer; quality over present people overall, by number of corruptions
    and by kind, and over absent people."""
    with labels_path.open(newline="", encoding="utf-8") as handle:
        labels = {row["query_id"]: (row["person_id"], row["kind"]) for row in csv.DictReader(handle)}
    elapsed: list[float] = []
    # per group: queries, true record first, true record in the top five, first and certain/likely
    by_count: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    alone: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    combined: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    absent_by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    with answers_path.open(encoding="utf-8") as handle:
        for line in handle:
            answer = json.loads(line)
            elapsed.append(answer["elapsed_ms"])
            truth, kind = labels[answer["query_id"]]
            candidates = answer["candidates"]
            ids = [candidate["person_id"] for candidate in candidates]
            if truth:
                hit_1 = bool(ids) and ids[0] == truth
                confident = hit_1 and candidates[0]["band"] in CONFIDENT
                outcome = (1, int(hit_1), int(truth in ids[:5]), int(confident))
                count = corruption_count(kind)
                tallies = [by_count[count]]
                if count == 1:
                    tallies.append(alone[kind])
                elif count > 1:
                    tallies.extend(combined[part] for part in kind.split("+"))
                for tally in tallies:
                    tally[:] = [total + value for total, value in zip(tally, outcome, strict=True)]
                if not hit_1 and len(misses) < 60:
                    misses.append(f"{answer['query_id']} {kind}: want {truth}, got {candidates[:2]}")
            else:
                wrong = bool(candidates) and candidates[0]["band"] in CONFIDENT
                tally = absent_by_kind[kind]
                tally[0] += 1
                tally[1] += wrong
                if wrong and len(misses) < 80:
                    misses.append(f"{answer['query_id']} {kind}: absent, got {candidates[:1]}")
    overall = [sum(values) for values in zip(*by_count.values(), strict=True)] if by_count else [0, 0, 0, 0]
    absent = sum(count for count, _wrong in absent_by_kind.values())
    absent_confident = sum(wrong for _count, wrong in absent_by_kind.values())
    return {
        "queries": len(elapsed),
        "p50_ms": statistics.median(elapsed),
        "p95_ms": percentile(elapsed, 0.95),
        "p99_ms": percentile(elapsed, 0.99),
        "max_ms": max(elapsed),
        "mean_ms": statistics.fmean(elapsed),
        "overall": overall,
        "by_count": dict(by_count),
        "alone": dict(alone),
        "combined": dict(combined),
        "absent": absent,
        "absent_confident": absent_confident / absent if absent else 0.0,
        "absent_by_kind": dict(absent_by_kind),
        "misses": misses,
    }


def shares(tally: list[int]) -> tuple[float, float, float]:
    count, hit_1, hit_5, confident = tally
    return (hit_1 / count, hit_5 / count, confident / count) if count else (0.0, 0.0, 0.0)


def verdict(value: float, goal: float, *, at_most: bool, share: bool = False) -> str:
    met = value <= goal if at_most else value >= goal
    shown = f"{goal:.1%}" if share else f"{goal:g}"
    return f"{'met' if met else 'MISSED'} (goal {'≤' if at_most else '≥'} {shown})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--data", type=Path, help="data directory (default: a cache under the temp dir)")
    parser.add_argument("--home", type=Path, help="store directory to create (default: a fresh temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the store afterwards")
    parser.add_argument(
        "--imported",
        type=Path,
        help="a store this data was already imported into: measure the lookups alone, skipping the imports",
    )
    parser.add_argument("--show-misses", action="store_true", help="print the first misses")
    args = parser.parse_args()

    data = args.data or default_directory(args.persons, args.queries, args.seed)
    if not (data / "labels.csv").exists():
        print(f"generating data in {data} ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "matching_data.py"),
                str(data),
                "--persons",
                str(args.persons),
                "--queries",
                str(args.queries),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
    home = args.imported or args.home or Path(tempfile.mkdtemp(prefix="mash-matching-home-"))
    if args.imported is None and home.exists() and any(home.iterdir()):
        raise SystemExit(f"{home} is not empty; the benchmark needs a fresh store")
    scratch = Path(tempfile.mkdtemp(prefix="mash-matching-out-"))
    try:
        print(f"machine: {machine()}")
        print(f"data: {data} ({args.persons:,} persons, {args.queries:,} queries, seed {args.seed})")
        print(f"store: {home}")
        print(f"before: {load_average()}")

        persons_run = involvements_run = None
        if args.imported is None:
            persons_run = run_measured(
                mash_command(home, "persons", "import", str(data / "persons.csv")), scratch / "import.out"
            )
            involvements_run = run_measured(
                mash_command(home, "involvements", "import", str(data / "involvements.csv")), scratch / "inv.out"
            )
        size = store_size(home)
        answers = scratch / "answers.jsonl"
        lookup_officer(home)
        lookup_run = run_measured(
            mash_command(home, "lookup", "--batch", str(data / "queries.csv"), "--json", "--as", LOOKUP_USER),
            answers,
            env={"MASH_PASSWORD": LOOKUP_PASSWORD},
        )
        figures = evaluate(answers, data / "labels.csv")
        print(f"after: {load_average()}")

        print()
        if persons_run is not None and involvements_run is not None:
            print(
                f"import persons      {persons_run.wall_s:8.1f} s   "
                f"{verdict(persons_run.wall_s, GOALS['import_s'], at_most=True)}  "
                f"(CPU {persons_run.cpu_s:.1f} s, peak RSS {persons_run.peak_rss_mib:.0f} MiB)"
            )
            print(f"import involvements {involvements_run.wall_s:8.1f} s   (CPU {involvements_run.cpu_s:.1f} s)")
        else:
            print(f"imports             skipped: {home} was imported before")
        print(f"store size          {size / 1024 / 1024:8.1f} MiB ({size:,} bytes)")
        print(
            f"lookup batch        {lookup_run.wall_s:8.1f} s wall for {figures['queries']:,} queries, "
            f"including start-up (CPU {lookup_run.cpu_s:.1f} s)"
        )
        print(f"lookup p50          {figures['p50_ms']:8.2f} ms")
        print(f"lookup p95          {figures['p95_ms']:8.2f} ms  {verdict(figures['p95_ms'], GOALS['p95_ms'], at_most=True)}")
        print(f"lookup p99 / max    {figures['p99_ms']:8.2f} / {figures['max_ms']:.2f} ms (mean {figures['mean_ms']:.2f})")
        print(
            f"lookup peak RSS     {lookup_run.peak_rss_mib:8.1f} MiB "
            f"{verdict(lookup_run.peak_rss_mib, GOALS['rss_mib'], at_most=True)}"
        )
        overall_1, overall_5, overall_confident = shares(figures["overall"])  # type: ignore[arg-type]
        print(
            f"recall@1            {overall_1:8.2%}  "
            f"{verdict(overall_1, GOALS['recall_at_1'], at_most=False, share=True)}  "
            f"of {figures['overall'][0]:,} present people, as recorded or with 1-3 corruptions"  # type: ignore[index]
        )
        print(f"recall@5            {overall_5:8.2%}")
        by_count = figures["by_count"]  # type: ignore[assignment]
        at_most_one = [sum(values) for values in zip(by_count.get(0, [0] * 4), by_count.get(1, [0] * 4), strict=True)]
        one_1, one_5, _one_confident = shares(at_most_one)
        print(
            f"recall@1, @5        {one_1:8.2%} / {one_5:.2%} of the {at_most_one[0]:,} asked about as recorded "
            "or with one corruption"
        )
        print(f"present: top and certain/likely {overall_confident:7.2%}")
        print(
            f"absent: certain/likely offered  {figures['absent_confident']:7.2%}  "
            f"{verdict(figures['absent_confident'], GOALS['absent_confident'], at_most=True, share=True)}"
            f"  of {figures['absent']:,} absent"
        )
        print()
        header = f"{'n':>5} {'@1':>7} {'@5':>7} {'top+conf':>9}"
        print(f"{'corruptions':<24} {header}")
        for count, tally in sorted(figures["by_count"].items()):  # type: ignore[union-attr]
            hit_1, hit_5, confident = shares(tally)
            note = ""
            if count == 2:
                note = "  " + verdict(hit_1, GOALS["two_recall_at_1"], at_most=False, share=True)
            print(f"{count:<24} {tally[0]:>5} {hit_1:>7.1%} {hit_5:>7.1%} {confident:>9.1%}{note}")
        print()
        print(f"{'kind':<24} {'alone: ' + header:>38}   {'in 2-3 corruptions: ' + header}")
        kinds = sorted(set(figures["alone"]) | set(figures["combined"]))  # type: ignore[arg-type]
        for kind in kinds:
            cells = []
            for table in (figures["alone"], figures["combined"]):
                tally = table.get(kind, [0, 0, 0, 0])  # type: ignore[union-attr]
                hit_1, hit_5, confident = shares(tally)
                cells.append(f"{tally[0]:>5} {hit_1:>7.1%} {hit_5:>7.1%} {confident:>9.1%}")
            print(f"{kind:<24} {cells[0]:>38}   {'':>20}{cells[1]}")
        print()
        print(f"{'absent kind':<24} {'n':>5} {'certain/likely':>15}")
        for kind, (count, wrong) in sorted(figures["absent_by_kind"].items()):  # type: ignore[union-attr]
            print(f"{kind:<24} {count:>5} {wrong / count:>15.2%}")
        if args.show_misses:
            print()
            for miss in figures["misses"]:  # type: ignore[union-attr]
                print(miss)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep and args.home is None and args.imported is None:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
