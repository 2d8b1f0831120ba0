"""Updates from different users run concurrently; each user's updates run in order.

A user's update first waits for that user's previous one, and only then takes one of the
shared slots: a user who sends a burst (or whose replies are slow) holds one slot at a
time, so everyone else goes on at once, while a wizard still sees its user's messages one
at a time and in the order they were sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.kit.client import answer_left_unanswered

# PTB takes its own semaphore *before* do_process_update, which would let one user's queued
# updates fill every slot; so it gets a bound it never reaches, and ours is taken after the
# user's lock.
_NO_LIMIT = 2**31 - 1


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(_NO_LIMIT)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender(update)
        if key is None:
            async with self._slots:
                await _handled(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await _handled(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                # Nobody else queued for this user: drop the lock so the map stays small.
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def users_waiting(self) -> int:
        """How many users have updates queued or running."""
        return len(self._locks)


async def _handled(update: object, coroutine: Awaitable[Any]) -> None:
    """Handle the update (PTB runs the handlers, and the error handler if one raised, and
    raises nothing itself); then answer the button tap nothing answered (bot.kit.client)."""
    await coroutine
    await answer_left_unanswered(update)


def _sender(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat else None
