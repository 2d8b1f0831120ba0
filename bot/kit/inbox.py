"""Updates survive a crash: the application's update queue stores each update in the inbox
table before Telegram is told it was received, and a stop leaves unstarted updates there.

PTB confirms updates only after putting them in the update queue: polling asks for the next
batch (whose offset confirms the previous one) once every update of the batch was put, and
the webhook answers 200 once its update was put. So `InboxQueue.put` commits the update
before Telegram may forget it. An update already in the inbox (a redelivery, or a batch
fetched again after a failure) is not queued twice. At the next start, the updates still
pending are queued again, oldest first, before any new one is fetched.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Updater

from bot.kit.client import CallboardBot
from bot.kit.context import CallboardApp
from bot.kit.processor import PerUserUpdateProcessor
from storage.database import Database
from storage.repositories import InboxRepository

_LOGGER = logging.getLogger(__name__)

# How long a stop lets the updates under way finish before cutting them off.
HANDLER_GRACE = 1.0
# How long a stop waits for Telegram to confirm the last batch fetched.
CONFIRM_LIMIT = 1.0


class UpdateNotStoredError(TelegramError):
    """The inbox could not store an update (database locked, disk full). A TelegramError, so
    PTB's polling loop logs it, waits and fetches the same batch again instead of ending;
    the webhook answers 500, and Telegram delivers the update again later."""


class ReceivedUpdates:
    """The updates of the last long-poll batch as Telegram sent them (fed with the poll's
    answers by its HTTP client), so the inbox stores that text rather than serialising
    PTB's objects back to JSON: 0.24 ms for a tap on a message with a keyboard, against
    0.03 ms to read and write it."""

    def __init__(self) -> None:
        self._batch: dict[int, str] = {}

    def keep(self, answer: bytes) -> None:
        # PTB puts a whole batch in the queue before it asks for the next one.
        try:
            updates = json.loads(answer)["result"]
        except (ValueError, KeyError, TypeError):
            return  # PTB reports what it cannot read
        if isinstance(updates, list):
            self._batch = {
                update["update_id"]: json.dumps(update)
                for update in updates
                if isinstance(update, dict) and "update_id" in update
            }

    def as_received(self, update_id: int) -> str | None:
        return self._batch.get(update_id)


class InboxQueue(asyncio.Queue[object]):
    """`polled`: where updates fetched by long polling are found as Telegram sent them;
    others (the webhook's, tests') are serialised from PTB's objects."""

    def __init__(
        self, db: Database, inbox: InboxRepository, polled: ReceivedUpdates | None = None
    ) -> None:
        super().__init__()
        self._db = db
        self._inbox = inbox
        self._polled = polled

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self._receive(item):
            return
        await super().put(item)

    async def _receive(self, update: Update) -> bool:
        """Store the update; False if the inbox already had it (queued or handled)."""
        update_id = update.update_id
        received = self._polled.as_received(update_id) if self._polled is not None else None
        payload = received if received is not None else update.to_json()
        try:
            return await self._db.write(lambda tx: self._inbox.receive(tx, update_id, payload))
        except sqlite3.Error as exc:
            raise UpdateNotStoredError(
                f"update {update.update_id} could not be stored: {exc}"
            ) from exc

    async def queue_pending(self, bot: Bot) -> None:
        """Queue the updates received but not handled before the last stop or crash."""
        pending = await self._inbox.pending()
        for _update_id, payload in pending:
            await super().put(Update.de_json(json.loads(payload), bot))
        if pending:
            _LOGGER.info("%d update(s) received before the restart queued again", len(pending))


class InboxUpdater(Updater):
    """At a stop, PTB's updater calls getUpdates once more to confirm the last batch. The
    inbox already holds that batch and ignores it when Telegram delivers it again, so a slow
    Telegram gets CONFIRM_LIMIT seconds for that call, not its full answer time."""

    async def stop(self) -> None:
        try:
            async with asyncio.timeout(CONFIRM_LIMIT):
                await super().stop()
        except TimeoutError:
            _LOGGER.warning(
                "Telegram did not confirm the last updates within %s s; they are in the "
                "inbox and will be ignored when delivered again",
                CONFIRM_LIMIT,
            )


class InboxApplication(CallboardApp):
    """Stops without working through the backlog: what is not started stays pending in the
    inbox for the next start, and what is under way gets HANDLER_GRACE seconds, so a stop
    does not wait on a slow Telegram for every queued update."""

    def __init__(self, *, updater: Updater | None, **kwargs: Any) -> None:
        if updater is not None:
            updater = InboxUpdater(bot=updater.bot, update_queue=updater.update_queue)
        super().__init__(updater=updater, **kwargs)

    async def initialize(self) -> None:
        """A start that fails half-way (Telegram refusing the token, a database that cannot
        be used) closes the connections to Telegram it opened: PTB shuts down only what
        finished initialising, and an open connection pool is reported at exit."""
        try:
            await super().initialize()
        except BaseException:
            if isinstance(self.bot, CallboardBot):
                await self.bot.close_connections()
            raise

    async def stop(self) -> None:
        processor = self.update_processor
        if isinstance(processor, PerUserUpdateProcessor):
            await processor.stop_taking(HANDLER_GRACE)
        await super().stop()
