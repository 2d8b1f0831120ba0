from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, make_settings


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callboard.sqlite3"


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path) -> AsyncIterator[BotHarness]:
    harness = BotHarness(make_settings(db_path, fake.token, admin_ids="999"), fake)
    await harness.start()
    yield harness
    await harness.stop()
