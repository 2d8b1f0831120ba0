"""Threads and negotiation, with the privacy rule: no Telegram identity crosses a thread."""

from __future__ import annotations

from bot.kit.callbacks import ProposeRateCb, ThreadOfferCb, ThreadOpenCb, ThreadReplyCb
from handlers.browse.screens import LeaveCb, TakeCb
from handlers.threads.screens import OfferAcceptCb
from storage.models import OutboxStatus
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    ask_question,
    assignments,
    button_labels,
    onboard_company,
    onboard_prospector,
    post_mission,
    rows,
    snapshot,
    spaced,
    tap_data,
)


async def negotiate_opening(bot: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    """A French company posts; an English prospector proposes 15 €."""
    company = await onboard_company(bot, "Carla", language="fr")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, language="fr", rate="10", approval="manual")
    await prospector.send("/browse")
    await prospector.tap(f"#{mission.id}")
    await prospector.tap("Propose a rate")
    assert "Your rate per result" in prospector.last_text
    return company, prospector, mission.id


async def test_full_negotiation_in_each_side_language(bot: BotHarness) -> None:
    company, prospector, mission_id = await negotiate_opening(bot)
    await prospector.send("15")
    assert "Offer of €15.00 sent" in prospector.last_text
    assert "Offre : 15,00 € par RDV" in spaced(company.last_text)
    assert f"Mission n°{mission_id} · P-0001" in company.last_text

    await company.tap("Contre-proposer")
    await company.send("12,50")
    assert "Offre de 12,50" in spaced(company.last_text)
    assert "Offer: €12.50 per appointment" in prospector.last_text
    assert "Carla SAS" in prospector.last_text

    await prospector.tap("Accept offer")
    assert "Offer accepted: agreed rate €12.50" in prospector.last_text
    assert "Offre acceptée : tarif convenu 12,50 €" in spaced(company.last_text)
    assert await assignments(bot, mission_id) == [
        {"id": 1, "prospector_id": prospector.id, "status": "active", "agreed_rate_cents": 1250}
    ]
    mission = await bot.services.repos.missions.get(mission_id)
    assert mission is not None and mission.active_count == 1
    assert prospector.messages[-2].buttons() == [], "answered offers lose their buttons"


async def test_invalid_amount_stays_on_the_step(bot: BotHarness) -> None:
    _, prospector, _ = await negotiate_opening(bot)
    for bad in ("free", "0", "-4", "20000"):
        before = len(prospector.texts)
        await prospector.send(bad)
        assert len(prospector.texts) == before + 1
        assert "Amount not accepted" in prospector.last_text
    # One mark that could be either separator: told why, as when posting a mission.
    for ambiguous in ("12,505", "1,500"):
        await prospector.send(ambiguous)
        assert f"“{ambiguous}” is ambiguous" in prospector.last_text
    await prospector.send("€14.00")
    assert "Offer of €14.00 sent" in prospector.last_text


async def test_superseded_other_thread_and_forged_offers_change_nothing(bot: BotHarness) -> None:
    company, prospector, mission_id = await negotiate_opening(bot)
    await prospector.send("15")
    first_offer = company.messages[-1]
    await company.tap("Contre-proposer")
    await company.send("12")
    await prospector.tap("Counter")
    await prospector.send("13")
    before = await snapshot(bot)
    company.fake.user_taps(company.id, first_offer.message_id, OfferAcceptCb(offer_id=1).pack())
    await bot.deliver()
    assert company.alerts[-1] == "Cette offre a été remplacée par une plus récente."
    assert await snapshot(bot) == before

    outsider = await onboard_prospector(bot, "Olga", language="en")
    await outsider.tap_forged(OfferAcceptCb(offer_id=3).pack())
    await outsider.tap_forged(ThreadOpenCb(thread_id=1).pack())
    await outsider.tap_forged(ThreadReplyCb(thread_id=1).pack())
    await outsider.tap_forged(ThreadOfferCb(thread_id=1).pack())
    assert outsider.alerts[-4:] == [STALE] * 4
    await prospector.tap_forged(OfferAcceptCb(offer_id=3).pack())  # one's own offer
    assert prospector.alerts[-1] == STALE
    assert await snapshot(bot) == before
    assert await assignments(bot, mission_id) == [
        {
            "id": 1,
            "prospector_id": prospector.id,
            "status": "negotiating",
            "agreed_rate_cents": None,
        }
    ]


async def test_offer_on_full_or_closed_mission_changes_nothing(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    mission = await post_mission(bot, company, slots="1", approval="auto")
    taker = await onboard_prospector(bot, "Tom")
    haggler = await onboard_prospector(bot, "Hana")
    await haggler.send("/browse")
    await haggler.tap(f"#{mission.id}")
    await haggler.tap("Propose a rate")
    await haggler.send("45")
    await taker.send("/browse")
    await taker.tap(f"#{mission.id}")
    await taker.tap("Accept at the posted rate")
    before = await snapshot(bot)
    await company.tap("Accept offer")
    assert company.alerts[-1] == "The mission is full: the offer cannot be accepted."
    assert await snapshot(bot) == before

    await company.send("/missions")
    await company.tap(f"#{mission.id}")
    await company.tap("Close")
    await company.tap("Yes, close")
    before = await snapshot(bot)
    await company.tap("Accept offer")
    assert company.alerts[-1] == "This mission is not open right now."
    assert await snapshot(bot) == before


async def test_reply_routing_between_two_threads(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    first = await post_mission(bot, company, title="First mission here")
    second = await post_mission(bot, company, title="Second mission here")
    pat = await onboard_prospector(bot, "Pat")
    for mission in (first, second):
        await ask_question(pat, mission.id, f"Question about {mission.id}")
    about_first = next(
        m for m in company.messages if f"Question about {first.id}" in (m.text or "")
    )
    about_second = next(
        m for m in company.messages if f"Question about {second.id}" in (m.text or "")
    )
    assert f"Mission #{first.id}" in (about_first.text or "")

    await company.send("Answer for first", reply_to=about_first.message_id)
    await company.send("Answer for second", reply_to=about_second.message_id)
    assert f"Mission #{first.id}" in pat.texts[-2] and "Answer for first" in pat.texts[-2]
    assert f"Mission #{second.id}" in pat.last_text and "Answer for second" in pat.last_text

    await tap_data(company, ThreadReplyCb(thread_id=1).pack())
    await company.send("Via the button")
    assert f"Mission #{first.id}" in pat.last_text and "Via the button" in pat.last_text
    _, data = company.find_button("Reply")
    assert data == ThreadReplyCb(thread_id=2).pack()
    await tap_data(company, ThreadReplyCb(thread_id=2).pack())
    await company.send("Switched")
    assert f"Mission #{second.id}" in pat.last_text and "Switched" in pat.last_text

    await company.send("/help")
    received = len(pat.texts)
    await company.send("Not for anyone")
    assert "reply (long press → Reply)" in company.last_text
    assert company.sent[-1].reactions == []
    assert len(pat.texts) == received
    stored = await rows(bot, "SELECT thread_id, body FROM thread_messages ORDER BY id")
    assert [(r["thread_id"], r["body"]) for r in stored] == [
        (1, "Question about 1"), (2, "Question about 2"), (1, "Answer for first"),
        (2, "Answer for second"), (1, "Via the button"), (2, "Switched"),
    ]  # fmt: skip


async def test_relays_escape_html_carry_media_and_survive_a_block(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    mission = await post_mission(bot, company)
    pat = await onboard_prospector(bot, "Pat")
    await ask_question(pat, mission.id, '<b>bold</b> & "quotes" <script>')
    assert company.last_text.endswith('<b>bold</b> & "quotes" <script>')
    assert "&lt;b&gt;" in (company.messages[-1].html or "")

    bot.fake.user_sends_photo(pat.id, caption="<i>site</i> photo")
    bot.fake.user_sends_document(pat.id, "leads.csv", caption="the list")
    bot.fake.user_sends_voice(pat.id)
    await bot.deliver()
    kinds = [(m.kind, m.caption) for m in company.messages[-3:]]
    assert [k for k, _ in kinds] == ["photo", "document", "voice"]
    assert kinds[0][1] is not None and kinds[0][1].endswith("<i>site</i> photo")
    assert company.messages[-3].file_id is not None

    bot.fake.block(company.id)
    await pat.send("Are you there?")
    assert pat.sent[-1].reactions == ["👍"]
    assert not any("Sorry" in text for text in pat.texts)
    [row] = await rows(bot, "SELECT status, error FROM outbox ORDER BY id DESC LIMIT 1")
    assert row["status"] == OutboxStatus.UNDELIVERABLE and "403" in row["error"]


async def test_privacy_across_a_negotiation(bot: BotHarness) -> None:
    company = bot.user("Claire", language="en", username="claire_boss")
    await company.send("/start")
    await company.tap("Company")
    await company.send("Acme Outbound")
    await company.tap("Retail")
    await company.tap("Skip")
    pierre = bot.user("Pierre", language="en", username="pierre_dials")
    await pierre.send("/start")
    await pierre.tap("Prospector")
    await pierre.send("Jo Caller")
    await pierre.tap("French")
    await pierre.tap("Done")
    await pierre.tap("B2B")
    await pierre.tap("Sales")
    await pierre.tap("Done")
    await pierre.send("2")
    await pierre.tap("Skip")
    await pierre.tap("Yes")
    mission = await post_mission(bot, company, approval="manual")
    await pierre.tap("View mission")
    await pierre.tap("Propose a rate")
    await pierre.send("45")
    await company.tap("Counter")
    await company.send("42")
    await pierre.tap("Reply")
    await pierre.send("Deal soon")
    await pierre.tap("Accept offer")
    await company.send("/threads")
    await company.tap(f"#{mission.id}")
    await pierre.send("/threads")
    await pierre.tap(f"#{mission.id}")
    company_sees = " ".join(m.html or m.text or "" for m in company.messages)
    for secret in ("Pierre", "pierre_dials", str(pierre.id)):
        assert secret not in company_sees
    prospector_sees = " ".join(m.html or m.text or "" for m in pierre.messages)
    for secret in ("Claire", "claire_boss", str(company.id)):
        assert secret not in prospector_sees
    assert "P-0001" in company_sees and "Acme Outbound" in prospector_sees


async def test_threads_list_unread_counts_and_history(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    mission = await post_mission(bot, company)
    pat = await onboard_prospector(bot, "Pat")
    await pat.send("/browse")
    await pat.tap(f"#{mission.id}")
    await pat.tap("Ask a question")
    bot.fake.block(company.id)  # what cannot be delivered stays unread
    for n in range(3):
        await pat.send(f"message {n}")
    bot.fake.unblock(company.id)
    await company.send("/threads")
    assert company.messages[-1].buttons()[0][0] == f"#{mission.id} · P-0001 · 3 unread"
    await company.tap(f"#{mission.id}")
    history = company.last_text
    assert history.index("message 0") < history.index("message 2")
    await company.tap("List")
    assert company.messages[-1].buttons()[0][0] == f"#{mission.id} · P-0001"
    for n in range(25):
        await company.send(f"reply {n}")  # opening the thread made it the current one
    await pat.send("/threads")
    await pat.tap(f"#{mission.id}")
    lines = [line for line in pat.last_text.splitlines() if ":" in line and "Mission" not in line]
    assert len(lines) == 20
    assert lines[0].endswith("reply 5") and lines[-1].endswith("reply 24")


async def test_company_mission_card_links_to_its_threads(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    mission = await post_mission(bot, company)
    other = await post_mission(bot, company, title="Another mission here")
    for name in ("Pat", "Sam"):
        user = await onboard_prospector(bot, name)
        await ask_question(user, mission.id, f"hello from {name}")
    await company.send("/missions")
    await company.tap(f"#{mission.id}")
    await company.tap("Threads")
    labels = [label for label, _, _ in company.messages[-1].buttons()]
    assert any("P-0001" in label for label in labels) and any("P-0002" in label for label in labels)
    assert not any(f"#{other.id} " in label for label in labels)


async def test_a_declined_application_stays_declined_on_every_path(bot: BotHarness) -> None:
    """Declined, the prospector cannot get onto the mission by accepting the posted rate, a
    link, proposing, making an offer or having one accepted; nor can the company counter."""
    company = await onboard_company(bot, "Carla", language="en")
    pierre = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, rate="10", approval="manual")
    await pierre.send(f"/start m{mission.id}")
    await pierre.tap("Accept at the posted rate")
    await pierre.tap_forged(ProposeRateCb(mission_id=mission.id).pack())
    await pierre.send("15")
    pierre_offer = company.messages[-1]
    await company.tap("Reply")
    await company.send("We will think about it")
    await company.tap("✖️ Decline P-0001")
    assert company.alerts[-1] == "Application declined."
    declined = await snapshot(bot)

    await pierre.tap_forged(TakeCb(mission_id=mission.id).pack())
    assert "already declined" in pierre.last_text
    await pierre.send(f"/start m{mission.id}")
    assert pierre.last_text.endswith(
        "The company already declined your application to this mission."
    )
    assert "Accept at the posted rate" not in button_labels(pierre)
    assert "Propose a rate" not in button_labels(pierre)
    await pierre.tap_forged(ProposeRateCb(mission_id=mission.id).pack())
    assert pierre.alerts[-1] == "The company already declined your application to this mission."
    company.fake.user_taps(company.id, pierre_offer.message_id, OfferAcceptCb(offer_id=1).pack())
    await bot.deliver()
    assert company.alerts[-1] == "You declined this prospector's application to this mission."
    await company.tap("Counter")
    assert company.alerts[-1] == "You declined this prospector's application to this mission."
    await pierre.tap("Make an offer")
    assert pierre.alerts[-1] == "The company already declined your application to this mission."
    assert await snapshot(bot) == declined
    assert [a["status"] for a in await assignments(bot, mission.id)] == ["declined"]


async def test_leaving_withdraws_the_offer_the_company_was_about_to_accept(
    bot: BotHarness,
) -> None:
    company, prospector, mission_id = await negotiate_opening(bot)
    await prospector.send("15")
    [assignment] = await assignments(bot, mission_id)
    await prospector.send("/mymissions")
    await tap_data(prospector, LeaveCb(assignment_id=assignment["id"]).pack())
    await prospector.tap("Yes, leave")
    assert prospector.alerts[-1] == "You left the mission."
    before = await snapshot(bot)

    await company.tap("Accepter l'offre")

    assert company.alerts[-1] == "Cette offre est retirée : le prospecteur a quitté cette mission."
    assert await snapshot(bot) == before
    assert (await assignments(bot, mission_id))[0]["status"] == "left"
    await company.send("/threads")
    await company.tap(f"n°{mission_id} · P-0001")
    assert "offre à 15,00 € (retirée)" in spaced(company.last_text)
