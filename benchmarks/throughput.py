"""A burst of 200 users × 6 updates: Callboard against a bare python-telegram-bot echo bot.

Both run as real processes (`python -m bot`, `python -m benchmarks.echo_bot`) against the
same fake Telegram over loopback HTTP (`tests.fake_telegram.FakeTelegramServer`), capped
(the shipped limits: Callboard's own, the echo bot with PTB's AIORateLimiter at 30/s) and
uncapped (TELEGRAM_OVERALL_RATE=0; the echo bot without a limiter).

Callboard serves a live marketplace seeded in its database: 200 companies with one open
mission each, 200 prospectors each working on one mission and talking with one company.
Before the burst each company writes to its prospector (relayed by the bot) and each
prospector opens /browse. Then every prospector sends six updates at once, in a rotating
order: /browse, a tap on the next page and one on a mission's details (on the list opened
before), /mymissions, /threads, and a reply to the company's message, which the bot relays
to the company and acknowledges with a 👍 reaction on the prospector's message: that
reaction answers the update (it is not a message, so not counted among the messages sent).
The echo bot gets as many texts and taps from 200 users.

Run from the repository root:  .venv/bin/python -m benchmarks.throughput [--runs N]
Targets: capped ratio Callboard/echo ≥ 0.95, uncapped ≥ 1.0, relay p99 during the capped
burst (from the reaction on the author's message to the company receiving it) < 5 s,
one-user latency p50 ≤ 2 × echo's, write lock held < 50 % of the uncapped burst, every
user's replies in the order of their updates. Always exits 0: this is a measurement; read
the verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.kit.callbacks import (
    BrowsePageCb,
    CallbackData,
    DetailsCb,
    MyMissionsCb,
    ThreadOpenCb,
    ThreadReplyCb,
)
from handlers.browse.screens import FiltersCb, LeaveCb
from storage.clock import SystemClock, to_db
from storage.database import Database
from tests.fake_telegram import FakeTelegram, FakeTelegramServer

ROOT = Path(__file__).resolve().parents[1]
USERS = 200
# Users who take no part in the burst: each alone, afterwards, for the one-user latency.
# Each sends fewer updates than the flood guard allows (20 in 10 s).
SOLO_USERS = 3
SOLO_UPDATES = 12
MARKET = USERS + SOLO_USERS
UPDATES_PER_USER = 6
RUNS = 3
PROSPECTOR_BASE_ID = 100_000
COMPANY_BASE_ID = 200_000
# A run that makes no progress for this long is reported as it stands (and fails).
STALL_S = 60.0

CAPPED_RATIO_TARGET = 0.95
UNCAPPED_RATIO_TARGET = 1.0
RELAY_P99_TARGET_S = 5.0
ONE_USER_FACTOR_TARGET = 2.0
WRITE_LOCK_TARGET = 0.5

# The calls Telegram counts against its 30 messages a second (lower-cased); a reaction
# (setMessageReaction) is not a message.
MESSAGE_METHODS = ("send", "copymessage", "forwardmessage", "editmessage")

# What a user does in the burst, in this order rotated by one step per user, so that every
# kind of update (and the relays) is spread over the whole burst.
ACTIONS = ("relay", "browse", "page", "details", "mine", "threads")
ECHO_ACTIONS = ("text", "text", "tap a", "tap b", "text", "text")


# --- what Telegram received ------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    at: float
    method: str
    params: dict[str, str]

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw and raw.lstrip("-").isdigit() else None

    @property
    def callback_data(self) -> list[str]:
        markup = json.loads(self.params.get("reply_markup") or "{}")
        rows = markup.get("inline_keyboard", [])
        return [button.get("callback_data", "") for row in rows for button in row]


class Recorder:
    """Every call the fake accepted, with when it answered it."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.calls: list[Call] = []
        self.refused = 0
        self._lock = threading.Lock()
        original = fake.handle

        def handle(
            token: str, method: str, params: dict[str, str], files: dict[str, bytes] | None = None
        ) -> tuple[int, dict[str, Any]]:
            status, body = original(token, method, params, files)
            with self._lock:
                if status == 200:
                    self.calls.append(Call(time.monotonic(), method.lower(), dict(params)))
                else:
                    self.refused += 1
            return status, body

        # The server looks `handle` up at every request.
        fake.handle = handle  # type: ignore[method-assign]

    def since(self, index: int) -> list[Call]:
        with self._lock:
            return self.calls[index:]

    def __len__(self) -> int:
        with self._lock:
            return len(self.calls)


# --- the two bots ------------------------------------------------------------------------


@dataclass
class Sent:
    """One update a user sent, and what answers it."""

    user: int
    index: int
    queued_at: float
    query_id: str | None = None
    answered_at: float | None = None


class Workload:
    """A bot under test: its process, its users, their burst and how replies are told apart."""

    name = ""
    users: list[int]  # in the burst
    solo: list[int]  # alone afterwards

    def environment(self, folder: Path, server: FakeTelegramServer, capped: bool) -> dict[str, str]:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    async def seed(self, folder: Path) -> None:
        """Anything to put in place before the process starts."""

    def add_users(self, fake: FakeTelegram) -> None:
        raise NotImplementedError

    def warm_up(self, fake: FakeTelegram) -> Callable[[], bool]:
        """Queue what users do before the burst; returns when it is all answered."""
        raise NotImplementedError

    def send(self, fake: FakeTelegram, user: int, index: int, action: str) -> Sent:
        raise NotImplementedError

    def burst_actions(self, user_number: int) -> list[str]:
        raise NotImplementedError

    def reply_index(self, user: int, call: Call) -> int | None:
        """Which of the user's burst updates a message sent to their chat answers."""
        raise NotImplementedError

    def relayed(self, call: Call) -> int | None:
        """The prospector whose message this call relays to the other party, if it is one."""
        return None

    def one_user_actions(self) -> list[str]:
        raise NotImplementedError

    def writer_stats(self, folder: Path) -> Path | None:
        """Where the process writes its writer's counters (docs/architecture.md), if it does."""
        return None

    def act_alone(self, fake: FakeTelegram, user: int, action: str) -> str | None:
        """Send one update of a solo user; returns the tap's query id."""
        raise NotImplementedError

    def matches(self, action: str, call: Call, user: int) -> bool:
        """Whether `call` answers `action` of the single user (the latency run)."""
        raise NotImplementedError


def kind_of(data: list[str]) -> str | None:
    kinds: list[tuple[str, type[CallbackData]]] = [
        ("browse", FiltersCb), ("mine", LeaveCb), ("mine", MyMissionsCb),
        ("threads", ThreadOpenCb),
    ]  # fmt: skip
    for kind, cb in kinds:
        if any(cb.matches(d) for d in data):
            return kind
    return None


class Callboard(Workload):
    name = "Callboard"

    def __init__(self) -> None:
        self.prospectors = [PROSPECTOR_BASE_ID + n for n in range(MARKET)]
        self.companies = [COMPANY_BASE_ID + n for n in range(MARKET)]
        self.users, self.solo = self.prospectors[:USERS], self.prospectors[USERS:]
        self.database: Path | None = None
        self._list_message: dict[int, int] = {}
        # The buttons of each prospector's list as it was before the burst: the bot may
        # change the list while the burst is being queued.
        self._list_buttons: dict[int, list[str]] = {}
        self._relayed_message: dict[int, int] = {}
        self._burst_index: dict[tuple[int, str], int] = {}
        self._relay_of: dict[str, int] = {}
        # Each prospector's latest message to the company: the bot's receipt reacts to it.
        self._last_question: dict[int, int] = {}

    def environment(self, folder: Path, server: FakeTelegramServer, capped: bool) -> dict[str, str]:
        assert self.database is not None
        extra = {} if capped else {"TELEGRAM_OVERALL_RATE": "0"}
        return {
            "DATABASE_PATH": str(self.database),
            "WRITER_STATS_FILE": str(self.writer_stats(folder)),
            "QUIET_HOURS": "",
            **extra,
        }

    def writer_stats(self, folder: Path) -> Path:
        return folder / "writer.json"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bot"]

    async def seed(self, folder: Path) -> None:
        self.database = folder / "callboard.sqlite3"
        await seed_marketplace(self.database)

    def add_users(self, fake: FakeTelegram) -> None:
        for n, user in enumerate(self.prospectors):
            fake.add_user(user, f"P{n}", language_code=language(n), started=True)
        for n, user in enumerate(self.companies):
            fake.add_user(user, f"C{n}", language_code=language(n), started=True)

    def warm_up(self, fake: FakeTelegram) -> Callable[[], bool]:
        for n, (prospector, company) in enumerate(
            zip(self.prospectors, self.companies, strict=True)
        ):
            fake.user_sends_text(company, f"Hello from company {n}")
            fake.user_sends_text(prospector, "/browse")

        def done() -> bool:
            for prospector in self.prospectors:
                for message in fake.bot_messages(prospector):
                    data = [d for _label, d, _url in message.buttons() if d]
                    if kind_of(data) == "browse":
                        self._list_message[prospector] = message.message_id
                        self._list_buttons[prospector] = data
                    elif any(ThreadReplyCb.matches(d) for d in data):
                        self._relayed_message[prospector] = message.message_id
            return len(self._list_message) == len(self._relayed_message) == MARKET

        return done

    def burst_actions(self, user_number: int) -> list[str]:
        shift = user_number % len(ACTIONS)
        return list(ACTIONS[shift:] + ACTIONS[:shift])

    def send(self, fake: FakeTelegram, user: int, index: int, action: str) -> Sent:
        self._burst_index[(user, action)] = index
        shown = self._list_buttons[user]
        query_id = self._act(fake, user, action, self._list_message[user], shown)
        return Sent(user, index, time.monotonic(), query_id)

    def _act(
        self, fake: FakeTelegram, user: int, action: str, list_message: int, shown: list[str]
    ) -> str | None:
        if action == "relay":
            marker = f"Question {next_marker()} from {user}"
            self._relay_of[marker] = user
            update = fake.user_sends_text(
                user, marker, reply_to_message_id=self._relayed_message[user]
            )
            self._last_question[user] = update["message"]["message_id"]
            return None
        if action in ("browse", "mine", "threads"):
            command = {"browse": "/browse", "mine": "/mymissions", "threads": "/threads"}[action]
            fake.user_sends_text(user, command)
            return None
        if action == "page":
            data = next(d for d in shown if (page := BrowsePageCb.unpack(d)) and page.page > 0)
        else:
            data = next(d for d in shown if DetailsCb.matches(d))
        # Forged: in the burst the button was shown when the user tapped it, but the bot may
        # have replaced the list since (a user's taps and the bot's edits cross).
        update = fake.user_taps(user, list_message, data, forged=True)
        return str(update["callback_query"]["id"])

    def reply_index(self, user: int, call: Call) -> int | None:
        if self._is_receipt(call, user):
            return self._burst_index.get((user, "relay"))
        if call.method != "sendmessage":
            return None
        kind = kind_of(call.callback_data)
        return self._burst_index.get((user, kind)) if kind else None

    def relayed(self, call: Call) -> int | None:
        if call.method != "sendmessage":
            return None
        text = call.params.get("text", "")
        body = text.rsplit("\n", 1)[-1]
        return self._relay_of.get(body)

    def one_user_actions(self) -> list[str]:
        cycle = ["browse", "page", "details", "mine", "threads", "relay"]
        return (cycle * math.ceil(SOLO_UPDATES / len(cycle)))[:SOLO_UPDATES]

    def act_alone(self, fake: FakeTelegram, user: int, action: str) -> str | None:
        """The single user taps the list they opened last, as shown now."""
        lists = [m for m in fake.bot_messages(user) if kind_of(_data(m)) == "browse"]
        shown = _data(lists[-1]) if lists else []
        return self._act(fake, user, action, lists[-1].message_id if lists else 0, shown)

    def matches(self, action: str, call: Call, user: int) -> bool:
        if action == "relay":
            return self._is_receipt(call, user)
        return call.method == "sendmessage" and kind_of(call.callback_data) == action

    def _is_receipt(self, call: Call, user: int) -> bool:
        """The reaction that tells the author their latest thread message was relayed."""
        return (
            call.method == "setmessagereaction"
            and call.chat_id == user
            and call.params.get("message_id") == str(self._last_question.get(user))
        )


def _data(message: Any) -> list[str]:
    return [d for _label, d, _url in message.buttons() if d]


class Echo(Workload):
    name = "echo"

    def __init__(self) -> None:
        everyone = [PROSPECTOR_BASE_ID + n for n in range(MARKET)]
        self.users, self.solo = everyone[:USERS], everyone[USERS:]
        self._message: dict[int, int] = {}

    def environment(self, folder: Path, server: FakeTelegramServer, capped: bool) -> dict[str, str]:
        return {"ECHO_RATE_LIMIT": "1" if capped else "0"}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "benchmarks.echo_bot"]

    def add_users(self, fake: FakeTelegram) -> None:
        for n, user in enumerate(self.users + self.solo):
            fake.add_user(user, f"U{n}", language_code=language(n), started=True)

    def warm_up(self, fake: FakeTelegram) -> Callable[[], bool]:
        for user in self.users + self.solo:
            fake.user_sends_text(user, "hello")

        def done() -> bool:
            for user in self.users + self.solo:
                last = fake.last_bot_message(user)
                if last is not None:
                    self._message[user] = last.message_id
            return len(self._message) == MARKET

        return done

    def burst_actions(self, user_number: int) -> list[str]:
        shift = user_number % len(ECHO_ACTIONS)
        return list(ECHO_ACTIONS[shift:] + ECHO_ACTIONS[:shift])

    def send(self, fake: FakeTelegram, user: int, index: int, action: str) -> Sent:
        query_id = self._act(fake, user, action, f"u{user}n{index}")
        return Sent(user, index, time.monotonic(), query_id)

    def _act(self, fake: FakeTelegram, user: int, action: str, text: str) -> str | None:
        if action == "text":
            fake.user_sends_text(user, text)
            return None
        update = fake.user_taps(user, self._message[user], action.removeprefix("tap "))
        return str(update["callback_query"]["id"])

    def reply_index(self, user: int, call: Call) -> int | None:
        text = call.params.get("text", "")
        if call.method != "sendmessage" or not text.startswith(f"echo u{user}n"):
            return None
        return int(text.rsplit("n", 1)[-1])

    def one_user_actions(self) -> list[str]:
        cycle = ["text", "tap a", "tap b", "text", "text", "text"]
        return (cycle * math.ceil(SOLO_UPDATES / len(cycle)))[:SOLO_UPDATES]

    def act_alone(self, fake: FakeTelegram, user: int, action: str) -> str | None:
        last = fake.last_bot_message(user)
        assert last is not None
        self._message[user] = last.message_id
        return self._act(fake, user, action, f"alone {next_marker()}")

    def matches(self, action: str, call: Call, user: int) -> bool:
        return call.method == "sendmessage" and call.params.get("text", "").startswith("echo ")


_markers = iter(range(1, 10**9))


def next_marker() -> int:
    return next(_markers)


def language(n: int) -> str:
    return "en" if n % 3 == 0 else "fr"


# --- seeding the marketplace ---------------------------------------------------------------

INSERT_USER = """INSERT INTO users (id, role, language, first_name, created_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_COMPANY = """INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)
    VALUES (?, ?, 'Software', ?, ?)"""
INSERT_PROSPECTOR = """INSERT INTO prospector_profiles (user_id, number, display_name,
    languages, specialties, experience_years, notify_new_missions, created_at, updated_at)
    VALUES (?, ?, ?, '["fr", "en"]', '["b2b"]', 4, 0, ?, ?)"""
INSERT_MISSION = """INSERT INTO missions (id, company_id, title, brief, pay_model, rate_cents,
    slots, target, approval, status, active_count, created_at, published_at)
    VALUES (?, ?, ?, 'Call IT managers and book a demo with our sales team.', 'appointment',
    4000, 5, 'b2b', 'auto', 'open', 1, ?, ?)"""
INSERT_ASSIGNMENT = """INSERT INTO assignments (mission_id, prospector_id, status,
    agreed_rate_cents, created_at, updated_at, activated_at)
    VALUES (?, ?, 'active', 4000, ?, ?, ?)"""
INSERT_THREAD = """INSERT INTO threads (id, mission_id, prospector_id, company_id, created_at,
    last_message_at) VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_THREAD_MESSAGE = """INSERT INTO thread_messages (thread_id, sender_id, kind, body,
    created_at) VALUES (?, ?, 'text', 'Is the mission still open?', ?)"""
INSERT_USER_DATA = "INSERT INTO persistence_user_data (user_id, data) VALUES (?, ?)"


def stamp(seconds_ago: int = 0) -> str:
    return to_db(SystemClock().now() - timedelta(seconds=seconds_ago))


async def seed_marketplace(path: Path) -> None:
    """Company n owns mission n+1 and talks with prospector n (thread n+1), who works on the
    next company's mission. Each company's current thread is the one with its prospector,
    so what it writes goes there."""
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as tx:
            for sql, rows in marketplace_rows(stamp()):
                await tx.execute_many(sql, rows)
    finally:
        await db.close()


def marketplace_rows(now: str) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    market = range(MARKET)
    companies = [COMPANY_BASE_ID + n for n in market]
    prospectors = [PROSPECTOR_BASE_ID + n for n in market]
    yield (
        INSERT_USER,
        [
            *((companies[n], "company", language(n), f"C{n}", now, now) for n in market),
            *((prospectors[n], "prospector", language(n), f"P{n}", now, now) for n in market),
        ],
    )
    yield INSERT_COMPANY, [(companies[n], f"Company {n}", now, now) for n in market]
    yield INSERT_PROSPECTOR, [(prospectors[n], n + 1, f"P {n}", now, now) for n in market]
    yield (
        INSERT_MISSION,
        [(n + 1, companies[n], f"Call round {n}", now, stamp(MARKET - n)) for n in market],
    )
    yield INSERT_ASSIGNMENT, [(1 + (n + 1) % MARKET, prospectors[n], now, now, now) for n in market]
    yield INSERT_THREAD, [(n + 1, n + 1, prospectors[n], companies[n], now, now) for n in market]
    yield INSERT_THREAD_MESSAGE, [(n + 1, prospectors[n], now) for n in market]
    yield INSERT_USER_DATA, [(companies[n], json.dumps({"current_thread": n + 1})) for n in market]


# --- one run ---------------------------------------------------------------------------------


@dataclass
class RunResult:
    updates: int
    answered: int
    span_s: float
    latencies_s: list[float]
    one_user_s: list[float]
    order_kept: int
    relays_s: list[float]  # from the reaction on the author's message
    relays_end_to_end_s: list[float]  # from the thread message queued
    relays_expected: int
    write_lock_share: float | None
    refused: int
    messages: int  # sent or edited during the burst: what Telegram's 30/s counts

    @property
    def rate(self) -> float:
        return self.answered / self.span_s if self.span_s > 0 else 0.0


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.inf


class Process:
    def __init__(self, workload: Workload, folder: Path, server: FakeTelegramServer, capped: bool):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        env.update(
            BOT_TOKEN=server.api.token,
            TELEGRAM_BASE_URL=server.base_url,
            TELEGRAM_BASE_FILE_URL=server.base_file_url,
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            **workload.environment(folder, server, capped),
        )
        self.log = folder / f"{workload.name}.log"
        with self.log.open("w") as log:
            self._process = subprocess.Popen(
                workload.command(), env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])


def wait_until(condition: Callable[[], bool], process: Process, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if not process.alive():
            raise RuntimeError(f"the bot exited while {what}:\n{process.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out {what}:\n{process.tail()}")
        time.sleep(0.02)


def run_once(workload: Workload, capped: bool) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="callboard-throughput-") as name:
        folder = Path(name)
        asyncio.run(workload.seed(folder))
        fake = FakeTelegram()
        workload.add_users(fake)
        recorder = Recorder(fake)
        with FakeTelegramServer(fake) as server:
            process = Process(workload, folder, server, capped)
            try:
                return drive(workload, fake, recorder, process, folder)
            finally:
                process.stop()


def drive(
    workload: Workload, fake: FakeTelegram, recorder: Recorder, process: Process, folder: Path
) -> RunResult:
    polling = lambda: any(c.method == "getupdates" for c in recorder.since(0))  # noqa: E731
    wait_until(polling, process, "starting", 60)
    wait_until(workload.warm_up(fake), process, "warming up", 120)
    time.sleep(1.0)  # let the warm-up's trailing writes and sends settle
    stats = workload.writer_stats(folder)
    held_before = writer_held(stats)
    seen = len(recorder)
    sent = burst(workload, fake)
    followed = follow(workload, recorder, process, sent, seen)
    time.sleep(1.1)  # the writer's counters are written every second
    held_after = writer_held(stats)
    done = [s for s in sent if s.answered_at is not None]
    span = max((s.answered_at or 0) for s in done) - sent[0].queued_at if done else 0.0
    share = None
    if held_before is not None and held_after is not None and span > 0:
        # Held time outside the burst (a second before, one after) is next to nothing.
        share = (held_after - held_before) / span
    return RunResult(
        updates=len(sent),
        answered=len(done),
        span_s=span,
        latencies_s=[(s.answered_at or 0) - s.queued_at for s in done],
        one_user_s=one_user_latencies(workload, fake, recorder, process),
        order_kept=len(followed.in_order - {s.user for s in sent if s.answered_at is None}),
        relays_s=relay_delays(workload, sent, followed.relays, since_sent=True),
        relays_end_to_end_s=relay_delays(workload, sent, followed.relays, since_sent=False),
        relays_expected=followed.relays_expected,
        write_lock_share=share,
        refused=recorder.refused,
        messages=sum(
            1
            for call in recorder.since(seen)
            if call.method.startswith(MESSAGE_METHODS) and call.at <= sent[0].queued_at + span
        ),
    )


def writer_held(stats: Path | None) -> float | None:
    if stats is None or not stats.exists():
        return None
    return float(json.loads(stats.read_text())["held_seconds"])


@dataclass
class Followed:
    in_order: set[int]  # users whose replies came in the order of their updates
    relays: dict[int, float]  # prospector → when the other party received their message
    relays_expected: int


def follow(
    workload: Workload, recorder: Recorder, process: Process, sent: list[Sent], seen: int
) -> Followed:
    """Match what Telegram receives to the burst's updates until every one is answered."""
    relays_expected = sum(1 for n in range(USERS) if "relay" in workload.burst_actions(n))
    relays_expected = relays_expected if isinstance(workload, Callboard) else 0
    followed = Followed(set(workload.users), {}, relays_expected)
    by_query = {s.query_id: s for s in sent if s.query_id}
    by_user = {(s.user, s.index): s for s in sent}
    latest: dict[int, int] = {}
    answered = 0
    last_progress = time.monotonic()
    while answered < len(sent) or len(followed.relays) < relays_expected:
        calls = recorder.since(seen)
        seen += len(calls)
        for call in calls:
            hit = reply_of(workload, call, by_query, by_user)
            if hit is not None and hit.answered_at is None:
                hit.answered_at = call.at
                answered += 1
                if latest.get(hit.user, -1) > hit.index:
                    followed.in_order.discard(hit.user)
                latest[hit.user] = max(latest.get(hit.user, -1), hit.index)
            relayed = workload.relayed(call)
            if relayed is not None:
                followed.relays.setdefault(relayed, call.at)
        if calls:
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > STALL_S or not process.alive():
            break
        time.sleep(0.02)
    return followed


def burst(workload: Workload, fake: FakeTelegram) -> list[Sent]:
    """Every user's six updates, queued round by round as if all typed at once."""
    plans = [workload.burst_actions(n) for n in range(USERS)]
    sent = []
    for index in range(UPDATES_PER_USER):
        for n, user in enumerate(workload.users):
            sent.append(workload.send(fake, user, index, plans[n][index]))
    return sent


def reply_of(
    workload: Workload, call: Call, by_query: dict[str, Sent], by_user: dict[tuple[int, int], Sent]
) -> Sent | None:
    if call.method == "answercallbackquery":
        return by_query.get(call.params.get("callback_query_id", ""))
    user = call.chat_id
    if user is None:
        return None
    index = workload.reply_index(user, call)
    return by_user.get((user, index)) if index is not None else None


def relay_delays(
    workload: Workload, sent: list[Sent], relays: dict[int, float], *, since_sent: bool
) -> list[float]:
    """From the thread message queued (its wait behind the author's earlier updates
    included), or from the reaction on it (the relay is committed to the outbox just
    before), to the other party receiving it."""
    if not isinstance(workload, Callboard):
        return []
    posted = [
        s for s in sent if workload.burst_actions(s.user - PROSPECTOR_BASE_ID)[s.index] == "relay"
    ]
    return [
        relays[s.user] - ((s.answered_at or math.inf) if since_sent else s.queued_at)
        for s in posted
        if s.user in relays
    ]


def one_user_latencies(
    workload: Workload, fake: FakeTelegram, recorder: Recorder, process: Process
) -> list[float]:
    """Each solo user alone, in turn, each update sent once the previous one is answered."""
    latencies = []
    for user in workload.solo:
        for action in workload.one_user_actions():
            seen = len(recorder)
            began = time.monotonic()
            query_id = workload.act_alone(fake, user, action)

            def answer(
                query: str | None = query_id,
                action: str = action,
                seen: int = seen,
                user: int = user,
            ) -> float | None:
                for call in recorder.since(seen):
                    if query is not None:
                        if (
                            call.method == "answercallbackquery"
                            and call.params.get("callback_query_id") == query
                        ):
                            return call.at
                    elif call.chat_id == user and workload.matches(action, call, user):
                        return call.at
                return None

            wait_until(lambda: answer() is not None, process, f"answering a solo {action}", 30)
            latencies.append((answer() or began) - began)
            time.sleep(0.05)  # nobody taps within milliseconds of a screen change
    return latencies


# --- the report -------------------------------------------------------------------------------


@dataclass
class Figures:
    runs: list[RunResult] = field(default_factory=list)

    def median(self, pick: Callable[[RunResult], float]) -> float:
        return statistics.median(pick(run) for run in self.runs)

    def worst(self, pick: Callable[[RunResult], int]) -> int:
        return min(pick(run) for run in self.runs)

    @property
    def per_update(self) -> float:
        return self.median(lambda r: r.messages / r.answered if r.answered else 0.0)

    @property
    def updates(self) -> int:
        return self.runs[0].updates

    @property
    def relays_expected(self) -> int:
        return self.runs[0].relays_expected

    @property
    def relays_received(self) -> int:
        return self.worst(lambda r: len(r.relays_s))

    @property
    def rate(self) -> float:
        return self.median(lambda r: r.rate)

    def burst(self, q: float) -> float:
        return self.median(lambda r: quantile(r.latencies_s, q))

    def one_user(self, q: float) -> float:
        return self.median(lambda r: quantile(r.one_user_s, q))

    def relay(self, q: float) -> float:
        return self.median(lambda r: quantile(r.relays_s, q))

    def relay_end_to_end(self, q: float) -> float:
        return self.median(lambda r: quantile(r.relays_end_to_end_s, q))

    @property
    def order_kept(self) -> int:
        return min(run.order_kept for run in self.runs)

    @property
    def complete(self) -> bool:
        return all(
            r.answered == r.updates and len(r.relays_s) == r.relays_expected for r in self.runs
        )

    @property
    def write_lock_share(self) -> float | None:
        shares = [r.write_lock_share for r in self.runs]
        return statistics.median(s for s in shares if s is not None) if None not in shares else None


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def line(label: str, *values: str) -> None:
    print(f"{label:<48}" + "".join(f"{value:>14}" for value in values))


def pair(callboard: Iterator[str]) -> list[str]:
    """Callboard's capped and uncapped figures in their columns; the echo bot has none."""
    capped, uncapped = callboard
    return [capped, "—", uncapped, "—"]


def ms(seconds: float) -> str:
    return "—" if math.isinf(seconds) else f"{seconds * 1000:,.1f}"


def report(results: dict[tuple[str, bool], Figures]) -> None:
    cb_cap, echo_cap = results[("Callboard", True)], results[("echo", True)]
    cb_free, echo_free = results[("Callboard", False)], results[("echo", False)]
    every = (cb_cap, echo_cap, cb_free, echo_free)
    capped_ratio = cb_cap.rate / echo_cap.rate if echo_cap.rate else 0.0
    free_ratio = cb_free.rate / echo_free.rate if echo_free.rate else 0.0
    share = cb_free.write_lock_share
    print()
    line("", "Callboard", "echo", "Callboard", "echo")
    line("", "capped", "capped", "uncapped", "uncapped")
    line(
        "updates answered (worst run)",
        *(f"{f.worst(lambda r: r.answered)}/{f.updates}" for f in every),
    )
    line("throughput (updates/s)", *(f"{f.rate:.1f}" for f in every))
    line("messages sent or edited per update", *(f"{f.per_update:.2f}" for f in every))
    line("messages sent or edited per second", *(f"{f.rate * f.per_update:.1f}" for f in every))
    line("burst latency p50 (ms)", *(ms(f.burst(0.5)) for f in every))
    line("burst latency p99 (ms)", *(ms(f.burst(0.99)) for f in every))
    line("one user, latency p50 (ms)", *(ms(f.one_user(0.5)) for f in every))
    line("one user, latency p99 (ms)", *(ms(f.one_user(0.99)) for f in every))
    line("users whose replies kept their order", *(f"{f.order_kept}/{USERS}" for f in every))
    received = (f"{f.relays_received}/{f.relays_expected}" for f in (cb_cap, cb_free))
    line("relays received (worst run)", *pair(received))
    relay_figures: list[tuple[str, Callable[[Figures], float]]] = [
        ("relay p50, reaction → other party (ms)", lambda f: f.relay(0.5)),
        ("relay p99, reaction → other party (ms)", lambda f: f.relay(0.99)),
        ("relay p50, message queued → other party (ms)", lambda f: f.relay_end_to_end(0.5)),
        ("relay p99, message queued → other party (ms)", lambda f: f.relay_end_to_end(0.99)),
    ]
    for label, value in relay_figures:
        line(label, *pair(ms(value(f)) for f in (cb_cap, cb_free)))
    line("write lock held, share of the burst", "", "", "n/a" if share is None else f"{share:.0%}")
    line("calls the fake refused (all runs)", *(str(sum(r.refused for r in f.runs)) for f in every))
    print()
    line("ratio Callboard / echo, capped", f"{capped_ratio:.3f}")
    line("ratio Callboard / echo, uncapped", f"{free_ratio:.3f}")
    print()
    one_user_factor = cb_cap.one_user(0.5) / echo_cap.one_user(0.5)
    checks = [
        (f"capped ratio ≥ {CAPPED_RATIO_TARGET}", capped_ratio >= CAPPED_RATIO_TARGET),
        (f"uncapped ratio ≥ {UNCAPPED_RATIO_TARGET}", free_ratio >= UNCAPPED_RATIO_TARGET),
        (f"capped relay p99 (reaction → other party) < {RELAY_P99_TARGET_S:.0f} s",
         cb_cap.relay(0.99) < RELAY_P99_TARGET_S),
        (f"one-user p50 ≤ {ONE_USER_FACTOR_TARGET:g} × echo's (here {one_user_factor:.2f} ×)",
         one_user_factor <= ONE_USER_FACTOR_TARGET),
        (f"write lock held < {WRITE_LOCK_TARGET:.0%} of the uncapped burst",
         share is not None and share < WRITE_LOCK_TARGET),
        ("per-user order kept for every user", all(f.order_kept == USERS for f in every)),
        ("every update and relay answered", all(f.complete for f in every)),
    ]  # fmt: skip
    for label, ok in checks:
        line(label, verdict(ok))
    print(f"\nOVERALL: {verdict(all(ok for _label, ok in checks))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs of each configuration")
    args = parser.parse_args()
    results: dict[tuple[str, bool], Figures] = {}
    print(f"{USERS} users × {UPDATES_PER_USER} updates at once, median of {args.runs} runs each…")
    for capped in (False, True):
        # The two bots take turns, run by run, so a machine that drifts (another load, a
        # CPU's clock) weighs on both alike rather than on whichever ran at that moment.
        for run in range(args.runs):
            for make in (Echo, Callboard):
                figures = results.setdefault((make.name, capped), Figures())
                began = time.monotonic()
                result = run_once(make(), capped)
                figures.runs.append(result)
                mode = "capped" if capped else "uncapped"
                print(f"  {make.name:<10} {mode:<9} run {run + 1}: {result.answered}/"
                      f"{result.updates} in {result.span_s:.1f} s ({result.rate:.1f}/s), "
                      f"{time.monotonic() - began:.0f} s in all", flush=True)  # fmt: skip
    report(results)


if __name__ == "__main__":
    main()
