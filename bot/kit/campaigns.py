"""The campaign expander: turns fan-out campaigns into outbox rows, a chunk at a time.

A campaign is written by one INSERT in the transaction that decides it (publishing a
mission), so that transaction stays short whatever the audience's size. The expander then
queues its recipients `chunk_size` at a time, each chunk in its own short transaction that
also moves the campaign's cursor: a stop or a crash leaves whole chunks only, and the next
start continues after the cursor, so nobody is skipped and nobody gets it twice. Between
two chunks the write lock goes to the writers already waiting for it (the lock serves them
first come, first served), so an update waits for one chunk at most, never for a whole
campaign. With several campaigns under way, each gets a chunk in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.database import Database
from storage.repositories import CampaignRepository

_LOGGER = logging.getLogger(__name__)

CHUNK_SIZE = 500
RETRY_DELAY = 1.0


class CampaignExpander:
    def __init__(
        self, db: Database, campaigns: CampaignRepository, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self._db = db
        self._campaigns = campaigns
        self._chunk_size = chunk_size
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        campaigns.add_listener(self._wake.set)

    def start(self) -> None:
        """Start expanding, beginning with the campaigns a previous run left unfinished."""
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="campaign-expander")

    async def stop(self) -> None:
        """Stop at once: a chunk cut short is rolled back and expanded after the next start."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    async def drain(self) -> None:
        """Wait until no campaign is left to expand (callers bound the wait); returns at
        once when stopped. Asks the database, which a flag set by the runner could not
        match: a campaign may commit while the runner is looking."""
        while self._runner is not None and await self._campaigns.unfinished():  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                campaigns = await self._campaigns.unfinished()
            except Exception:
                _LOGGER.exception("campaigns: listing them failed; retrying shortly")
                await asyncio.sleep(RETRY_DELAY)
                continue
            if not campaigns:
                await self._wake.wait()
                continue
            failed = False
            for campaign in campaigns:
                try:
                    async with self._db.transaction() as tx:
                        await self._campaigns.expand_chunk(tx, campaign.id, self._chunk_size)
                except Exception:
                    _LOGGER.exception("campaigns: expanding campaign %s failed", campaign.id)
                    failed = True
            if failed:
                await asyncio.sleep(RETRY_DELAY)
