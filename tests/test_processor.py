"""Updates of one user run in order; different users run side by side."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.kit.processor import PerUserUpdateProcessor
from tests.fake_telegram import FakeTelegram


def update_from(fake: FakeTelegram, user_id: int, text: str) -> Update:
    fake.add_user(user_id, f"U{user_id}")
    return Update.de_json(fake.user_sends_text(user_id, text), None)


async def test_one_user_in_order_others_alongside() -> None:
    fake = FakeTelegram()
    processor = PerUserUpdateProcessor()
    log: list[str] = []
    slow_started = asyncio.Event()
    release_slow = asyncio.Event()

    async def handle(name: str, *, slow: bool = False) -> None:
        log.append(f"start {name}")
        if slow:
            slow_started.set()
            await release_slow.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(
        processor.process_update(update_from(fake, 1, "a"), handle("alice-1", slow=True))
    )
    await slow_started.wait()
    second = asyncio.create_task(
        processor.process_update(update_from(fake, 1, "b"), handle("alice-2"))
    )
    other = asyncio.create_task(processor.process_update(update_from(fake, 2, "c"), handle("bob")))
    await other
    assert log == ["start alice-1", "start bob", "end bob"]
    release_slow.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end alice-1", "start alice-2", "end alice-2"]
    assert processor.users_waiting == 0, "locks of idle users are dropped"


async def test_a_burst_from_one_user_does_not_hold_up_another() -> None:
    fake = FakeTelegram()
    processor = PerUserUpdateProcessor(max_concurrent_updates=4)
    release = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await release.wait()
        done.append("burst")

    async def quick() -> None:
        done.append("other")

    burst = [
        asyncio.create_task(processor.process_update(update_from(fake, 1, f"m{i}"), slow()))
        for i in range(20)
    ]
    await asyncio.sleep(0)
    await processor.process_update(update_from(fake, 2, "hi"), quick())
    assert done == ["other"]
    release.set()
    await asyncio.gather(*burst)
    assert done.count("burst") == 20
