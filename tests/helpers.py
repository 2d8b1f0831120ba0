"""Shared helpers for the missions and browse tests: a harness on a clock the test moves,
onboarding through the fake Telegram (one user, or many in one batch), posting missions with
the one-message form, and reading rows straight from the database."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.clock import ManualClock
from storage.models import Mission
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, FakeUser, make_settings

# 10:00 in Paris: "today" for the wizard is 2026-03-10 whatever the real date is.
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
STALE = "This action is no longer available."

_LABELS = {
    "en": {
        "company": "Company",
        "prospector": "Prospector",
        "sector": "Retail",
        "skip": "Skip",
        "language": "French",
        "done": "Done",
        "activity": "Appointment setting",
        "yes": "Yes",
        "no": "No",
        "publish": "Publish",
    },
    "fr": {
        "company": "Entreprise",
        "prospector": "Prospecteur",
        "sector": "Commerce",
        "skip": "Passer",
        "language": "Français",
        "done": "Terminé",
        "activity": "Prise de RDV",
        "yes": "Oui",
        "no": "Non",
        "publish": "Publier",
    },
}


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """A started harness on `clock`, without the minute tick: the tests call the jobs
    themselves, so a background tick cannot run in the middle of an assertion."""
    harness = BotHarness(make_settings(db_path, fake.token, admin_ids="999"), fake, clock=clock)
    await harness.start()
    assert harness.app is not None and harness.app.job_queue is not None
    for job in harness.app.job_queue.jobs():
        job.schedule_removal()
    try:
        yield harness
    finally:
        await harness.stop()


def labels(language: str) -> dict[str, str]:
    return _LABELS["fr" if language == "fr" else "en"]


async def onboard_company(bot: BotHarness, name: str, language: str = "en") -> FakeUser:
    [user] = await onboard_companies(bot, [name], language)
    return user


async def onboard_companies(
    bot: BotHarness, names: Iterable[str], language: str = "en"
) -> list[FakeUser]:
    """Sign up companies named `names` (" SAS" added), each step delivered in one batch."""
    users = [bot.user(name, language=language) for name in names]
    words = labels(language)
    await send_all(bot, users, "/start")
    await tap_all(bot, users, words["company"])
    for user in users:
        bot.fake.user_sends_text(user.id, f"{user.first_name} SAS")
    await bot.deliver()
    await tap_all(bot, users, words["sector"])
    await tap_all(bot, users, words["skip"])
    for user in users:
        assert await bot.services.repos.profiles.company(user.id) is not None, user.texts
    return users


async def send_all(bot: BotHarness, users: Sequence[FakeUser], text: str) -> None:
    for user in users:
        bot.fake.user_sends_text(user.id, text)
    await bot.deliver()


async def tap_all(bot: BotHarness, users: Sequence[FakeUser], label: str) -> None:
    for user in users:
        message, data = user.find_button(label)
        bot.fake.user_taps(user.id, message.message_id, data)
    await bot.deliver()


async def onboard_prospector(
    bot: BotHarness,
    name: str,
    language: str = "en",
    *,
    specialties: Sequence[str] = ("b2b",),
    notify: bool = True,
    start: str = "/start",
) -> FakeUser:
    """`specialties` are the markets ("b2b", "b2c"); every prospector sets appointments."""
    [user] = await onboard_prospectors(
        bot, [name], language, specialties=specialties, notify=notify, start=start
    )
    return user


async def onboard_prospectors(
    bot: BotHarness,
    names: Iterable[str],
    language: str = "en",
    *,
    specialties: Sequence[str] = ("b2b",),
    notify: bool = True,
    start: str = "/start",
) -> list[FakeUser]:
    """Onboard several prospectors through the bot, each step queued for all of them and
    delivered in one batch."""
    users = [bot.user(name, language=language) for name in names]
    words = labels(language)
    await send_all(bot, users, start)
    await tap_all(bot, users, words["prospector"])
    for user in users:
        bot.fake.user_sends_text(user.id, f"{user.first_name} Caller")
    await bot.deliver()
    await tap_all(bot, users, words["language"])
    await tap_all(bot, users, words["done"])
    for market in specialties:
        await tap_all(bot, users, market.upper())
    await tap_all(bot, users, words["activity"])
    await tap_all(bot, users, words["done"])
    await send_all(bot, users, "4")
    await tap_all(bot, users, words["skip"])
    await tap_all(bot, users, words["yes"] if notify else words["no"])
    for user in users:
        assert await bot.services.repos.profiles.prospector(user.id) is not None, user.texts
    return users


def mission_form(
    *,
    title: str = "Book meetings with SaaS vendors",
    brief: str = "Call IT managers of SaaS vendors and book a demo with our sales team.",
    pay: str = "appointment",
    rate: str = "40",
    slots: str = "3",
    target: str = "b2b",
    approval: str = "auto",
    cap: str | None = None,
    deadline: str | None = None,
) -> str:
    lines = [
        "/newmission",
        f"title: {title}",
        f"brief: {brief}",
        f"pay: {pay}",
        f"rate: {rate}",
        f"slots: {slots}",
        f"target: {target}",
        f"approval: {approval}",
    ]
    if cap is not None:
        lines.append(f"cap: {cap}")
    if deadline is not None:
        lines.append(f"deadline: {deadline}")
    return "\n".join(lines)


async def post_mission(
    bot: BotHarness, company: FakeUser, language: str = "en", **fields: Any
) -> Mission:
    """Post a mission with the one-message form and publish it; returns it from the DB."""
    await company.send(mission_form(**fields))
    await company.tap(labels(language)["publish"])
    summaries, _ = await bot.services.repos.missions.for_company(company.id, offset=0, limit=1)
    assert summaries, company.texts[-3:]
    return summaries[0].mission


async def ask_question(prospector: FakeUser, mission_id: int, question: str) -> None:
    """From /browse, open the mission and ask the company `question` in its thread."""
    await prospector.send("/browse")
    await prospector.tap(f"#{mission_id}")
    await prospector.tap("Ask a question")
    await prospector.send(question)


async def rows(bot: BotHarness, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    found = await bot.services.db.read.fetch_all(sql, tuple(params))
    return [dict(row) for row in found]


async def snapshot(bot: BotHarness) -> dict[str, list[dict[str, Any]]]:
    """Every mission, assignment and outbox row: compare before and after a refusal."""
    return {
        table: await rows(bot, f"SELECT * FROM {table} ORDER BY id")
        for table in ("missions", "assignments", "outbox")
    }


async def outbox_texts(bot: BotHarness, chat_id: int) -> list[str]:
    """The texts queued in the outbox for `chat_id`, oldest first."""
    found = await rows(bot, "SELECT params FROM outbox WHERE chat_id = ? ORDER BY id", [chat_id])
    return [str(json.loads(row["params"])["text"]) for row in found]


async def assignments(bot: BotHarness, mission_id: int) -> list[dict[str, Any]]:
    return await rows(
        bot,
        "SELECT id, prospector_id, status, agreed_rate_cents FROM assignments "
        "WHERE mission_id = ? ORDER BY id",
        [mission_id],
    )


async def mission_row(bot: BotHarness, mission_id: int) -> dict[str, Any]:
    [row] = await rows(bot, "SELECT * FROM missions WHERE id = ?", [mission_id])
    return row


async def answer_stays(user: FakeUser, text: str, *expected: str) -> str:
    """Send an invalid answer: exactly one reply, saying what is accepted."""
    before = len(user.texts)
    await user.send(text)
    replies = user.received_since(before)
    assert len(replies) == 1, replies
    for part in expected:
        assert part in replies[0], (part, replies[0])
    return replies[0]


async def tap_data(user: FakeUser, data: str) -> None:
    """Tap the newest shown button carrying `data` (not forged: it must be on screen)."""
    for message in reversed(user.messages):
        if any(shown == data for _, shown, _ in message.buttons()):
            user.fake.user_taps(user.id, message.message_id, data)
            await user.harness.deliver()
            return
    raise AssertionError(f"{user.first_name} sees no button with data {data!r}")


def button_labels(user: FakeUser) -> list[str]:
    """Labels of the buttons under the newest message."""
    return [label for label, _, _ in user.messages[-1].buttons()]


def spaced(text: str) -> str:
    """Babel puts a no-break (U+00A0) or narrow no-break (U+202F) space before €."""
    return re.sub(r"[\u00a0\u202f]", " ", text)
