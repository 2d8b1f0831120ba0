"""Drive the real Application against the fake Telegram, speaking as users.

alice = bot.user("Alice", language="fr")
await alice.send("/start")
await alice.tap("🏢 Entreprise")
assert "nom de votre entreprise" in alice.last_text
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.kit.campaigns import CHUNK_SIZE
from bot.kit.context import SERVICES_KEY, CallboardApp, Services
from bot.kit.guards import FloodGuard
from bot.kit.outbox import OutboxOptions
from bot.settings import Settings
from storage.clock import Clock, SystemClock
from tests.fake_telegram import FakeMessage, FakeRequest, FakeTelegram

# Generous: only reached when something hangs, and then the test fails instead of hanging.
SETTLE_LIMIT = 30.0

FAST_OUTBOX = OutboxOptions(
    chat_rate=1000,
    broadcast_rate=1000,
    backoff_base=0.02,
    backoff_max=0.1,
    stop_timeout=1,
)


def make_settings(database_path: Path, token: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": token,
        "database_path": database_path,
        "default_language": "fr",
        "admin_ids": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class BotHarness:
    def __init__(
        self,
        settings: Settings,
        fake: FakeTelegram,
        *,
        clock: Clock | None = None,
        outbox: OutboxOptions = FAST_OUTBOX,
        flood_guard: FloodGuard | None = None,
        fan_out_chunk: int = CHUNK_SIZE,
        overall_rate: float = 0,
        persistence_interval: float = 1.0,
    ) -> None:
        self.settings = settings
        self.fake = fake
        self.clock = clock or SystemClock()
        self.outbox_options = outbox
        self.flood_guard = flood_guard
        self.fan_out_chunk = fan_out_chunk
        # PTB's cap on every call (bot.app); 0, no cap, unless a test is about pacing.
        self.overall_rate = overall_rate
        self.persistence_interval = persistence_interval
        self.app: CallboardApp | None = None
        self._ids = itertools.count(1001)

    @property
    def services(self) -> Services:
        assert self.app is not None
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    async def start(self) -> None:
        app = build_application(
            self.settings,
            request=FakeRequest(self.fake),
            clock=self.clock,
            outbox_options=self.outbox_options,
            overall_rate=self.overall_rate,
            # Scripted users type faster than people; the flood test sets its own guard.
            flood_guard=self.flood_guard or FloodGuard(limit=10_000),
            fan_out_chunk=self.fan_out_chunk,
            persistence_interval=self.persistence_interval,
        )
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        self.app = app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        await app.stop()
        assert app.post_stop and app.post_shutdown
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def deliver(self, updates: list[dict[str, Any]] | None = None) -> None:
        """Hand Telegram's queued updates to the application and wait until all is done."""
        await self.handle(updates)
        await self.settle()

    async def handle(self, updates: list[dict[str, Any]] | None = None) -> None:
        """Hand Telegram's queued updates to the application and wait until they are
        handled, not for what they queued: for a test that holds deliveries back."""
        assert self.app is not None
        for data in self.fake.take_updates() if updates is None else updates:
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        async with asyncio.timeout(SETTLE_LIMIT):
            await self.app.update_queue.join()

    async def settle(self) -> None:
        assert self.app is not None
        async with asyncio.timeout(SETTLE_LIMIT):
            await self.app.update_queue.join()
            await self.services.expander.drain()
            await self.services.outbox.drain()

    def user(
        self,
        first_name: str,
        *,
        language: str | None = "en",
        username: str | None = None,
        user_id: int | None = None,
    ) -> FakeUser:
        user_id = user_id or next(self._ids)
        self.fake.add_user(user_id, first_name, username=username, language_code=language)
        return FakeUser(self, user_id, first_name)


class FakeUser:
    def __init__(self, harness: BotHarness, user_id: int, first_name: str) -> None:
        self.harness = harness
        self.id = user_id
        self.first_name = first_name

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    async def send(self, text: str, *, reply_to: int | None = None) -> None:
        self.fake.user_sends_text(self.id, text, reply_to_message_id=reply_to)
        await self.harness.deliver()

    async def edit(self, message_id: int, text: str) -> None:
        """Edit one of the user's own messages (an edited_message update)."""
        self.fake.user_edits_text(self.id, message_id, text)
        await self.harness.deliver()

    @property
    def sent(self) -> list[FakeMessage]:
        """The messages the user sent, oldest first."""
        return [m for m in self.fake.messages(self.id) if not m.from_bot]

    async def send_photo(self, caption: str | None = None) -> None:
        self.fake.user_sends_photo(self.id, caption=caption)
        await self.harness.deliver()

    async def tap(self, label: str) -> None:
        """Tap the newest visible button whose label is `label` (or contains it)."""
        message, data = self.find_button(label)
        await self._tap(message.message_id, data, forged=False)

    async def _tap(self, message_id: int, data: str, *, forged: bool) -> None:
        """Every tap must be answered once, or the user's button keeps spinning."""
        answered = len(self.fake.callback_answers(self.id))
        self.fake.user_taps(self.id, message_id, data, forged=forged)
        await self.harness.deliver()
        now = len(self.fake.callback_answers(self.id))
        assert now == answered + 1, f"tap on {data!r} answered {now - answered} times"

    async def tap_forged(self, callback_data: str, message_id: int | None = None) -> None:
        """Send callback data the bot never offered, as a modified client could."""
        await self._tap(message_id or self.messages[-1].message_id, callback_data, forged=True)

    def find_button(self, label: str) -> tuple[FakeMessage, str]:
        for message in reversed(self.fake.bot_messages(self.id)):
            for text, data, _url in message.buttons():
                if data and (text == label or label in text):
                    return message, data
        shown = [b[0] for m in self.fake.bot_messages(self.id) for b in m.buttons()]
        raise AssertionError(f"{self.first_name} sees no button {label!r}; buttons: {shown}")

    @property
    def messages(self) -> list[FakeMessage]:
        return self.fake.bot_messages(self.id)

    @property
    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages]

    @property
    def last_text(self) -> str:
        message = self.fake.last_bot_message(self.id)
        assert message is not None, f"{self.first_name} received nothing"
        return message.text or message.caption or ""

    def received_since(self, count: int) -> list[str]:
        return self.texts[count:]

    @property
    def alerts(self) -> list[str]:
        return [str(answer.get("text") or "") for answer in self.fake.callback_answers(self.id)]
