"""The outbox dispatcher: delivers queued rows to Telegram and records outcomes.

Rows are picked in priority order, only the oldest pending row of each chat at a time
(per-chat order), and a chat's next row waits `1 / chat_rate` after the previous send was
answered. Sends take their turn from the bot's send budget (`bot.kit.budget`), which every
message the bot sends shares: notifications and reminders ask in the notices' lane, which
keeps its guaranteed share however busy replies are, each waiting in its own task so the
loop goes on picking; broadcast rows are picked only when the budget has room for them now
(after replies and notices, within the broadcast rate), so a notice queued mid-broadcast is
the next row sent. A broadcast row does not wait behind a notice to the same chat, nor a
notice behind a broadcast (storage's `due`). Paid broadcast rows (`allow_paid_broadcast`),
which Telegram charges for instead of counting against its overall limit, skip the budget
and go at the paid rate. A 429 pauses all sending for
`retry_after` and retries the same row; network errors and 5xx are retried with exponential
backoff up to `max_attempts`; a 403 marks the user blocked and the row undeliverable; other
refusals (a malformed message) fail the row at once. A row whose send was cut short by a
stop stays pending and is sent after the next start — delivery is at least once.

An outcome the database refuses to record (disk full, locked past `busy_timeout`) is kept in
memory and recorded again later, backing off exponentially up to `record_backoff_max`; until
every kept outcome is recorded nothing new is sent. The row stays pending in the database
meanwhile, and without that memory it would be picked and sent again at once, over and over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.kit.budget import SendBudget, SendLane, TokenBucket
from storage.clock import Clock
from storage.database import Database, SyncTransaction, Transaction
from storage.models import OutboxMessage, Priority
from storage.repositories import OutboxRepository, UserRepository
from storage.repositories.outbox import Lane

_LOGGER = logging.getLogger(__name__)

# Bot methods the outbox may call; params are their keyword arguments minus chat_id.
SEND_METHODS = frozenset(
    {
        "send_message",
        "copy_message",
        "send_photo",
        "send_document",
        "send_voice",
        "send_audio",
        "send_video",
    }
)


@dataclass(frozen=True)
class OutboxOptions:
    chat_rate: float = 1.0
    # Read by the send budget, which paces broadcasts.
    broadcast_rate: float = 25.0
    # Telegram's limit for paid broadcasts is 1,000 messages a second; with the bucket's
    # capacity (`bot.kit.budget.SLACK_SECONDS`) this stays under it in any second.
    paid_broadcast_rate: float = 950.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    concurrency: int = 8
    stop_timeout: float = 3.0
    # Recording an outcome again after the database refused it starts after `backoff_base`
    # and doubles up to this: short, so that delivery resumes soon after the disk is freed
    # or the lock released.
    record_backoff_max: float = 5.0


# Writes what became of a row, in the given transaction (a unit of work's).
RecordOutcome = Callable[[SyncTransaction], None]


async def enqueue_send(
    outbox: OutboxRepository,
    tx: Transaction,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    reply_markup: InlineKeyboardMarkup | None = None,
    priority: Priority = Priority.NOTIFICATION,
    thread_id: int | None = None,
) -> int:
    """Queue any of the SEND_METHODS (a photo by file id, say), in the caller's transaction."""
    stored = stored_params(method, params, reply_markup)
    return await outbox.enqueue(tx, chat_id, method, stored, priority, thread_id)


# The parameter of a `send_document` row carrying the document itself, as text, with its
# `filename`: a file id cannot exist before the bot first sends the file.
TEXT_DOCUMENT = "document_text"


def stored_params(
    method: str, params: dict[str, Any], reply_markup: InlineKeyboardMarkup | None
) -> dict[str, Any]:
    """`params` as an outbox row stores them, buttons included; refuses a method the outbox
    cannot send."""
    if method not in SEND_METHODS:
        raise ValueError(f"the outbox cannot {method}")
    if reply_markup is None:
        return params
    return {**params, "reply_markup": reply_markup.to_dict()}


# The budget lane of each outbox lane's sends; paid broadcasts are outside the budget.
SEND_LANES = {
    Lane.NOTICES: SendLane.NOTICE,
    Lane.PAID_BROADCASTS: SendLane.BROADCAST,
    Lane.BROADCASTS: SendLane.BROADCAST,
}


class OutboxDispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        outbox: OutboxRepository,
        users: UserRepository,
        clock: Clock,
        options: OutboxOptions,
        budget: SendBudget,
    ) -> None:
        self._bot = bot
        self._budget = budget
        self._db = db
        self._outbox = outbox
        self._users = users
        self._clock = clock
        self._options = options
        self._paid = TokenBucket(options.paid_broadcast_rate)
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._chat_ready_at: dict[int, float] = {}
        self._paused_until = 0.0
        # Outcomes of rows already handed to Telegram that the database refused to record,
        # by row id, oldest first; nothing new is sent while any is waiting.
        self._unrecorded: dict[int, RecordOutcome] = {}
        self._record_failures = 0
        self._record_again_at = 0.0
        self._runner: asyncio.Task[None] | None = None
        # Rows committed since the current pass began; its first reads may have missed them.
        self._queued_meanwhile = False
        outbox.add_listener(self._rows_queued)

    def _rows_queued(self) -> None:
        self._queued_meanwhile = True
        self._wake.set()

    def start(self) -> None:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Stop picking rows; give sends under way a moment to finish, then cut them off.
        Whatever was not recorded as sent stays pending in the database."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        sends = list(self._in_flight.values())
        if sends:
            _done, unfinished = await asyncio.wait(sends, timeout=self._options.stop_timeout)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        # One last try, so that rows already sent are not sent again after the restart.
        await self._record_kept_outcomes()

    async def drain(self) -> None:
        """Wait until nothing is pending or in flight (callers bound the wait)."""
        while self._in_flight or await self._outbox.next_due_at() is not None:
            self._wake.set()
            await asyncio.sleep(0.01)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            checked_at = self._clock.now()
            try:
                started = await self._start_due_sends()
            except Exception:
                _LOGGER.exception("outbox: picking rows failed; retrying shortly")
                await asyncio.sleep(1.0)
                continue
            if not started:
                await self._sleep_until_work(checked_at)

    async def _start_due_sends(self) -> int:
        now = time.monotonic()
        if self._unrecorded and now < self._record_again_at:
            return 0
        if not await self._record_kept_outcomes():
            return 0
        if now < self._paused_until:
            return 0
        self._chat_ready_at = {c: t for c, t in self._chat_ready_at.items() if t > now}
        handled = 0
        notices_started, self._queued_meanwhile = False, False
        # Served in this order: notices, then paid broadcasts, then free ones.
        for lane in SEND_LANES:
            if lane is Lane.BROADCASTS and (notices_started or self._queued_meanwhile):
                # Free broadcasts take what the budget has left, and it cannot tell yet: the
                # notices just started have not asked for their turn, and rows queued since
                # the notices were read may be notices. The next pass, at once, will know.
                continue
            room = min(self._options.concurrency - len(self._in_flight), self._room(lane))
            if room <= 0 or self._unrecorded:
                continue
            busy = frozenset(self._in_flight) | frozenset(self._chat_ready_at)
            rows = await self._outbox.due(lane, room, busy)
            handled += len(rows)
            for row, blocked in rows:
                started = await self._start(row, blocked, lane)
                notices_started |= started and lane is Lane.NOTICES
                if started and lane is Lane.PAID_BROADCASTS:
                    self._paid.take()
        return handled

    def _room(self, lane: Lane) -> int:
        """How many rows of `lane` may be picked now. Notices are never held back here:
        each waits for the budget in its own task, where it keeps its share. A broadcast
        row is picked only when the budget would send it now, so that rows waiting for
        leftovers never fill the slots a notice queued meanwhile needs."""
        if lane is Lane.NOTICES:
            return self._options.concurrency
        if lane is Lane.PAID_BROADCASTS:
            return self._paid.available()
        return self._budget.broadcast_room()

    async def _start(self, row: OutboxMessage, blocked: bool, lane: Lane) -> bool:
        """Hand the row to Telegram, or settle it without; whether it was sent."""
        if self._unrecorded:
            return False
        if blocked:
            undeliverable = self._mark(self._outbox.mark_undeliverable, row, "recipient blocked")
            await self._record(row, undeliverable)
            return False
        task = asyncio.create_task(self._deliver(row, SEND_LANES[lane]), name=f"outbox-{row.id}")
        self._in_flight[row.chat_id] = task
        return True

    async def _sleep_until_work(self, checked_at: datetime) -> None:
        delays = [30.0]
        now = time.monotonic()
        if self._unrecorded:
            delays.append(self._record_again_at - now)
        if self._paused_until > now:
            delays.append(self._paused_until - now)
        delays.extend(ready - now for ready in self._chat_ready_at.values())
        # A budget or bucket without room may be holding broadcast rows back.
        if not self._paid.available():
            delays.append(self._paid.wait())
        if not self._budget.broadcast_room():
            if self._budget.busy:
                self._budget.when_free(self._wake.set)
            else:
                delays.append(self._budget.broadcast_wait())
        # Rows already due at `checked_at` that are still pending wait for their chat, the
        # flood pause or a free slot, and each of those wakes us; counting them here would
        # make the delay 0 and spin. Only rows scheduled after the check need a timer.
        next_due = await self._outbox.next_due_at(after=checked_at)
        if next_due is not None:
            delays.append((next_due - self._clock.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, min(delays)))

    async def _deliver(self, row: OutboxMessage, lane: SendLane) -> None:
        try:
            await self._record(row, await self._attempt(row, lane))
        except Exception:
            _LOGGER.exception("outbox: delivering row %s failed", row.id)
        finally:
            # From the answer, not from the pick: the send may have waited for the budget.
            ready_at = time.monotonic() + 1 / self._options.chat_rate
            self._chat_ready_at[row.chat_id] = ready_at
            self._in_flight.pop(row.chat_id, None)
            self._wake.set()

    async def _attempt(self, row: OutboxMessage, lane: SendLane) -> RecordOutcome:
        """Send the row once; returns how to record what became of it."""
        try:
            message_id = await self._send(row, lane)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            _LOGGER.warning("outbox: flood limit, pausing %.1fs (row %s)", wait, row.id)
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
            return self._retry(row, wait, f"429: {exc.message}", count=False)
        except Forbidden as exc:
            return self._blocked(row, f"403: {exc.message}")
        except BadRequest as exc:
            _LOGGER.error("outbox: Telegram refused row %s: %s", row.id, exc.message)
            return self._mark(self._outbox.mark_failed, row, f"400: {exc.message}")
        except NetworkError as exc:
            return self._network_failure(row, exc)
        except TelegramError as exc:
            _LOGGER.error("outbox: row %s failed: %s", row.id, exc.message)
            return self._mark(self._outbox.mark_failed, row, exc.message)

        def sent(tx: SyncTransaction) -> None:
            self._outbox.mark_sent(tx, row.id, message_id)

        return sent

    async def _send(self, row: OutboxMessage, lane: SendLane) -> int | None:
        if row.method not in SEND_METHODS:
            raise BadRequest(f"unsupported outbox method {row.method}")
        params = dict(row.params)
        if "reply_markup" in params:
            params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], None)
        if TEXT_DOCUMENT in params:
            # A document made by the bot (a statement's CSV), kept in the row as text.
            content = str(params.pop(TEXT_DOCUMENT)).encode("utf-8")
            params["document"] = InputFile(content, filename=str(params.pop("filename")))
        send = getattr(self._bot, row.method)
        result = await send(chat_id=row.chat_id, rate_limit_args=lane, **params)
        return int(result.message_id)

    def _network_failure(self, row: OutboxMessage, exc: NetworkError) -> RecordOutcome:
        attempts = row.attempts + 1
        if attempts >= self._options.max_attempts:
            _LOGGER.error("outbox: giving up on row %s after %d tries: %s", row.id, attempts, exc)
            return self._mark(self._outbox.mark_failed, row, exc.message)
        delay = min(self._options.backoff_max, self._options.backoff_base * 2 ** (attempts - 1))
        return self._retry(row, delay * random.uniform(0.8, 1.2), exc.message, count=True)

    def _retry(self, row: OutboxMessage, delay: float, error: str, *, count: bool) -> RecordOutcome:
        not_before = self._clock.now() + timedelta(seconds=delay)

        def later(tx: SyncTransaction) -> None:
            self._outbox.retry_later(tx, row.id, not_before, error, count=count)

        return later

    def _blocked(self, row: OutboxMessage, error: str) -> RecordOutcome:
        def blocked(tx: SyncTransaction) -> None:
            self._users.mark_blocked(tx, row.chat_id)
            self._outbox.mark_undeliverable(tx, row.id, error)

        return blocked

    @staticmethod
    def _mark(
        mark: Callable[[SyncTransaction, int, str], None], row: OutboxMessage, error: str
    ) -> RecordOutcome:
        def finished(tx: SyncTransaction) -> None:
            mark(tx, row.id, error)

        return finished

    async def _record(self, row: OutboxMessage, outcome: RecordOutcome) -> None:
        """Record the outcome now, or keep it for later if the database refuses it."""
        try:
            await self._db.write(outcome)
        except Exception:
            if not self._unrecorded:
                _LOGGER.exception("outbox: cannot record the outcome of row %s; sending stops "
                                  "until the database accepts it", row.id)  # fmt: skip
                self._back_off()
            self._unrecorded[row.id] = outcome

    async def _record_kept_outcomes(self) -> bool:
        """Record every kept outcome in one transaction; False if the database still
        refuses, and the next try is put off further."""
        if not self._unrecorded:
            return True
        outcomes = list(self._unrecorded.values())

        def record_all(tx: SyncTransaction) -> None:
            for outcome in outcomes:
                outcome(tx)

        try:
            await self._db.write(record_all)
        except Exception as exc:
            self._back_off()
            _LOGGER.warning(
                "outbox: still cannot record %d outcomes (%s); next try in %.1fs",
                len(self._unrecorded), exc, self._record_again_at - time.monotonic(),
            )  # fmt: skip
            return False
        _LOGGER.info("outbox: recorded %d kept outcomes; sending resumes", len(self._unrecorded))
        self._unrecorded.clear()
        self._record_failures = 0
        return True

    def _back_off(self) -> None:
        options = self._options
        delay = min(options.record_backoff_max, options.backoff_base * 2**self._record_failures)
        self._record_failures += 1
        self._record_again_at = time.monotonic() + delay


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
