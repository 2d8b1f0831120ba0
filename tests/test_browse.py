"""/browse with paging and filters, taking missions (50 prospectors racing for 3
slots), /mymissions and leaving. The bot runs on a ManualClock moved by the tests."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.kit.callbacks import DetailsCb
from handlers.browse.screens import LeaveCb, LeaveConfirmCb, TakeCb
from storage.clock import ManualClock
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    assignments,
    button_labels,
    mission_row,
    onboard_company,
    onboard_prospector,
    onboard_prospectors,
    outbox_texts,
    post_mission,
    snapshot,
    tap_data,
)

pytestmark = pytest.mark.frozen_clock


def listed(user: FakeUser) -> list[int]:
    """Mission ids on the browse page the user looks at, top to bottom."""
    return [
        details.mission_id
        for _, data, _ in user.messages[-1].buttons()
        if (details := DetailsCb.unpack(data)) is not None
    ]


# --- 7. racing for the last slots -------------------------------------------------------------


async def test_fifty_prospectors_race_for_three_slots(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await onboard_company(bot, "Acme")
    crowd = await onboard_prospectors(bot, [f"Caller{i:02d}" for i in range(50)], notify=False)
    mission = await post_mission(bot, acme, title="Three seats only", slots="3")
    for prospector in crowd:
        bot.fake.user_sends_text(prospector.id, f"/start m{mission.id}")
    await bot.deliver()

    caplog.set_level(logging.INFO)
    for prospector in crowd:
        message, data = prospector.find_button("Accept at the posted rate")
        bot.fake.user_taps(prospector.id, message.message_id, data)
    await bot.deliver()

    taken = await assignments(bot, mission.id)
    assert [a["status"] for a in taken] == ["active"] * 3
    assert {a["agreed_rate_cents"] for a in taken} == {4000}
    assert (await mission_row(bot, mission.id))["active_count"] == 3
    winners = [p for p in crowd if "You're in!" in p.last_text]
    full = [p for p in crowd if "Mission #1 is full: no slot left." in p.last_text]
    assert (len(winners), len(full)) == (3, 47)
    assert {p.id for p in winners} == {a["prospector_id"] for a in taken}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # A full mission leaves the list.
    await crowd[0].send("/browse")
    assert "No open mission right now" in crowd[0].last_text


# --- 8. the list, its pages and filters ---------------------------------------------------------


async def post_twelve(bot: BotHarness, clock: ManualClock, company: FakeUser) -> None:
    """Missions #1..#12, one minute apart: pay model by i % 3, 5 € × i, odd B2B, even B2C."""
    pay = {1: "appointment", 2: "lead", 0: "sale"}
    for i in range(1, 13):
        await post_mission(
            bot,
            company,
            title=f"Mission number {i}",
            pay=pay[i % 3],
            rate=str(5 * i),
            target="b2b" if i % 2 else "b2c",
        )
        clock.advance(timedelta(minutes=1))


async def test_browse_pages_newest_first_without_full_missions(
    bot: BotHarness, clock: ManualClock
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    taker = await onboard_prospector(bot, "Taker", notify=False)
    await post_twelve(bot, clock, acme)
    solo = await post_mission(bot, acme, title="Single seat", slots="1")

    await jo.send("/browse")
    assert listed(jo) == [13, 12, 11, 10, 9]
    await taker.send(f"/start m{solo.id}")
    await taker.tap("Accept at the posted rate")
    await jo.send("/browse")
    page = jo.last_text
    assert "Open missions — page 1" in page and "No filter." in page
    assert listed(jo) == [12, 11, 10, 9, 8]
    assert "Single seat" not in page
    assert "#12 Mission number 12" in page and "€60.00 per sale" in page
    assert "3 slots left" in page and "no deadline" in page
    assert "‹ Previous" not in button_labels(jo) and "Next ›" in button_labels(jo)

    await jo.tap("Next ›")
    assert "page 2" in jo.last_text and listed(jo) == [7, 6, 5, 4, 3]
    assert {"‹ Previous", "Next ›"} <= set(button_labels(jo))
    await jo.tap("Next ›")
    assert "page 3" in jo.last_text and listed(jo) == [2, 1]
    assert "Next ›" not in button_labels(jo) and "‹ Previous" in button_labels(jo)
    await jo.tap("‹ Previous")
    assert listed(jo) == [7, 6, 5, 4, 3]

    # The company's own list is paged too.
    await acme.send("/missions")
    assert "Your missions (page 1/3)" in acme.last_text
    assert "Next ›" in button_labels(acme) and "‹ Previous" not in button_labels(acme)
    await acme.tap("Next ›")
    await acme.tap("Next ›")
    assert "Your missions (page 3/3)" in acme.last_text
    assert "#3 Mission number 3" in acme.last_text and "#1 Mission number 1" in acme.last_text
    assert "Next ›" not in button_labels(acme) and "‹ Previous" in button_labels(acme)

    # Details, then back to the same page.
    await jo.tap("#4 ·")
    details = jo.last_text
    assert "#4 Mission number 4" in details and "Acme SAS" in details
    assert "Call IT managers" in details and "€20.00 per appointment" in details
    await jo.tap("‹ List")
    assert "page 2" in jo.last_text and listed(jo) == [7, 6, 5, 4, 3]


async def test_browse_filters_stay_set_and_can_match_nothing(
    bot: BotHarness, clock: ManualClock
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await post_twelve(bot, clock, acme)

    await jo.send("/browse")
    await jo.tap("Filters")
    assert "Filters" in jo.last_text and "No filter." in jo.last_text
    await jo.tap("B2C")
    assert "Filters: B2C" in jo.last_text and "✅ B2C" in button_labels(jo)
    await jo.tap("Show missions")
    assert "Filters: B2C" in jo.last_text and listed(jo) == [12, 10, 8, 6, 4]
    await jo.tap("Next ›")
    assert "Filters: B2C" in jo.last_text and listed(jo) == [2]
    assert "Next ›" not in button_labels(jo)
    await jo.tap("#2 ·")
    await jo.tap("‹ List")
    assert "page 2" in jo.last_text and "Filters: B2C" in jo.last_text and listed(jo) == [2]
    await jo.send("/browse")  # a new list keeps the session's filters, from page 1
    assert "page 1" in jo.last_text and listed(jo) == [12, 10, 8, 6, 4]

    await jo.tap("Filters")
    await jo.tap("≥ €50.00")
    await jo.tap("Show missions")
    assert "Filters: B2C, ≥ €50.00" in jo.last_text and listed(jo) == [12, 10]
    await jo.tap("Filters")
    await jo.tap("per appointment")
    await jo.tap("Show missions")
    assert "Filters: per appointment, B2C, ≥ €50.00" in jo.last_text
    assert listed(jo) == [10]

    await jo.tap("Filters")
    await jo.tap("per qualified lead")
    assert "✅ per qualified lead" in button_labels(jo)
    assert "✅ per appointment" not in button_labels(jo)
    await jo.tap("Show missions")
    assert "No mission matches. Try other filters." in jo.last_text
    assert "Filters: per qualified lead, B2C, ≥ €50.00" in jo.last_text
    assert listed(jo) == [] and "⚙️ Filters" in button_labels(jo)

    # Tapping a chosen option again removes it; Clear removes them all.
    await jo.tap("Filters")
    await jo.tap("≥ €50.00")
    await jo.tap("Show missions")
    assert "Filters: per qualified lead, B2C" in jo.last_text and listed(jo) == [8, 2]
    await jo.tap("Filters")
    await jo.tap("Clear")
    await jo.tap("Show missions")
    assert "No filter." in jo.last_text and listed(jo) == [12, 11, 10, 9, 8]


async def test_paused_and_closed_missions_are_not_listed(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    first = await post_mission(bot, acme, title="Will pause")
    await post_mission(bot, acme, title="Will close")
    await acme.send("/missions")
    await acme.tap("#1 · Will pause")
    await acme.tap("Pause")
    await acme.send("/missions")
    await acme.tap("#2 · Will close")
    await acme.tap("Close")
    await acme.tap("Yes, close")
    await jo.send("/browse")
    assert "No open mission right now" in jo.last_text
    # An old button on a paused mission does not let anyone in.
    await jo.send(f"/start m{first.id}")
    assert "paused" in jo.last_text and "Accept at the posted rate" not in button_labels(jo)
    await jo.tap_forged(TakeCb(mission_id=first.id).pack())
    assert "not open right now" in jo.last_text
    assert await assignments(bot, first.id) == []


# --- 8b. /mymissions and leaving ----------------------------------------------------------------


async def test_my_missions_and_leaving_frees_the_slot(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    await jo.send("/mymissions")
    assert "No current mission" in jo.last_text

    auto = await post_mission(bot, acme, title="Auto start", rate="30", slots="1")
    manual = await post_mission(bot, acme, title="Needs approval", approval="manual")
    for mission in (auto, manual):
        await jo.send(f"/start m{mission.id}")
        await jo.tap("Accept at the posted rate")
    await ann.send(f"/start m{auto.id}")
    assert "0 slots left" in ann.last_text
    assert "Accept at the posted rate" not in button_labels(ann)
    assert "💬 Propose a rate" in button_labels(ann)
    await ann.tap_forged(TakeCb(mission_id=auto.id).pack())
    assert "is full" in ann.last_text

    await jo.send("/mymissions")
    mine = jo.last_text
    assert "#1 Auto start" in mine and "✅ active · €30.00" in mine
    assert "#2 Needs approval" in mine and "applied · €40.00" in mine
    [auto_assignment] = await assignments(bot, auto.id)

    await tap_data(jo, LeaveCb(assignment_id=auto_assignment["id"]).pack())
    assert "Leave the mission “Auto start”?" in jo.last_text
    assert (await assignments(bot, auto.id))[0]["status"] == "active"
    await jo.tap("Back")
    assert "My missions" in jo.last_text
    await tap_data(jo, LeaveCb(assignment_id=auto_assignment["id"]).pack())
    company_before = len(await outbox_texts(bot, acme.id))
    await jo.tap("Yes, leave")
    assert jo.alerts[-1] == "You left the mission."
    assert "#1 Auto start" not in jo.last_text and "#2 Needs approval" in jo.last_text
    assert (await assignments(bot, auto.id))[0]["status"] == "left"
    assert (await mission_row(bot, auto.id))["active_count"] == 0
    told = (await outbox_texts(bot, acme.id))[company_before:]
    assert told == ["🚪 P-0001 left mission #1 “Auto start”."]
    assert acme.last_text == "🚪 P-0001 left mission #1 “Auto start”."

    # The slot is free again: Ann gets it.
    await ann.send(f"/start m{auto.id}")
    await ann.tap("Accept at the posted rate")
    assert "You're in!" in ann.last_text
    assert (await mission_row(bot, auto.id))["active_count"] == 1

    # A replayed leave, or someone else's assignment, changes nothing.
    before = await snapshot(bot)
    await jo.tap_forged(LeaveConfirmCb(assignment_id=auto_assignment["id"]).pack())
    assert jo.alerts[-1] == STALE
    ann_assignment = (await assignments(bot, auto.id))[1]["id"]
    for data in (
        LeaveCb(assignment_id=ann_assignment).pack(),
        LeaveConfirmCb(assignment_id=ann_assignment).pack(),
    ):
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    huge = "9" * 20
    for data in (
        "lc:v1:abc", "bp:v1:-1", "bp:v1:²", "fr:v1:123",
        "fr:v1:²", "fp:v1:barter", f"bd:v1:{huge}", f"tk:v1:{huge}",
        f"bp:v1:{huge}", f"mm:v1:{huge}", f"lv:v1:{huge}", f"lc:v1:{huge}",
    ):  # fmt: skip
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    assert await snapshot(bot) == before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_link_tapped_by_someone_signed_up_opens_straight_on_its_mission(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission = await post_mission(bot, acme, title="Straight there")
    before = len(jo.texts)
    await jo.send(f"/start m{mission.id}")
    # One screen, the mission: no home screen to scroll past on a phone.
    assert [text.split("\n")[0] for text in jo.received_since(before)] == [
        f"#{mission.id} Straight there · 🟢 open"
    ]
    before = len(jo.texts)
    await jo.send("/start m999")
    assert len(jo.received_since(before)) == 1 and "does not exist" in jo.last_text
    await jo.tap("🔎 Browse missions")  # a way on, since there is nothing behind
    assert "Straight there" in jo.last_text
    await acme.send(f"/start m{mission.id + 1}")
    await acme.tap("📋 My missions")
    assert "Straight there" in acme.last_text


async def test_an_old_accept_button_on_a_mission_filled_since_applies_to_nothing(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    manual = await post_mission(bot, acme, title="One seat", slots="1", approval="manual")
    await ann.send(f"/start m{manual.id}")  # Ann sees the button while a slot is free
    await jo.send(f"/start m{manual.id}")
    await jo.tap("Accept at the posted rate")
    await acme.tap("Approve")
    told_before = len(await outbox_texts(bot, acme.id))
    await ann.tap_forged(TakeCb(mission_id=manual.id).pack())
    # An application to a full mission could never be approved: refused, nobody bothered.
    assert "is full" in ann.last_text
    assert [row["prospector_id"] for row in await assignments(bot, manual.id)] == [jo.id]
    assert len(await outbox_texts(bot, acme.id)) == told_before
