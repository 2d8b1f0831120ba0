"""Publishing a mission that alerts 50,000 prospectors while other updates keep writing.

Builds throw-away databases through the real `Database` (migrations and PRAGMAs) and seeds
one company and 50,000 prospectors with new-mission alerts on. Meanwhile, like updates from
many users, a small write (a message added to a thread) is due every 10 ms whether or not
the previous one is done, and records how long it waited for its transaction: from when it
was due to being inside it (a loop busy with a long transaction delays it too).

- before: the fan-out as it was, one outbox row per recipient inside the publishing
  transaction, which holds the only write lock until the last row is in;
- after: the real `services.missions.publish` (one campaign row in the publishing
  transaction) and the bot's `CampaignExpander`, run until the campaign is done.

Run from the repository root:  .venv/bin/python -m benchmarks.fanout
Targets: small writes wait p99 < 50 ms and max < 200 ms; all 50,000 alerts queued.
Always exits 0: this is a measurement; read the verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import notice_renderers
from bot.kit.campaigns import CampaignExpander
from bot.kit.i18n import LANGUAGES, Catalogs
from bot.kit.notifier import OutboxNotifier
from bot.kit.outbox import enqueue_send
from services import notices
from services.missions import Published, publish
from services.ports import Deps, Rules
from storage.clock import SystemClock, to_db
from storage.database import Database
from storage.models import Approval, MessageKind, MissionFields, PayModel, Priority, Target
from storage.repositories import Repositories

PROSPECTORS = 50_000
PROSPECTOR_BASE_ID = 100_000
COMPANY_ID = 1
WRITE_INTERVAL = 0.010
P99_TARGET_MS = 50.0
MAX_TARGET_MS = 200.0

FIELDS = MissionFields(
    title="Book meetings with SaaS vendors",
    brief="Call IT managers of SaaS vendors and book a demo with our sales team.",
    pay_model=PayModel.APPOINTMENT,
    rate_cents=4_000,
    slots=3,
    result_cap=None,
    deadline=None,
    target=Target.B2B,
    approval=Approval.AUTO,
)

# The recipients as the fan-out used to read them, all at once.
OLD_RECIPIENTS = """
    SELECT u.id AS user_id, u.language
    FROM prospector_profiles p JOIN users u ON u.id = p.user_id
    WHERE p.notify_new_missions = 1 AND u.banned_at IS NULL AND u.blocked_at IS NULL
      AND EXISTS (SELECT 1 FROM json_each(p.specialties) WHERE json_each.value = ?)
    ORDER BY u.id
"""


@dataclass(frozen=True)
class Result:
    name: str
    publish_s: float
    expansion_s: float | None
    queued: int
    chats: int
    recipients: int
    waits_ms: list[float]

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.waits_ms)
        return ordered[math.ceil(0.99 * len(ordered)) - 1]

    @property
    def max_ms(self) -> float:
        return max(self.waits_ms)

    @property
    def all_queued(self) -> bool:
        return self.queued == self.chats == self.recipients == PROSPECTORS

    @property
    def passed(self) -> bool:
        return self.p99_ms < P99_TARGET_MS and self.max_ms < MAX_TARGET_MS and self.all_queued


# --- seeding ----------------------------------------------------------------------------


def user_rows(now: str) -> Iterator[tuple[Any, ...]]:
    yield COMPANY_ID, "company", "fr", "Acme", now, now
    for n in range(1, PROSPECTORS + 1):
        language = "en" if n % 3 == 0 else "fr"
        yield PROSPECTOR_BASE_ID + n, "prospector", language, f"Prospector {n}", now, now


def prospector_rows(now: str) -> Iterator[tuple[Any, ...]]:
    for n in range(1, PROSPECTORS + 1):
        specialties = '["b2b", "appointments"]' if n % 2 else '["b2b", "b2c", "sales"]'
        yield PROSPECTOR_BASE_ID + n, n, f"P {n}", '["fr"]', specialties, n % 30, now, now


INSERT_USER = """INSERT INTO users (id, role, language, first_name, created_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_COMPANY = """INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)
    VALUES (?, 'Acme', 'saas', ?, ?)"""
INSERT_PROSPECTOR = """INSERT INTO prospector_profiles (user_id, number, display_name,
    languages, specialties, experience_years, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


@dataclass(frozen=True)
class World:
    db: Database
    deps: Deps
    catalogs: Catalogs
    notifier: OutboxNotifier
    thread_id: int


async def build(path: Path) -> World:
    db = Database(path)
    await db.open()
    clock = SystemClock()
    now = to_db(clock.now())
    repos = Repositories.create(db, clock)
    async with db.transaction() as tx:
        await tx.execute_many(INSERT_USER, user_rows(now))
        await tx.execute(INSERT_COMPANY, (COMPANY_ID, now, now))
        await tx.execute_many(INSERT_PROSPECTOR, prospector_rows(now))
        # A thread for the small writes to add their messages to.
        mission_id = await repos.missions.create(tx, COMPANY_ID, FIELDS)
        thread = await repos.threads.open(tx, mission_id, PROSPECTOR_BASE_ID + 1, COMPANY_ID)
    catalogs = Catalogs("fr")
    notifier = OutboxNotifier(catalogs, repos, notice_renderers())
    # A running bot has formatted amounts before: Babel's locale data is loaded already.
    for code in LANGUAGES:
        notifier.render(alert_of(mission_id), catalogs[code])
    rules = Rules(min_rate_cents=50, max_rate_cents=1_000_000, zone=ZoneInfo("Europe/Paris"))
    deps = Deps(db=db, repos=repos, notifier=notifier, clock=clock, rules=rules)
    return World(db, deps, catalogs, notifier, thread.id)


# --- the load ---------------------------------------------------------------------------


class SmallWrites:
    """A small write due every WRITE_INTERVAL, each timed from when it was due to being
    inside its transaction: statements run on the event loop, so a write held up by a
    blocked loop (not only by the write lock) waits too, as an update arriving then would."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.waits_ms: list[float] = []
        self._pending: set[asyncio.Task[None]] = set()
        # The first write is due at once, before the fan-out starts; the last one when the
        # load is stopped, however late the loop gets round to it.
        self._first_due = time.perf_counter()
        self._stopped_at: float | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        due = self._first_due
        while True:
            until = time.perf_counter() if self._stopped_at is None else self._stopped_at
            while due <= until:
                task = asyncio.create_task(self._write(due))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
                due += WRITE_INTERVAL
            if self._stopped_at is not None:
                break
            with contextlib.suppress(TimeoutError):
                delay = max(0.0, due - time.perf_counter())
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
        await asyncio.gather(*self._pending)

    def stop(self) -> None:
        self._stopped_at = time.perf_counter()
        self._stopping.set()

    async def _write(self, due: float) -> None:
        db, repos = self._world.db, self._world.deps.repos
        async with db.transaction() as tx:
            self.waits_ms.append((time.perf_counter() - due) * 1000)
            await repos.threads.add_message(
                tx, self._world.thread_id, COMPANY_ID, MessageKind.TEXT, body="Any news?"
            )


# --- the two fan-outs -------------------------------------------------------------------


def alert_of(mission_id: int) -> notices.NewMissionAlert:
    return notices.NewMissionAlert(
        mission_id=mission_id,
        title=FIELDS.title,
        rate_cents=FIELDS.rate_cents,
        pay_model=FIELDS.pay_model,
    )


async def publish_before(world: World) -> int:
    """Publish as the code did before campaigns: every outbox row in the one transaction."""
    deps, catalogs = world.deps, world.catalogs
    async with deps.db.transaction() as tx:
        mission_id = await deps.repos.missions.create(tx, COMPANY_ID, FIELDS)
        alert = alert_of(mission_id)
        rendered = {code: world.notifier.render(alert, catalogs[code]) for code in LANGUAGES}
        recipients = await tx.fetch_all(OLD_RECIPIENTS, (FIELDS.target,))
        for recipient in recipients:
            outbound = rendered.get(recipient["language"], rendered[catalogs.default])
            await enqueue_send(
                deps.repos.outbox,
                tx,
                recipient["user_id"],
                outbound.method,
                outbound.params,
                outbound.markup,
                Priority.BROADCAST,
            )
    return len(recipients)


async def publish_after(world: World) -> int:
    outcome = await publish(world.deps, COMPANY_ID, FIELDS)
    assert isinstance(outcome, Published)
    return outcome.alerted


Fanout = Callable[[World], Awaitable[int]]


async def measure(name: str, path: Path, fanout: Fanout, *, expand: bool) -> Result:
    started = time.perf_counter()
    world = await build(path)
    print(f"{name}: seeded {PROSPECTORS:,} prospectors in {time.perf_counter() - started:.1f} s.")
    try:
        return await under_load(name, world, fanout, expand=expand)
    finally:
        await world.db.close()


async def under_load(name: str, world: World, fanout: Fanout, *, expand: bool) -> Result:
    """Run `fanout` (and, with `expand`, the expander until the campaign is done) while the
    small writes go on."""
    expander = CampaignExpander(world.db, world.deps.repos.campaigns)
    if expand:
        expander.start()
    gc.collect()
    load = SmallWrites(world)
    loading = asyncio.create_task(load.run())
    try:
        started = time.perf_counter()
        recipients = await fanout(world)
        published = time.perf_counter()
        await expander.drain()
        expanded = time.perf_counter()
    finally:
        load.stop()
        await loading
        await expander.stop()
    counts = await world.db.read.fetch_one("SELECT COUNT(*), COUNT(DISTINCT chat_id) FROM outbox")
    assert counts is not None
    return Result(
        name,
        published - started,
        expanded - published if expand else None,
        int(counts[0]),
        int(counts[1]),
        recipients,
        load.waits_ms,
    )


# --- reporting --------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def expansion(result: Result) -> str:
    return "-" if result.expansion_s is None else f"{result.expansion_s:.2f}"


def report(before: Result, after: Result) -> None:
    def row(label: str, cell: Callable[[Result], str]) -> None:
        print(f"{label:<38} {cell(before):>12} {cell(after):>12}")

    print(f"\nA small write every {WRITE_INTERVAL * 1000:.0f} ms from publish until the alerts")
    print("are queued; its wait runs from when it was due to being inside its transaction.\n")
    row("", lambda result: result.name)
    print("-" * 64)
    row("publish (s)", lambda result: f"{result.publish_s:.2f}")
    row("expansion after the commit (s)", expansion)
    row("prospectors alerted (publish's count)", lambda result: f"{result.recipients:,}")
    row("outbox rows queued", lambda result: f"{result.queued:,}")
    row("  to distinct chats", lambda result: f"{result.chats:,}")
    row("small writes", lambda result: f"{len(result.waits_ms):,}")
    row("small write wait p99 (ms)", lambda result: f"{result.p99_ms:.1f}")
    row("small write wait max (ms)", lambda result: f"{result.max_ms:.1f}")
    row(f"p99 < {P99_TARGET_MS:.0f} ms", lambda result: verdict(result.p99_ms < P99_TARGET_MS))
    row(f"max < {MAX_TARGET_MS:.0f} ms", lambda result: verdict(result.max_ms < MAX_TARGET_MS))
    row(f"all {PROSPECTORS:,} rows queued", lambda result: verdict(result.all_queued))
    print(f"\nOVERALL (after): {verdict(after.passed)}")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as folder:
        before = await measure(
            "before", Path(folder) / "before.sqlite3", publish_before, expand=False
        )
        after = await measure("after", Path(folder) / "after.sqlite3", publish_after, expand=True)
    report(before, after)


if __name__ == "__main__":
    asyncio.run(main())
