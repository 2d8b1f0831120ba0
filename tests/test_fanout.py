"""Fan-out campaigns: publishing a mission records one campaign row, and the expander turns
it into one outbox row per alerted prospector, a chunk at a time, after the commit.

The bot here queues two recipients per chunk, so that a handful of prospectors makes a
campaign of several chunks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage.models import Audience, CampaignMessage, Priority, Target
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, FakeUser, make_settings
from tests.helpers import onboard_company, onboard_prospectors, post_mission, rows

CHUNK = 2


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path) -> AsyncIterator[BotHarness]:
    harness = BotHarness(make_settings(db_path, fake.token), fake, fan_out_chunk=CHUNK)
    await harness.start()
    yield harness
    await harness.stop()


async def campaigns(bot: BotHarness) -> list[dict[str, Any]]:
    return await rows(bot, "SELECT * FROM campaigns ORDER BY id")


async def alert_rows(bot: BotHarness) -> list[dict[str, Any]]:
    """The outbox rows made from campaigns, by recipient."""
    return await rows(
        bot,
        "SELECT chat_id, campaign_id, priority, status, params FROM outbox "
        "WHERE campaign_id IS NOT NULL ORDER BY chat_id, id",
    )


def alerts_received(user: FakeUser) -> list[str]:
    return [text for text in user.texts if "🆕" in text]


async def test_publishing_alerts_each_opted_in_prospector_in_their_language(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    [ann] = await onboard_prospectors(bot, ["Ann"], "en", specialties=("b2b",))
    [bea] = await onboard_prospectors(bot, ["Béa"], "fr", specialties=("b2b", "b2c"))
    [mute] = await onboard_prospectors(bot, ["Mute"], "en", notify=False)
    [cee] = await onboard_prospectors(bot, ["Cee"], "fr", specialties=("b2c",))

    mission = await post_mission(bot, acme, title="Call <SaaS> & co", rate="15", target="b2b")

    assert "Alerts sent: 2" in acme.texts[-2]
    assert alerts_received(ann) == ["🆕 New mission: Call <SaaS> & co — €15.00 per appointment"]
    [french] = alerts_received(bea)
    assert french.startswith("🆕 Nouvelle mission : Call <SaaS> & co — 15,00")
    assert alerts_received(mute) == [] and alerts_received(cee) == []
    assert [label for label, _, _ in ann.messages[-1].buttons()] == ["🔎 View mission"]
    assert [label for label, _, _ in bea.messages[-1].buttons()] == ["🔎 Voir la mission"]

    [campaign] = await campaigns(bot)
    assert (campaign["status"], campaign["queued"]) == ("done", 2)
    assert campaign["audience_kind"] == "new_mission_alert"
    assert json.loads(campaign["audience_params"]) == {"target": "b2b"}
    queued = await alert_rows(bot)
    assert [(r["chat_id"], r["campaign_id"], r["priority"], r["status"]) for r in queued] == [
        (ann.id, campaign["id"], Priority.BROADCAST, "sent"),
        (bea.id, campaign["id"], Priority.BROADCAST, "sent"),
    ]
    assert "Call &lt;SaaS&gt; &amp; co" in json.loads(queued[0]["params"])["text"]

    await ann.tap("View mission")
    assert f"#{mission.id} Call <SaaS> & co" in ann.last_text


async def test_a_campaign_of_several_chunks_alerts_everyone_exactly_once(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    english = await onboard_prospectors(bot, ["A1", "A2", "A3", "A4"], "en")
    [muted] = await onboard_prospectors(bot, ["Muted"], "en", notify=False)
    french = await onboard_prospectors(bot, ["F1", "F2", "F3"], "fr")
    alerted = english + french

    await post_mission(bot, acme, title="Seven alerts in four chunks")

    assert "Alerts sent: 7" in acme.texts[-2]
    assert [r["chat_id"] for r in await alert_rows(bot)] == sorted(p.id for p in alerted)
    for prospector in english:
        assert alerts_received(prospector) == [
            "🆕 New mission: Seven alerts in four chunks — €40.00 per appointment"
        ]
    for prospector in french:
        [alert] = alerts_received(prospector)
        assert alert.startswith("🆕 Nouvelle mission : Seven alerts in four chunks")
    assert alerts_received(muted) == []
    [campaign] = await campaigns(bot)
    assert (campaign["status"], campaign["queued"], campaign["cursor"]) == (
        "done",
        7,
        max(p.id for p in alerted),
    )
    assert campaign["finished_at"] is not None


async def test_a_restart_in_the_middle_of_an_expansion_finishes_it(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    prospectors = await onboard_prospectors(bot, ["P1", "P2", "P3", "P4", "P5"], "en")
    # The expander stops, as in a crash right after the publishing commit.
    await bot.services.expander.stop()
    await post_mission(bot, acme, title="Published before the crash")
    assert "Alerts sent: 5" in acme.texts[-2]
    [campaign] = await campaigns(bot)
    assert (campaign["status"], campaign["cursor"], campaign["queued"]) == ("expanding", 0, 0)
    assert await alert_rows(bot) == []

    db, repository = bot.services.db, bot.services.repos.campaigns
    # A chunk cut short leaves nothing behind: no row, the cursor where it was.
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            assert await repository.expand_chunk(tx, campaign["id"], CHUNK) == CHUNK
            raise RuntimeError("crash in the middle of a chunk")
    assert await alert_rows(bot) == []
    assert (await campaigns(bot))[0]["cursor"] == 0
    # One chunk goes through before the crash.
    async with db.transaction() as tx:
        assert await repository.expand_chunk(tx, campaign["id"], CHUNK) == CHUNK
    await bot.settle()
    first = [p.id for p in prospectors[:CHUNK]]
    assert [r["chat_id"] for r in await alert_rows(bot)] == first
    assert (await campaigns(bot))[0]["cursor"] == first[-1]

    await bot.restart()
    await bot.settle()

    assert [r["chat_id"] for r in await alert_rows(bot)] == [p.id for p in prospectors]
    for prospector in prospectors:
        assert len(alerts_received(prospector)) == 1, prospector.first_name
    [campaign] = await campaigns(bot)
    assert (campaign["status"], campaign["queued"]) == ("done", 5)


async def test_banned_and_blocked_prospectors_are_not_alerted(
    bot: BotHarness, fake: FakeTelegram
) -> None:
    acme = await onboard_company(bot, "Acme")
    ann, ben, cid, dee = await onboard_prospectors(bot, ["Ann", "Ben", "Cid", "Dee"], "en")
    repos = bot.services.repos
    async with bot.services.db.transaction() as tx:
        await repos.users.set_banned(tx, ben.id, True)
    fake.block(cid.id)

    # Cid's block shows when the first alert to them is refused.
    await post_mission(bot, acme, title="First mission")
    assert "Alerts sent: 3" in acme.texts[-2]
    blocked = await repos.users.get(cid.id)
    assert blocked is not None and blocked.blocked_at is not None

    await post_mission(bot, acme, title="Second mission")
    assert "Alerts sent: 2" in acme.texts[-2]
    queued = await alert_rows(bot)
    assert sorted((r["chat_id"], r["campaign_id"], r["status"]) for r in queued) == [
        (ann.id, 1, "sent"),
        (ann.id, 2, "sent"),
        (cid.id, 1, "undeliverable"),
        (dee.id, 1, "sent"),
        (dee.id, 2, "sent"),
    ]
    assert alerts_received(ben) == []


async def test_a_recipient_gets_the_default_language_when_theirs_has_no_message(
    bot: BotHarness,
) -> None:
    [ann] = await onboard_prospectors(bot, ["Ann"], "en")
    [bea] = await onboard_prospectors(bot, ["Béa"], "fr")
    french = CampaignMessage(method="send_message", params={"text": "🆕 Mission en français"})
    async with bot.services.db.transaction() as tx:
        await bot.services.repos.campaigns.create(
            tx,
            Audience(kind="new_mission_alert", target=Target.B2B),
            {"fr": french},
            Priority.BROADCAST,
            default_language="fr",
        )
    await bot.settle()
    assert alerts_received(ann) == alerts_received(bea) == ["🆕 Mission en français"]
