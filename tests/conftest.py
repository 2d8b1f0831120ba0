from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.clock import ManualClock
from tests.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.harness import BotHarness, make_settings
from tests.helpers import START, running_bot
from tests.phone_rule import offenders


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    """The fake Telegram over loopback HTTP, for tests that run `python -m bot`."""
    telegram = FakeTelegram()
    with FakeTelegramServer(telegram) as running:
        yield running
    assert_fits_phone(telegram)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Telegram; once the test is over, every inline keyboard the bot sent in it
    must have passed the phone rule, so that every screen the suite renders is checked."""
    telegram = FakeTelegram()
    yield telegram
    assert_fits_phone(telegram)


def assert_fits_phone(telegram: FakeTelegram) -> None:
    too_wide = offenders(telegram.inline_keyboards)
    assert not too_wide, f"labels too wide for a phone: {too_wide}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callboard.sqlite3"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(
    request: pytest.FixtureRequest, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """The bot on the real clock; in modules marked `frozen_clock`, on `clock`, which only
    the test moves (and without the minute tick, which such tests run themselves)."""
    if request.node.get_closest_marker("frozen_clock"):
        async with running_bot(fake, db_path, clock) as harness:
            yield harness
        return
    harness = BotHarness(make_settings(db_path, fake.token, admin_ids="999"), fake)
    await harness.start()
    yield harness
    await harness.stop()
