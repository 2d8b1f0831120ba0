"""Write transactions and statements per update, for a /browse and a thread message.

Runs the real application in-process against the fake Telegram (no HTTP), with one company,
one mission and one prospector in a thread with the company, then sends each kind of update
`UPDATES` times and counts, on the writer connection only: the transactions (`BEGIN
IMMEDIATE` statements, seen through SQLite's trace callback) and the statements. It counts
from outside the `Database` class, so the same script measures a version without
`Database.stats`. A
thread message counts its relay too: the outbox sends it to the company and records the
outcome. PTB's persistence writes the users' data once a second, not per update; it is left
out (the interval is an hour here).
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, make_settings
from tests.helpers import ask_question, onboard_company, onboard_prospector, post_mission

UPDATES = 50


class WriterCounter:
    """Counts what reaches the writer connection, by wrapping it from outside."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, writer: sqlite3.Connection) -> None:
        writer.set_trace_callback(self._statement)

    def _statement(self, sql: str) -> None:
        self.counts["statements"] += 1
        if sql.strip().upper().startswith("BEGIN"):
            self.counts["transactions"] += 1


async def per_update(
    counter: WriterCounter, send: Callable[[int], Awaitable[None]]
) -> dict[str, float]:
    before = counter.counts.copy()
    for n in range(UPDATES):
        await send(n)
    after = counter.counts
    return {key: (after[key] - before[key]) / UPDATES for key in after}


async def measure(folder: Path) -> dict[str, dict[str, float]]:
    fake = FakeTelegram()
    settings = make_settings(folder / "writes.sqlite3", fake.token)
    bot = BotHarness(settings, fake, persistence_interval=3600)
    await bot.start()
    try:
        company = await onboard_company(bot, "Carla")
        mission = await post_mission(bot, company)
        prospector = await onboard_prospector(bot, "Pat")
        await ask_question(prospector, mission.id, "First question")
        counter = WriterCounter()
        writer = bot.services.db._writer
        assert writer is not None
        counter.attach(writer)

        async def browse(_n: int) -> None:
            await prospector.send("/browse")

        question = next(m for m in company.messages if "First question" in (m.text or ""))

        async def answer(n: int) -> None:
            await company.send(f"Answer {n}", reply_to=question.message_id)

        figures = {"/browse": await per_update(counter, browse)}
        figures["thread message (relayed)"] = await per_update(counter, answer)
        assert f"Answer {UPDATES - 1}" in prospector.last_text, prospector.last_text
        return figures
    finally:
        await bot.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(measure(Path(folder)))
    print(f"{'per update':28} {'transactions':>12} {'statements':>11}")
    for name, counts in figures.items():
        print(
            f"{name:28} {counts.get('transactions', 0):12.2f} {counts.get('statements', 0):11.2f}"
        )


if __name__ == "__main__":
    main()
