"""User text full of HTML-special characters renders everywhere without Telegram rejecting
the markup (the fake rejects malformed HTML as Telegram does)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, make_settings

NASTY = st.sampled_from(["<", ">", "&", '"', "'", "&amp;", "<b>", "</i>", "🎉", "👩‍💻", "{x}", "{"])
NAMES = st.lists(st.one_of(NASTY, st.text(min_size=1, max_size=3)), min_size=1, max_size=12).map(
    "".join
)


def test_names_with_markup_characters_render_everywhere(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    fake = FakeTelegram()
    harness = BotHarness(make_settings(tmp_path / "db.sqlite3", fake.token), fake)
    loop.run_until_complete(harness.start())
    ids = itertools.count(5000)

    async def onboard(name: str) -> None:
        company = harness.user("C", language="en", user_id=next(ids))
        await company.send("/start")
        await company.tap("Company")
        await company.send(name)
        if "business sector" not in company.last_text:
            assert "must be 2 to 80" in company.last_text
            return
        await company.tap("Retail")
        await company.tap("Skip")
        await company.send("/profile")
        stored = await harness.services.repos.profiles.company(company.id)
        assert stored is not None
        assert stored.name in company.last_text
        assert not any("Sorry" in text for text in company.texts)

        prospector = harness.user("P", language="fr", user_id=next(ids))
        await prospector.send("/start")
        await prospector.tap("Prospecteur")
        await prospector.send(name[:40])
        if "Dans quelles langues" not in prospector.last_text:
            return
        await prospector.tap("Français")
        await prospector.tap("Terminé")
        await prospector.tap("B2B")
        await prospector.tap("Vente")
        await prospector.tap("Terminé")
        await prospector.send("1")
        await prospector.send(name)
        await prospector.tap("Oui")
        await prospector.send("/profile")
        profile = await harness.services.repos.profiles.prospector(prospector.id)
        assert profile is not None
        assert profile.display_name in prospector.last_text
        assert profile.bio in prospector.last_text
        assert not any("Désolé" in text for text in prospector.texts)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(name=NAMES)
    def check(name: str) -> None:
        loop.run_until_complete(onboard(name))

    try:
        check()
    finally:
        loop.run_until_complete(harness.stop())
        loop.close()
