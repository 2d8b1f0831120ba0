"""A broadcast to 2,000 users while notifications keep flowing, against a Telegram that
enforces its limits.

The real Application (`bot.app.build_application` with the shipped settings, its outbox
dispatcher, campaign expander and the send budget every message shares at 30/s) runs in
this process against the fake Telegram, which answers 429 with `retry_after` past 30
messages a second overall or 1 a second in one chat. An admin's message is broadcast by
`/broadcast`'s rule (`services.broadcasts.start`, copying it to every prospector) to 2,000
users at BROADCAST_RATE=25,
while other traffic queues a notification to another user about every third of a second.

Run from the repository root:  .venv/bin/python -m benchmarks.broadcast
Targets: achieved broadcast rate ≥ 0.95 × BROADCAST_RATE, no 429, notification latency
(queued → received by Telegram) p99 < 1 s. Always exits 0: this is a measurement; read the
verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.kit.context import SERVICES_KEY, CallboardApp, Services
from bot.kit.outbox import enqueue_send
from bot.settings import Settings
from services import broadcasts
from storage.clock import SystemClock, to_db
from tests.fake_telegram import FakeRequest, FakeTelegram

RECIPIENTS = 2_000
RECIPIENT_BASE_ID = 100_000
NOTIFIED = 300  # other users, each notified once every 100 s: never their chat's 1/s
NOTIFIED_BASE_ID = 200_000
ADMIN_ID = 1
BROADCAST_RATE = 25.0
NOTIFICATION_INTERVAL = 1 / 3
TELEGRAM_OVERALL_LIMIT = 30
TELEGRAM_CHAT_LIMIT = 1.0
RATIO_TARGET = 0.95
P99_TARGET_S = 1.0
# Only reached if the broadcast stalls: then the run reports what it got and fails.
GIVE_UP_AFTER_S = 300.0

ANNOUNCEMENT = "<b>New:</b> missions can now be paused. <i>See /help.</i>"

# The broadcast's audience: every prospector (the notified users are companies).
INSERT_USER = """INSERT INTO users (id, role, language, first_name, created_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_PROSPECTOR = """INSERT INTO prospector_profiles (user_id, number, display_name,
    languages, specialties, experience_years, created_at, updated_at)
    VALUES (?, ?, ?, '["fr"]', '["b2b"]', 3, ?, ?)"""


@dataclass
class Arrivals:
    """What the fake Telegram received: every refusal, and when each accepted message came."""

    broadcast_at: list[float] = field(default_factory=list)
    notice_at: dict[str, float] = field(default_factory=dict)
    sends_at: list[float] = field(default_factory=list)
    floods: int = 0

    def record(self, method: str, params: dict[str, str], status: int) -> None:
        now = time.monotonic()
        if status == 429:
            self.floods += 1
        if status != 200:
            return
        if method.lower() == "copymessage":
            self.broadcast_at.append(now)
            self.sends_at.append(now)
        elif method.lower() == "sendmessage":
            self.notice_at.setdefault(params.get("text", ""), now)
            self.sends_at.append(now)


def listen(fake: FakeTelegram, arrivals: Arrivals) -> None:
    original = fake.handle

    def handle(
        token: str, method: str, params: dict[str, str], files: dict[str, bytes] | None = None
    ) -> tuple[int, dict[str, Any]]:
        status, body = original(token, method, params, files)
        arrivals.record(method, params, status)
        return status, body

    # FakeRequest looks `handle` up at every call.
    fake.handle = handle  # type: ignore[method-assign]


# --- the world ------------------------------------------------------------------------------


def user_rows(now: str) -> Iterator[tuple[Any, ...]]:
    yield ADMIN_ID, None, "fr", "Admin", now, now
    for n in range(1, RECIPIENTS + 1):
        yield RECIPIENT_BASE_ID + n, "prospector", "fr", f"Prospector {n}", now, now
    for n in range(1, NOTIFIED + 1):
        yield NOTIFIED_BASE_ID + n, "company", "fr", f"Company {n}", now, now


def prospector_rows(now: str) -> Iterator[tuple[Any, ...]]:
    for n in range(1, RECIPIENTS + 1):
        yield RECIPIENT_BASE_ID + n, n, f"P {n}", now, now


def telegram() -> FakeTelegram:
    fake = FakeTelegram()
    fake.per_chat_limit = TELEGRAM_CHAT_LIMIT
    fake.overall_limit = TELEGRAM_OVERALL_LIMIT
    for user_id in [ADMIN_ID, *(RECIPIENT_BASE_ID + n for n in range(1, RECIPIENTS + 1))]:
        fake.add_user(user_id, f"U{user_id}", language_code="fr", started=True)
    for n in range(1, NOTIFIED + 1):
        fake.add_user(NOTIFIED_BASE_ID + n, f"C{n}", language_code="fr", started=True)
    return fake


async def start(settings: Settings, fake: FakeTelegram) -> CallboardApp:
    """The application as `python -m bot` runs it, minus polling: nobody writes to it."""
    app = build_application(settings, request=FakeRequest(fake))
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    return app


async def stop(app: CallboardApp) -> None:
    await app.stop()
    assert app.post_stop is not None and app.post_shutdown is not None
    await app.post_stop(app)
    await app.shutdown()
    await app.post_shutdown(app)


async def seed(services: Services) -> None:
    now = to_db(SystemClock().now())
    async with services.db.transaction() as tx:
        await tx.execute_many(INSERT_USER, user_rows(now))
        await tx.execute_many(INSERT_PROSPECTOR, prospector_rows(now))


def admin_message(fake: FakeTelegram) -> int:
    """The admin's message to copy, as the /broadcast flow receives it."""
    update = fake.user_sends_text(ADMIN_ID, ANNOUNCEMENT)
    fake.take_updates()  # the bot is not polling; the broadcast is created below
    return int(update["message"]["message_id"])


async def broadcast(services: Services, message_id: int) -> None:
    """What the admin's *Send* does: the real rule, to every prospector."""
    started = await broadcasts.start(
        services.deps, ADMIN_ID, "prospectors", (ADMIN_ID, message_id), paid=False
    )
    assert isinstance(started, broadcasts.Started), started
    assert started.recipients == RECIPIENTS, started


class Notifications:
    """A notification to another user every NOTIFICATION_INTERVAL, as other users' actions
    would queue them; each remembers when its transaction committed."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self.queued_at: dict[str, float] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        next_at = time.monotonic()
        n = 0
        while not self._stopping.is_set():
            text = f"Notice {n}: your mission has a new applicant"
            async with self._services.db.transaction() as tx:
                chat_id = NOTIFIED_BASE_ID + 1 + n % NOTIFIED
                params = {"text": text}
                outbox = self._services.repos.outbox
                await enqueue_send(outbox, tx, chat_id, "send_message", params)
            self.queued_at[text] = time.monotonic()
            n += 1
            next_at += NOTIFICATION_INTERVAL
            with contextlib.suppress(TimeoutError):
                delay = max(0.0, next_at - time.monotonic())
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    def stop(self) -> None:
        self._stopping.set()


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    delivered: int
    broadcast_s: float
    floods: int
    latencies_s: list[float]
    notices_queued: int
    most_in_one_second: int

    @property
    def rate(self) -> float:
        return (self.delivered - 1) / self.broadcast_s if self.broadcast_s > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / BROADCAST_RATE

    def latency(self, quantile: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[max(0, math.ceil(quantile * len(ordered)) - 1)] if ordered else math.inf

    @property
    def checks(self) -> list[tuple[str, bool]]:
        return [
            (f"all {RECIPIENTS:,} recipients served", self.delivered == RECIPIENTS),
            (f"ratio ≥ {RATIO_TARGET}", self.ratio >= RATIO_TARGET),
            ("0 × 429", self.floods == 0),
            (f"notification p99 < {P99_TARGET_S:.0f} s", self.latency(0.99) < P99_TARGET_S),
            ("every notification received", len(self.latencies_s) == self.notices_queued),
        ]


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def run(folder: Path) -> Result:
    fake = telegram()
    settings = Settings(
        _env_file=None,
        bot_token=fake.token,
        database_path=folder / "callboard.sqlite3",
        admin_ids=str(ADMIN_ID),
        broadcast_rate=BROADCAST_RATE,
    )
    app = await start(settings, fake)
    services: Services = app.bot_data[SERVICES_KEY]
    try:
        await seed(services)
        message_id = admin_message(fake)
        arrivals = Arrivals()
        listen(fake, arrivals)
        notifications = Notifications(services)
        producing = asyncio.create_task(notifications.run())
        print(f"Broadcasting to {RECIPIENTS:,} users at {BROADCAST_RATE:g}/s (about "
              f"{RECIPIENTS / BROADCAST_RATE:.0f} s), a notification every "
              f"{NOTIFICATION_INTERVAL * 1000:.0f} ms meanwhile…")  # fmt: skip
        await broadcast(services, message_id)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(GIVE_UP_AFTER_S):
                while len(arrivals.broadcast_at) < RECIPIENTS:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        notifications.stop()
        await producing
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await services.outbox.drain()
    finally:
        await stop(app)
    latencies = [
        arrivals.notice_at[text] - queued
        for text, queued in notifications.queued_at.items()
        if text in arrivals.notice_at
    ]
    span = arrivals.broadcast_at[-1] - arrivals.broadcast_at[0] if arrivals.broadcast_at else 0
    return Result(
        delivered=len(arrivals.broadcast_at),
        broadcast_s=span,
        floods=arrivals.floods,
        latencies_s=latencies,
        notices_queued=len(notifications.queued_at),
        most_in_one_second=most_in_one_second(arrivals.sends_at),
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(result: Result) -> None:
    def line(label: str, value: str) -> None:
        print(f"{label:<44} {value:>12}")

    print()
    line("broadcast messages delivered", f"{result.delivered:,}")
    line("first to last delivery (s)", f"{result.broadcast_s:.1f}")
    line("achieved broadcast rate (/s)", f"{result.rate:.2f}")
    line("configured BROADCAST_RATE (/s)", f"{BROADCAST_RATE:g}")
    line("ratio achieved / configured", f"{result.ratio:.3f}")
    line("429 answers", f"{result.floods}")
    line(f"most messages in one second (limit {TELEGRAM_OVERALL_LIMIT})",
         f"{result.most_in_one_second}")  # fmt: skip
    line("notifications queued / received", f"{result.notices_queued} / {len(result.latencies_s)}")
    line("notification latency p50 (ms)", f"{result.latency(0.5) * 1000:.0f}")
    line("notification latency p99 (ms)", f"{result.latency(0.99) * 1000:.0f}")
    line("notification latency max (ms)", f"{result.latency(1.0) * 1000:.0f}")
    print()
    for label, ok in result.checks:
        line(label, verdict(ok))
    print(f"\nOVERALL: {verdict(all(ok for _label, ok in result.checks))}")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as folder:
        result = await run(Path(folder))
    report(result)


if __name__ == "__main__":
    asyncio.run(main())
