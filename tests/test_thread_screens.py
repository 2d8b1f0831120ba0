"""Thread screens as pure functions, in French and English: offers shown only while they
can be made, long messages relayed whole, the way back to where a thread was opened from,
and the prospector's profile with an offer to a company."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import ThreadListCb, ThreadOfferCb, ThreadOpenCb, ThreadReplyCb
from bot.kit.i18n import Catalogs, Translator
from bot.kit.keyboards import PHONE_WIDTH, label_width
from handlers.threads import screens
from services import notices
from services.threads import CAPTION_PART, TEXT_PART, relay_parts
from storage.models import MessageKind, PayModel, Thread, ThreadSummary
from tests.test_screens import mission

CATALOGS = Catalogs("fr")
LANGUAGES = ["fr", "en"]
# A question as long as Telegram lets anyone type: 4,096 characters, in words.
LONG_QUESTION = ("Bonjour, une question sur la cible. " * 120)[:4096]


def tr(language: str) -> Translator:
    return CATALOGS[language]


def data(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [
        str(key.callback_data) for row in (markup.inline_keyboard if markup else ()) for key in row
    ]


def relayed_notice(**changes: object) -> notices.MessageRelayed:
    values: dict[str, object] = {
        "thread_id": 4,
        "mission_id": 12,
        "other": "Acme",
        "kind": MessageKind.TEXT,
        "body": "hello",
        "file_id": None,
    }
    values.update(changes)
    return notices.MessageRelayed.model_validate(values)


OFFER = ThreadOfferCb(thread_id=4).pack()
REPLY = ThreadReplyCb(thread_id=4).pack()


@pytest.mark.parametrize("language", LANGUAGES)
def test_make_an_offer_is_shown_only_while_an_offer_can_be_made(language: str) -> None:
    t = tr(language)
    open_to_offers = screens.relayed(relayed_notice(can_offer=True), t)
    assert data(open_to_offers.markup) == [REPLY, OFFER]
    agreed = screens.relayed(relayed_notice(can_offer=False), t)
    assert data(agreed.markup) == [REPLY]
    accepted = notices.OfferAccepted(thread_id=4, mission_id=12, other="Acme", amount_cents=1500)
    assert OFFER not in data(screens.offer_answered(accepted, t).markup)
    declined = notices.OfferDeclined(
        thread_id=4, mission_id=12, other="Acme", amount_cents=1500, can_offer=True
    )
    assert OFFER in data(screens.offer_answered(declined, t).markup)
    head = screens.header(t, 12, "Acme")
    _, closed = screens.history(t, screens.ThreadView(4), head, 1, [], {})
    assert OFFER not in data(closed) and REPLY in data(closed)
    _, negotiating = screens.history(t, screens.ThreadView(4, can_offer=True), head, 1, [], {})
    assert OFFER in data(negotiating)


def test_a_long_message_is_relayed_whole_in_parts() -> None:
    parts = relay_parts(MessageKind.TEXT, LONG_QUESTION)
    assert len(parts) == 2
    assert all(kind is MessageKind.TEXT and len(body) <= TEXT_PART for kind, body in parts)
    assert " ".join(body for _, body in parts).split() == LONG_QUESTION.split()
    assert relay_parts(MessageKind.TEXT, "short") == [(MessageKind.TEXT, "short")]
    photo = relay_parts(MessageKind.PHOTO, LONG_QUESTION[:2000])
    assert [kind for kind, _ in photo] == [MessageKind.PHOTO, MessageKind.TEXT]
    assert len(photo[0][1]) <= CAPTION_PART
    unbroken = relay_parts(MessageKind.TEXT, "a" * 4096)
    assert "".join(body for _, body in unbroken) == "a" * 4096


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_message_parts_are_numbered_and_buttons_come_last(language: str) -> None:
    t = tr(language)
    parts = relay_parts(MessageKind.TEXT, LONG_QUESTION)
    rendered = [
        screens.relayed(relayed_notice(body=body, part=number, parts=len(parts), can_offer=True), t)
        for number, (_, body) in enumerate(parts, start=1)
    ]
    texts = [outbound.params["text"] for outbound in rendered]
    assert all(len(text) <= 4096 for text in texts)
    assert texts[0].startswith(f"{screens.header(t, 12, 'Acme')} (1/2)\n")
    assert texts[1].startswith(f"{screens.header(t, 12, 'Acme')} (2/2)\n")
    assert rendered[0].markup is None and data(rendered[1].markup) == [REPLY, OFFER]
    photo = relayed_notice(kind=MessageKind.PHOTO, file_id="F", body="x" * CAPTION_PART)
    assert len(screens.relayed(photo, t).params["caption"]) <= 1024


@pytest.mark.parametrize(
    ("language", "told"),
    [("fr", "✓ Envoyé en 2 messages (trop long pour un seul)"), ("en", "✓ Sent in 2 messages")],
)
def test_the_sender_is_told_a_long_message_went_in_parts(language: str, told: str) -> None:
    t = tr(language)
    head = screens.header(t, 12, "Acme")
    assert screens.sent(t, head, 2).startswith(told)
    assert screens.sent(t, head, 1) == t("thread.sent", header=head)


@pytest.mark.parametrize(("language", "row"), [("fr", "n°12 · P-0042"), ("en", "#12 · P-0042")])
def test_thread_rows_number_missions_as_each_language_does(language: str, row: str) -> None:
    thread = Thread(id=4, mission_id=12, prospector_id=7, company_id=1)
    summary = ThreadSummary(
        thread=thread, mission_title="X", prospector_number=42, company_name="Acme", unread=0
    )
    _, markup = screens.thread_list(tr(language), 1, [summary], 0, 1, None, company=True)
    assert markup is not None and markup.inline_keyboard[0][0].text == row


@pytest.mark.parametrize(
    ("language", "row"),
    [
        ("fr", "n°12 · Compagnie Générale d… · 3 non lus"),
        ("en", "#12 · Compagnie Générale des… · 3 unread"),
    ],
)
def test_a_long_name_in_a_thread_row_is_cut_never_its_unread_count(language: str, row: str) -> None:
    thread = Thread(id=4, mission_id=12, prospector_id=7, company_id=1)
    summary = ThreadSummary(
        thread=thread,
        mission_title="Prise de rendez-vous avec les DRH des ETI franciliennes du secteur",
        prospector_number=42,
        company_name="Compagnie Générale des Solutions de Prospection Téléphonique",
        unread=3,
    )
    _, markup = screens.thread_list(tr(language), 7, [summary], 0, 1, None, company=False)
    assert markup is not None
    label = markup.inline_keyboard[0][0].text
    assert label == row
    assert label_width(label) <= PHONE_WIDTH[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_thread_opened_from_a_mission_goes_back_to_its_threads(language: str) -> None:
    t = tr(language)
    thread = Thread(id=4, mission_id=12, prospector_id=7, company_id=1)
    summary = ThreadSummary(
        thread=thread, mission_title="X", prospector_number=42, company_name="Acme", unread=0
    )
    _, mission_list = screens.thread_list(t, 1, [summary], 0, 1, mission(), company=True)
    assert ThreadOpenCb(thread_id=4, mission_id=12).pack() in data(mission_list)
    _, all_threads = screens.thread_list(t, 1, [summary], 0, 1, None, company=True)
    assert ThreadOpenCb(thread_id=4).pack() in data(all_threads)
    head = screens.header(t, 12, "P-0042")
    _, from_mission = screens.history(t, screens.ThreadView(4, mission_id=12), head, 1, [], {})
    assert data(from_mission)[-1] == ThreadListCb(mission_id=12).pack()
    _, from_list = screens.history(t, screens.ThreadView(4), head, 1, [], {})
    assert data(from_list)[-1] == ThreadListCb().pack()


@pytest.mark.parametrize(
    ("language", "profile"),
    [
        ("fr", "👤 Pierre Caller (4 ans, Français, Anglais)"),
        ("en", "👤 Pierre Caller (4 years, French, English)"),
    ],
)
def test_a_company_sees_who_makes_an_offer(language: str, profile: str) -> None:
    t = tr(language)
    brief = notices.ProspectorBrief(
        display_name="Pierre Caller", experience_years=4, languages=("fr", "en")
    )
    offer = notices.OfferReceived(
        thread_id=4,
        mission_id=12,
        other="P-0002",
        offer_id=3,
        amount_cents=1500,
        pay_model=PayModel.APPOINTMENT,
        prospector=brief,
    )
    text = screens.offer_received(offer, t).params["text"]
    assert "P-0002" in text and text.endswith(profile)
    to_prospector = offer.model_copy(update={"prospector": None, "other": "Acme"})
    assert "👤" not in screens.offer_received(to_prospector, t).params["text"]
