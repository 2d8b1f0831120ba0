"""Thread screens and the messages relayed into threads, as pure functions of models and a
translator. A thread is always shown under its header, which names the other side by its
public name only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import (
    BrowsePageCb,
    CallbackData,
    DetailsCb,
    MissionCardCb,
    MissionListCb,
    ThreadListCb,
    ThreadOfferCb,
    ThreadOpenCb,
    ThreadReplyCb,
)
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, cut_to_fit, keyboard
from bot.kit.labels import MEDIA, OFFER_STATUS, PAY_MODEL, SPOKEN_LANGUAGE
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from services import notices
from services.threads import Refused
from storage.models import MessageKind, Mission, Offer, ThreadMessage, ThreadSummary

PAGE_SIZE = 5
HISTORY_BUDGET = 3500

Screen = tuple[Html, InlineKeyboardMarkup | None]

REFUSALS = key_table(
    {
        Refused.NOT_ALLOWED: "stale_action",
        Refused.NOT_OPEN: "accept.not_open",
        Refused.RATE_AGREED: "offer.rate_agreed",
        Refused.DECLINED_BEFORE: "accept.declined_before",
        Refused.FULL: "offer.mission_full",
        Refused.SUPERSEDED: "offer.is_superseded",
        Refused.ACCEPTED: "offer.is_accepted",
        Refused.DECLINED: "offer.is_declined",
        Refused.WITHDRAWN: "offer.is_withdrawn",
    }
)


# The same refusals as the company reads them.
COMPANY_REFUSALS = key_table({Refused.DECLINED_BEFORE: "offer.you_declined"})


def refusal_key(refused: Refused, company: bool) -> str:
    """Why an offer cannot be made or answered, worded for who is told."""
    return (COMPANY_REFUSALS if company else REFUSALS).get(refused, REFUSALS[refused])


class OfferAcceptCb(CallbackData):
    prefix = "oa"
    offer_id: int


class OfferCounterCb(CallbackData):
    prefix = "oc"
    offer_id: int


class OfferDeclineCb(CallbackData):
    prefix = "od"
    offer_id: int


def header(t: Translator, mission_id: int, other: str) -> Html:
    """`💬 Mission #12 · P-0042` for the company, `💬 Mission #12 · Acme` for the
    prospector."""
    return t("thread.header", mission_id=mission_id, other=other)


def thread_buttons(t: Translator, thread_id: int, can_offer: bool) -> list[InlineKeyboardButton]:
    """*Reply*, and *Make an offer* only while an offer can be made (no rate agreed yet,
    mission open)."""
    reply = button(t.plain("button.reply"), ThreadReplyCb(thread_id=thread_id))
    if not can_offer:
        return [reply]
    return [reply, button(t.plain("button.make_offer"), ThreadOfferCb(thread_id=thread_id))]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def relayed(notice: notices.MessageRelayed, t: Translator) -> Outbound:
    """One relayed message, under the thread's header (numbered when what was said comes
    in several); the buttons come with the last part, after everything was said."""
    head = header(t, notice.mission_id, notice.other)
    if notice.parts > 1:
        head = t("thread.part", header=head, part=notice.part, parts=notice.parts)
    last = notice.part == notice.parts
    markup = (
        keyboard([thread_buttons(t, notice.thread_id or 0, notice.can_offer)]) if last else None
    )
    text = t("thread.relayed", header=head, body=notice.body)
    if notice.kind is MessageKind.TEXT:
        return text_message(text, markup)
    return Outbound(
        f"send_{notice.kind.value}", {notice.kind.value: notice.file_id, "caption": text}, markup
    )


def sent(t: Translator, head: Html, parts: int) -> Html:
    """What the sender is told: sent, and in how many messages when it was long."""
    if parts > 1:
        return t("thread.sent_parts", header=head, parts=parts)
    return t("thread.sent", header=head)


def offer_received(notice: notices.OfferReceived, t: Translator) -> Outbound:
    text = t(
        "offer.received",
        header=header(t, notice.mission_id, notice.other),
        rate=t.money(notice.amount_cents),
        pay=t.plain(PAY_MODEL[notice.pay_model]),
    )
    if notice.prospector is not None:
        text = Html(f"{text}\n{prospector_brief(t, notice.prospector)}")
    return text_message(text, offer_keyboard(t, notice.offer_id, notice.thread_id or 0))


def prospector_brief(t: Translator, brief: notices.ProspectorBrief) -> Html:
    """`👤 Pierre (3 years, French, English)`: the same profile as an application shows."""
    return t(
        "offer.prospector",
        name=brief.display_name,
        experience=t.count("count.years", brief.experience_years),
        languages=", ".join(t.plain(SPOKEN_LANGUAGE[code]) for code in brief.languages),
    )


def offer_keyboard(t: Translator, offer_id: int, thread_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [button(t.plain("button.accept_offer"), OfferAcceptCb(offer_id=offer_id))],
            [
                button(t.plain("button.counter"), OfferCounterCb(offer_id=offer_id)),
                button(t.plain("button.decline_offer"), OfferDeclineCb(offer_id=offer_id)),
            ],
            [
                button(t.plain("button.reply"), ThreadReplyCb(thread_id=thread_id)),
                button(t.plain("button.open_thread"), ThreadOpenCb(thread_id=thread_id)),
            ],
        ]
    )


def offer_answered(
    notice: notices.OfferAccepted | notices.OfferDeclined, t: Translator
) -> Outbound:
    key = (
        "offer.accepted_notice"
        if isinstance(notice, notices.OfferAccepted)
        else "offer.declined_notice"
    )
    text = t(
        key, header=header(t, notice.mission_id, notice.other), rate=t.money(notice.amount_cents)
    )
    return text_message(
        text, keyboard([thread_buttons(t, notice.thread_id or 0, notice.can_offer)])
    )


def thread_list(
    t: Translator,
    viewer_id: int,
    summaries: Sequence[ThreadSummary],
    page: int,
    total: int,
    mission: Mission | None,
    *,
    company: bool,
) -> Screen:
    """The user's threads with their unread counts; one mission's (for its company) when
    `mission` is given, with a way back to its card. With none yet, the way to where
    threads start: the company's missions, or the missions open to a prospector."""
    back = [button(t.plain("button.back"), MissionCardCb(mission_id=mission.id))] if mission else []
    if total == 0:
        return t("threads.none"), keyboard([back or [_where_threads_start(t, company)]])
    rows = []
    mission_id = mission.id if mission else 0
    for summary in summaries:
        opened = ThreadOpenCb(thread_id=summary.thread.id, mission_id=mission_id)
        rows.append([button(_row_label(t, viewer_id, summary), opened)])
    pages = -(-total // PAGE_SIZE)
    rows.append(pager(t, page, pages, lambda p: ThreadListCb(page=p, mission_id=mission_id)))
    rows.append(back)
    if mission is None:
        text = t("threads.list", page=page + 1, pages=pages)
    else:
        text = t(
            "threads.mission_list",
            mission_id=mission.id,
            title=mission.title,
            page=page + 1,
            pages=pages,
        )
    return text, keyboard([row for row in rows if row])


def _where_threads_start(t: Translator, company: bool) -> InlineKeyboardButton:
    if company:
        return button(t.plain("button.home_missions"), MissionListCb())
    return button(t.plain("button.home_browse"), BrowsePageCb())


def _row_label(t: Translator, viewer_id: int, summary: ThreadSummary) -> str:
    """`#12 · Acme · 1 unread`: a long name is cut, never the number nor the unread count."""
    mine = viewer_id == summary.thread.prospector_id
    other = summary.company_name if mine else summary.prospector_code
    unread = t.count("count.unread", summary.unread) if summary.unread else ""
    mission_id = summary.thread.mission_id

    def row(name: str) -> str:
        return t.plain("threads.row", mission_id=mission_id, other=name, unread=unread)

    return cut_to_fit(row, other)


@dataclass(frozen=True)
class ThreadView:
    """Which thread is shown and how it was reached: `mission_id` when from that mission's
    screens (its threads for the company, its details for the prospector: the way back),
    `can_offer` while an offer can be made in it, `prospector` when the viewer is the
    thread's prospector."""

    thread_id: int
    mission_id: int = 0
    can_offer: bool = False
    prospector: bool = False


def history(
    t: Translator,
    view: ThreadView,
    head: Html,
    viewer_id: int,
    messages: Sequence[ThreadMessage],
    offers: dict[int, Offer],
) -> Screen:
    """The last messages, oldest first; if they are too long for one message, the oldest
    lines are dropped. Back goes where the thread was opened from."""
    lines = [history_line(t, m.sender_id == viewer_id, m, offers) for m in messages]
    while len("\n".join(lines)) > HISTORY_BUDGET and len(lines) > 1:
        lines.pop(0)
    body = Html("\n".join(lines)) if lines else t("thread.empty")
    markup = keyboard([thread_buttons(t, view.thread_id, view.can_offer), [way_back(t, view)]])
    return t("thread.history", header=head, lines=body), markup


def way_back(t: Translator, view: ThreadView) -> InlineKeyboardButton:
    """To the list the thread was opened from (the user's threads, or one mission's for its
    company), or to the mission's details a prospector opened it from, as they were."""
    if view.mission_id and view.prospector:
        details = DetailsCb(mission_id=view.mission_id, returning=True)
        return button(t.plain("button.back_mission"), details)
    return button(t.plain("button.back_list"), ThreadListCb(mission_id=view.mission_id))


def history_line(
    t: Translator, mine: bool, message: ThreadMessage, offers: dict[int, Offer]
) -> Html:
    who = t.plain("thread.me") if mine else t.plain("thread.them")
    offer = offers.get(message.offer_id) if message.offer_id is not None else None
    if message.kind is MessageKind.OFFER:
        amount = t.money(offer.amount_cents) if offer else ""
        status = t.plain(OFFER_STATUS[offer.status]) if offer else ""
        return t("thread.line_offer", who=who, rate=amount, status=status)
    if message.kind is MessageKind.TEXT:
        return t("thread.line", who=who, body=clip(message.body, 300))
    kind = t.plain(MEDIA[message.kind])
    return t("thread.line_media", who=who, kind=kind, body=clip(message.body, 100))
