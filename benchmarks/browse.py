"""How /browse and a company's /missions list scale: 5,000 vs 50,000 missions.

Builds two throw-away databases through the real `Database` (migrations and PRAGMAs),
seeds them with bulk inserts, then times the real `MissionRepository` queries on both,
call by call in alternation so that machine noise hits both sizes alike.

Run from the repository root:  .venv/bin/python -m benchmarks.browse
Targets: p99 under 5 ms at 50,000 missions, and p99@50k / p99@5k at most 1.5.
Always exits 0: this is a measurement; read the verdict.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.clock import SystemClock, to_db
from storage.database import Database
from storage.models import BrowseFilters, PayModel, Target
from storage.repositories.missions import MissionRepository

SIZES = (5_000, 50_000)
COMPANIES = 2_000
PROSPECTORS = 50_000
BIG_COMPANY = 1  # company ids are 1..COMPANIES; this one owns BIG_COMPANY_MISSIONS
BIG_COMPANY_MISSIONS = 500
PROSPECTOR_BASE_ID = 100_000
OPEN_SHARE = 0.10
FULL_SHARE = 0.05  # of the open missions: every slot taken
CALLS = 2_000
WARMUP = 100
P99_TARGET_MS = 5.0
RATIO_TARGET = 1.5
SEED = 20_240_601
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

Call = Callable[[MissionRepository], Awaitable[object]]


@dataclass(frozen=True)
class Query:
    name: str
    call: Call


@dataclass(frozen=True)
class Result:
    name: str
    rows: tuple[int, int]
    median_ms: tuple[float, float]
    p99_ms: tuple[float, float]

    @property
    def ratio(self) -> float:
        return self.p99_ms[1] / self.p99_ms[0]

    @property
    def comparable(self) -> bool:
        """Whether both sizes answered as many rows: the ratio measures how a query's cost
        grows with the table, which an empty page against a full one does not show."""
        return self.rows[0] == self.rows[1]

    @property
    def passed(self) -> bool:
        scales = self.ratio <= RATIO_TARGET or not self.comparable
        return self.p99_ms[1] < P99_TARGET_MS and scales


# --- seeding ----------------------------------------------------------------------------


def stamp(minutes: int) -> str:
    return to_db(EPOCH + timedelta(minutes=minutes))


def user_rows() -> Iterator[tuple[Any, ...]]:
    now = stamp(0)
    for uid in range(1, COMPANIES + 1):
        yield uid, "company", "fr", f"Company {uid}", now, now
    for n in range(1, PROSPECTORS + 1):
        yield PROSPECTOR_BASE_ID + n, "prospector", "en", f"Prospector {n}", now, now


def company_rows() -> Iterator[tuple[Any, ...]]:
    now = stamp(0)
    for uid in range(1, COMPANIES + 1):
        yield uid, f"Company {uid}", "saas", now, now


def prospector_rows(rng: random.Random) -> Iterator[tuple[Any, ...]]:
    now = stamp(0)
    for n in range(1, PROSPECTORS + 1):
        specialties = json.dumps(rng.sample(["b2b", "b2c"], rng.randint(1, 2)))
        years = rng.randint(0, 30)
        yield PROSPECTOR_BASE_ID + n, n, f"P {n}", '["fr"]', specialties, years, now, now


def owners(rng: random.Random, count: int) -> list[int]:
    """A company per mission: BIG_COMPANY on 500 random ones, the others at random."""
    result = [rng.randint(2, COMPANIES) for _ in range(count)]
    for index in rng.sample(range(count), BIG_COMPANY_MISSIONS):
        result[index] = BIG_COMPANY
    return result


def state(rng: random.Random, is_open: bool, slots: int) -> tuple[str, int, str | None]:
    """(status, active_count, closed_reason)."""
    if is_open:
        full = rng.random() < FULL_SHARE
        return "open", slots if full else rng.randint(0, slots - 1), None
    if rng.random() < 0.3:
        return "paused", rng.randint(0, slots - 1), None
    return "closed", 0, "company"


def mission_rows(rng: random.Random, count: int) -> Iterator[tuple[Any, ...]]:
    companies = owners(rng, count)
    open_ids = set(rng.sample(range(count), int(count * OPEN_SHARE)))
    for index, company_id in enumerate(companies):
        slots = rng.randint(1, 10)
        status, active, reason = state(rng, index in open_ids, slots)
        published = stamp(10 * index + 1)
        yield (
            index + 1,
            company_id,
            f"Mission {index + 1}: call prospects for our offer",
            "Call the leads we provide, qualify them and book a meeting. " * 3,
            rng.choice(list(PayModel)).value,
            rng.randint(50, 20_000),
            slots,
            rng.choice([None, 50, 200]),
            rng.choice(list(Target)).value,
            rng.choice(["auto", "manual"]),
            status,
            active,
            stamp(10 * index),
            published,
            stamp(10 * index + 5) if status == "closed" else None,
            reason,
        )


INSERT_USER = """INSERT INTO users (id, role, language, first_name, created_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_COMPANY = """INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?)"""
INSERT_PROSPECTOR = """INSERT INTO prospector_profiles (user_id, number, display_name,
    languages, specialties, experience_years, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
INSERT_MISSION = """INSERT INTO missions (id, company_id, title, brief, pay_model, rate_cents,
    slots, result_cap, target, approval, status, active_count, created_at, published_at,
    closed_at, closed_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


async def build(folder: Path, missions: int) -> Database:
    rng = random.Random(SEED)
    db = Database(folder / f"missions_{missions}.sqlite3")
    await db.open()
    async with db.transaction() as tx:
        await tx.execute_many(INSERT_USER, user_rows())
        await tx.execute_many(INSERT_COMPANY, company_rows())
        await tx.execute_many(INSERT_PROSPECTOR, prospector_rows(rng))
        await tx.execute_many(INSERT_MISSION, mission_rows(rng, missions))
    return db


# --- the queries ------------------------------------------------------------------------

FILTERS = {
    "no filter": BrowseFilters(),
    "pay_model": BrowseFilters(pay_model=PayModel.LEAD),
    "target+min_rate": BrowseFilters(target=Target.B2B, min_rate_cents=5_000),
    "all three": BrowseFilters(pay_model=PayModel.SALE, target=Target.B2C, min_rate_cents=5_000),
}
# /browse asks for PAGE_SIZE + 1 = 6 rows; page 20 starts at 19 * 5 = 95.
BROWSE_PAGES = {"page 1": 0, "page 20": 95}


def browse_call(filters: BrowseFilters, offset: int) -> Call:
    return lambda repo: repo.browse(filters, offset=offset, limit=6)


def company_call(offset: int) -> Call:
    return lambda repo: repo.for_company(BIG_COMPANY, offset=offset, limit=5)


def queries() -> list[Query]:
    found = [
        Query(f"browse {page}, {label}", browse_call(filters, offset))
        for page, offset in BROWSE_PAGES.items()
        for label, filters in FILTERS.items()
    ]
    found.append(Query("for_company page 1", company_call(0)))
    found.append(Query("for_company page 100 (last)", company_call(495)))
    return found


# --- measuring --------------------------------------------------------------------------


def row_count(answer: object) -> int:
    if isinstance(answer, tuple):  # for_company: (page, total)
        answer = answer[0]
    return len(answer) if isinstance(answer, list) else 0


async def timed(repo: MissionRepository, call: Call) -> int:
    start = time.perf_counter_ns()
    await call(repo)
    return time.perf_counter_ns() - start


def p99(samples: list[int]) -> int:
    ordered = sorted(samples)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def ms(nanoseconds: float) -> float:
    return nanoseconds / 1e6


async def measure(repos: tuple[MissionRepository, MissionRepository], query: Query) -> Result:
    rows = (row_count(await query.call(repos[0])), row_count(await query.call(repos[1])))
    for _ in range(WARMUP):
        for repo in repos:
            await query.call(repo)
    samples: tuple[list[int], list[int]] = ([], [])
    for _ in range(CALLS):
        for repo, bucket in zip(repos, samples, strict=True):
            bucket.append(await timed(repo, query.call))
    return Result(
        query.name,
        rows,
        (ms(statistics.median(samples[0])), ms(statistics.median(samples[1]))),
        (ms(p99(samples[0])), ms(p99(samples[1]))),
    )


# --- reporting --------------------------------------------------------------------------

HEADER = (
    f"{'query':<34} {'rows':>7} {'med@5k':>8} {'p99@5k':>8} {'med@50k':>8} {'p99@50k':>8}"
    f" {'ratio':>6}  verdict"
)


def line(result: Result) -> str:
    rows = f"{result.rows[0]}/{result.rows[1]}"
    figures = (result.median_ms[0], result.p99_ms[0], result.median_ms[1], result.p99_ms[1])
    cells = " ".join(f"{value:8.3f}" for value in figures)
    verdict = "PASS" if result.passed else "FAIL"
    note = "" if result.comparable else " *"
    return f"{result.name:<34} {rows:>7} {cells} {result.ratio:6.3f}  {verdict}{note}"


def report(results: list[Result], seconds: float) -> None:
    print(f"\n{CALLS} timed calls per query and size, after {WARMUP} warm-up calls; ms.")
    print(f"Target: p99@50k < {P99_TARGET_MS} ms and p99@50k / p99@5k <= {RATIO_TARGET}.\n")
    print(HEADER)
    print("-" * len(HEADER))
    for result in results:
        print(line(result))
    if not all(result.comparable for result in results):
        print("* rows (5k/50k) differ: the smaller database cannot fill that page, so the")
        print("  ratio compares an empty page with a full one; that line is judged on p99 alone.")
    failed = [result.name for result in results if not result.passed]
    print(f"\nMeasured in {seconds:.1f} s.")
    if failed:
        print(f"OVERALL: FAIL ({len(failed)} of {len(results)} queries miss the targets)")
    else:
        print(f"OVERALL: PASS (all {len(results)} queries meet the targets)")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as folder:
        started = time.perf_counter()
        dbs = [await build(Path(folder), size) for size in SIZES]
        print(f"Seeded {SIZES} missions in {time.perf_counter() - started:.1f} s.")
        repos = (MissionRepository(dbs[0], SystemClock()), MissionRepository(dbs[1], SystemClock()))
        gc.collect()
        started = time.perf_counter()
        try:
            results = [await measure(repos, query) for query in queries()]
        finally:
            for db in dbs:
                await db.close()
        report(results, time.perf_counter() - started)


if __name__ == "__main__":
    asyncio.run(main())
