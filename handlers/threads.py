"""Threads and rate negotiation: everything a company and a prospector say to
each other goes through the bot, under a header naming the mission and the other side by
its public name only (prospector code, company name) — never a Telegram identity.

Where a message goes: a Telegram reply to a relayed message goes to that message's thread;
otherwise the *current* thread, set by the *Reply* button and cleared by any command.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.kit.callbacks import BrowseCb, MissionCb, ThreadCb, parse_number
from bot.kit.commands import MEMBERS, Command
from bot.kit.context import CallboardApp, CallboardContext
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, keyboard
from bot.kit.outbox import enqueue_message, enqueue_send
from bot.kit.screens import chat_id_of, pager, refuse, show_screen, text_expected
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from bot.notifications import translator_for
from services.money import parse_amount
from storage.database import Transaction
from storage.models import (
    Assignment,
    AssignmentStatus,
    MessageKind,
    Mission,
    MissionStatus,
    Offer,
    OfferStatus,
    Role,
    Thread,
)

COMMANDS = (Command("threads", MEMBERS),)

END = ConversationHandler.END
AMOUNT = "offer_amount"
PAGE_SIZE = 5
HISTORY = 20
# Leaves room for the header within Telegram's 4096 characters.
MAX_RELAYED_TEXT = 3800
MAX_RELAYED_CAPTION = 900
CURRENT_THREAD = "current_thread"
CLEAR_CURRENT_GROUP = -20

_MEDIA = {
    "photo": MessageKind.PHOTO,
    "document": MessageKind.DOCUMENT,
    "voice": MessageKind.VOICE,
    "audio": MessageKind.AUDIO,
    "video": MessageKind.VIDEO,
}


# --- who and what ---------------------------------------------------------------------------


async def member_thread(context: CallboardContext, thread_id: int) -> Thread | None:
    """The thread if the user acting is one of its two sides."""
    thread = await context.repos.threads.get(thread_id)
    if thread is None or not thread.has_member(context.user_account.id):
        return None
    return thread


async def header_for(
    context: CallboardContext, thread: Thread, viewer_id: int, t: Translator
) -> Html:
    """The thread as `viewer_id` sees it: `💬 Mission #12 · P-0042` for the company,
    `💬 Mission #12 · Acme` for the prospector."""
    if viewer_id == thread.company_id:
        profile = await context.repos.profiles.prospector(thread.prospector_id)
        other = profile.code if profile else "?"
    else:
        company = await context.repos.profiles.company(thread.company_id)
        other = company.name if company else "?"
    return t("thread.header", mission_id=thread.mission_id, other=other)


def thread_keyboard(t: Translator, thread_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(t.plain("button.reply"), ThreadCb(action="reply", item=thread_id)),
                button(t.plain("button.make_offer"), ThreadCb(action="offer", item=thread_id)),
            ]
        ]
    )


def _offer_keyboard(t: Translator, offer_id: int, thread_id: int) -> InlineKeyboardMarkup:
    def act(action: Any, label: str) -> Any:
        return button(t.plain(label), ThreadCb(action=action, item=offer_id))

    return keyboard(
        [
            [act("accept", "button.accept_offer")],
            [act("counter", "button.counter"), act("decline", "button.decline_offer")],
            [button(t.plain("button.reply"), ThreadCb(action="reply", item=thread_id))],
        ]
    )


# --- relaying -------------------------------------------------------------------------------


async def clear_current_thread(update: Update, context: CallboardContext) -> None:
    """Any command ends writing into the current thread."""
    if filters.COMMAND.check_update(update) and context.user_data is not None:
        context.user_data.pop(CURRENT_THREAD, None)


async def relay(update: Update, context: CallboardContext) -> None:
    message = update.message
    assert message
    thread = await _thread_for(message, context)
    if thread is None:
        hint = "thread.no_context" if context.user_account.role else "profile.none"
        await message.reply_text(context.t(hint))
        return
    kind, file_id, body = _content(message)
    me = context.user_account.id
    recipient = thread.other_side(me)
    async with context.db.transaction() as tx:
        # Answering a thread means having read it.
        await context.repos.threads.mark_read(tx, thread.id, me)
        await context.repos.threads.add_message(tx, thread.id, me, kind, body=body, file_id=file_id)
        t = await translator_for(context, tx, recipient)
        header = await header_for(context, thread, recipient, t)
        await _queue_relay(context, tx, thread, recipient, t, header, kind, file_id, body)
    other = await header_for(context, thread, me, context.t)
    await message.reply_text(context.t("thread.sent", header=other))


async def _thread_for(message: Message, context: CallboardContext) -> Thread | None:
    replied = message.reply_to_message
    if replied is not None:
        thread_id = await context.repos.outbox.thread_of(message.chat_id, replied.message_id)
        if thread_id is None:
            thread_id = _thread_in_markup(replied)
        if thread_id is not None:
            return await member_thread(context, thread_id)
    assert context.user_data is not None
    current = context.user_data.get(CURRENT_THREAD)
    return await member_thread(context, int(current)) if current else None


def _thread_in_markup(message: Message) -> int | None:
    """A message we sent directly (a thread view) carries its thread in its Reply button."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for key in row:
            data = ThreadCb.unpack(key.callback_data)
            if data is not None and data.action == "reply":
                return data.item
    return None


def _content(message: Message) -> tuple[MessageKind, str | None, str]:
    for attribute, kind in _MEDIA.items():
        media = getattr(message, attribute)
        if media:
            file_id = media[-1].file_id if isinstance(media, tuple) else media.file_id
            return kind, file_id, message.caption or ""
    return MessageKind.TEXT, None, message.text or ""


async def _queue_relay(
    context: CallboardContext,
    tx: Transaction,
    thread: Thread,
    recipient: int,
    t: Translator,
    header: Html,
    kind: MessageKind,
    file_id: str | None,
    body: str,
) -> None:
    markup = thread_keyboard(t, thread.id)
    outbox = context.repos.outbox
    if kind is MessageKind.TEXT:
        text = t("thread.relayed", header=header, body=_clip(body, MAX_RELAYED_TEXT))
        await enqueue_message(outbox, tx, recipient, text, reply_markup=markup, thread_id=thread.id)
        return
    caption = t("thread.relayed", header=header, body=_clip(body, MAX_RELAYED_CAPTION))
    params = {kind.value: file_id, "caption": caption}
    await enqueue_send(
        outbox, tx, recipient, f"send_{kind.value}", params, markup, thread_id=thread.id
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _tapped_thread(update: Update, context: CallboardContext) -> Thread | None:
    """The thread a tapped button names, if the user is one of its sides; else say no."""
    assert update.callback_query
    data = ThreadCb.unpack(update.callback_query.data)
    thread = await member_thread(context, data.item) if data else None
    if thread is None:
        await refuse(update, context)
    return thread


async def reply_button(update: Update, context: CallboardContext) -> None:
    thread = await _tapped_thread(update, context)
    if thread is None:
        return
    query = update.callback_query
    assert query
    assert context.user_data is not None
    context.user_data[CURRENT_THREAD] = thread.id
    await query.answer()
    header = await header_for(context, thread, context.user_account.id, context.t)
    await context.bot.send_message(
        chat_id_of(update), context.t("thread.writing_to", header=header)
    )


# --- offers -----------------------------------------------------------------------------------


async def offer_button(update: Update, context: CallboardContext) -> object:
    """*Make an offer* under a thread message: ask the amount."""
    thread = await _tapped_thread(update, context)
    if thread is None:
        return END
    return await _ask_amount(update, context, thread)


async def counter_button(update: Update, context: CallboardContext) -> object:
    """*Counter* under an offer: only the latest pending one, and not one's own."""
    tapped = await _tapped_offer(update, context)
    if tapped is None:
        return END
    offer, thread = tapped
    if offer.status is not OfferStatus.PENDING:
        await refuse(update, context, f"offer.is_{offer.status.value}")
        return END
    return await _ask_amount(update, context, thread)


async def propose_from_mission(update: Update, context: CallboardContext) -> object:
    """*Propose another rate* on a mission's details: open the thread, ask the amount."""
    thread = await _open_from_mission(update, context)
    return END if thread is None else await _ask_amount(update, context, thread)


async def ask_from_mission(update: Update, context: CallboardContext) -> None:
    """*Ask a question*: open the thread and make it the current one."""
    thread = await _open_from_mission(update, context)
    if thread is None:
        return
    assert context.user_data is not None and update.callback_query
    context.user_data[CURRENT_THREAD] = thread.id
    await update.callback_query.answer()
    header = await header_for(context, thread, context.user_account.id, context.t)
    await context.bot.send_message(
        chat_id_of(update), context.t("thread.ask_question", header=header)
    )


async def _open_from_mission(update: Update, context: CallboardContext) -> Thread | None:
    query = update.callback_query
    assert query
    data = BrowseCb.unpack(query.data)
    mission_id = parse_number(data.value) if data else None
    mission = await context.repos.missions.get(mission_id) if mission_id is not None else None
    if context.user_account.role is not Role.PROSPECTOR or mission is None:
        await refuse(update, context)
        return None
    if mission.status is not MissionStatus.OPEN:
        await refuse(update, context, "accept.not_open")
        return None
    async with context.db.transaction() as tx:
        return await context.repos.threads.open(
            tx, mission.id, context.user_account.id, mission.company_id
        )


async def _ask_amount(update: Update, context: CallboardContext, thread: Thread) -> object:
    assignment = await context.repos.assignments.find(thread.mission_id, thread.prospector_id)
    if assignment is not None and assignment.status is AssignmentStatus.ACTIVE:
        rate = context.t.money(assignment.agreed_rate_cents or 0)
        await refuse(update, context, "offer.rate_agreed")
        await context.bot.send_message(
            chat_id_of(update), context.t("offer.rate_agreed_detail", rate=rate)
        )
        return END
    if update.callback_query:
        await update.callback_query.answer()
    assert context.user_data is not None
    context.user_data["offer_thread"] = thread.id
    settings = context.settings
    await context.bot.send_message(
        chat_id_of(update),
        context.t(
            "offer.ask_amount",
            min=context.t.money(settings.min_rate),
            max=context.t.money(settings.max_rate),
        ),
    )
    return AMOUNT


async def amount_text(update: Update, context: CallboardContext) -> object:
    message = update.message
    assert message and message.text is not None and context.user_data is not None
    t, settings = context.t, context.settings
    cents = parse_amount(message.text)
    if cents is None or not settings.min_rate <= cents <= settings.max_rate:
        await message.reply_text(
            t(
                "offer.invalid_amount",
                min=t.money(settings.min_rate),
                max=t.money(settings.max_rate),
            )
        )
        return None
    thread = await member_thread(context, int(context.user_data.get("offer_thread", 0)))
    context.user_data.pop("offer_thread", None)
    if thread is None:
        await refuse(update, context)
        return END
    outcome = await _send_offer(context, thread, cents)
    await message.reply_text(t(outcome, rate=t.money(cents)))
    return END


def _not_negotiable(mission: Mission | None, assignment: Assignment | None) -> str | None:
    """Why no rate can be offered or accepted any more, if so: the mission is not open, or
    the rate is already agreed (it never changes once the assignment is active)."""
    if mission is None or mission.status is not MissionStatus.OPEN:
        return "accept.not_open"
    if assignment is not None and assignment.status is AssignmentStatus.ACTIVE:
        return "offer.rate_agreed"
    return None


async def _send_offer(context: CallboardContext, thread: Thread, cents: int) -> str:
    me = context.user_account.id
    recipient = thread.other_side(me)
    repos = context.repos
    async with context.db.transaction() as tx:
        mission = await repos.missions.get(thread.mission_id, tx)
        assignment = await repos.assignments.find(thread.mission_id, thread.prospector_id, tx)
        refusal = _not_negotiable(mission, assignment)
        if refusal or mission is None:
            return refusal or "accept.not_open"
        if assignment is None:
            await repos.assignments.create(
                tx, mission.id, thread.prospector_id, AssignmentStatus.NEGOTIATING
            )
        offer_id = await repos.threads.make_offer(tx, thread.id, me, cents)
        await repos.threads.add_message(tx, thread.id, me, MessageKind.OFFER, offer_id=offer_id)
        t = await translator_for(context, tx, recipient)
        text = t(
            "offer.received",
            header=await header_for(context, thread, recipient, t),
            rate=t.money(cents),
            pay=t.plain(f"pay.{mission.pay_model}"),
        )
        await enqueue_message(
            repos.outbox,
            tx,
            recipient,
            text,
            reply_markup=_offer_keyboard(t, offer_id, thread.id),
            thread_id=thread.id,
        )
    return "offer.sent"


async def _tapped_offer(update: Update, context: CallboardContext) -> tuple[Offer, Thread] | None:
    """The offer a tapped button names, if the user is the side it was made to; else say no."""
    assert update.callback_query
    data = ThreadCb.unpack(update.callback_query.data)
    offer = await context.repos.threads.offer(data.item) if data else None
    thread = await member_thread(context, offer.thread_id) if offer else None
    if offer is None or thread is None or offer.author_id == context.user_account.id:
        await refuse(update, context)
        return None
    return offer, thread


async def decide_button(update: Update, context: CallboardContext) -> None:
    """*Accept* or *Decline* under an offer."""
    query = update.callback_query
    assert query
    tapped = await _tapped_offer(update, context)
    if tapped is None:
        return
    offer, thread = tapped
    data = ThreadCb.unpack(query.data)
    accept = data is not None and data.action == "accept"
    async with context.db.transaction() as tx:
        outcome = await (
            _accept(context, tx, thread, offer) if accept else _decline(context, tx, thread, offer)
        )
    if not outcome.startswith("offer.done"):
        await refuse(update, context, outcome)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.edit_message_reply_markup(None)
    await context.bot.send_message(
        chat_id_of(update), context.t(outcome, rate=context.t.money(offer.amount_cents))
    )


async def _fresh_pending(tx: Transaction, context: CallboardContext, offer: Offer) -> str | None:
    current = await context.repos.threads.offer(offer.id, tx)
    if current is None or current.status is not OfferStatus.PENDING:
        status = current.status.value if current else "superseded"
        return f"offer.is_{status}"
    return None


async def _accept(context: CallboardContext, tx: Transaction, thread: Thread, offer: Offer) -> str:
    """The offered rate becomes the assignment's agreed rate, if a slot is free —
    same transaction and slot rule as taking a mission at the posted rate."""
    repos = context.repos
    refusal = await _fresh_pending(tx, context, offer)
    if refusal:
        return refusal
    mission = await repos.missions.get(thread.mission_id, tx)
    assignment = await repos.assignments.find(thread.mission_id, thread.prospector_id, tx)
    refusal = _not_negotiable(mission, assignment)
    if refusal or mission is None:
        return refusal or "accept.not_open"
    if not await repos.missions.take_slot(tx, mission.id):
        return "offer.mission_full"
    await repos.threads.decide_offer(tx, offer.id, OfferStatus.ACCEPTED)
    await _activate(context, tx, mission, thread.prospector_id, offer.amount_cents)
    await _tell_other_side(context, tx, thread, "offer.accepted_notice", offer.amount_cents)
    return "offer.done_accepted"


async def _activate(
    context: CallboardContext, tx: Transaction, mission: Mission, prospector_id: int, cents: int
) -> None:
    assignments = context.repos.assignments
    existing = await assignments.find(mission.id, prospector_id, tx)
    if existing is None:
        await assignments.create(tx, mission.id, prospector_id, AssignmentStatus.ACTIVE, cents)
        return
    if existing.status in (AssignmentStatus.LEFT, AssignmentStatus.DECLINED):
        await assignments.reopen(tx, existing.id, AssignmentStatus.NEGOTIATING)
    await assignments.activate(tx, existing.id, cents)


async def _decline(context: CallboardContext, tx: Transaction, thread: Thread, offer: Offer) -> str:
    refusal = await _fresh_pending(tx, context, offer)
    if refusal:
        return refusal
    await context.repos.threads.decide_offer(tx, offer.id, OfferStatus.DECLINED)
    await _tell_other_side(context, tx, thread, "offer.declined_notice", offer.amount_cents)
    return "offer.done_declined"


async def _tell_other_side(
    context: CallboardContext, tx: Transaction, thread: Thread, key: str, cents: int
) -> None:
    recipient = thread.other_side(context.user_account.id)
    t = await translator_for(context, tx, recipient)
    header = await header_for(context, thread, recipient, t)
    await enqueue_message(
        context.repos.outbox,
        tx,
        recipient,
        t(key, header=header, rate=t.money(cents)),
        reply_markup=thread_keyboard(t, thread.id),
        thread_id=thread.id,
    )


async def cancel_offer(update: Update, context: CallboardContext) -> object:
    assert context.user_data is not None
    context.user_data.pop("offer_thread", None)
    await context.bot.send_message(chat_id_of(update), context.t("offer.cancelled"))
    return END


# --- /threads ----------------------------------------------------------------------------------


async def list_threads(update: Update, context: CallboardContext) -> None:
    if context.user_account.role is None:
        await refuse(update, context, "profile.none")
        return
    await _send_list(update, context, 0)


async def _send_list(
    update: Update, context: CallboardContext, page: int, mission: Mission | None = None
) -> None:
    t = context.t
    me = context.user_account.id
    mission_id = mission.id if mission else None
    total = await context.repos.threads.count_for_user(me, mission_id)
    back_to_card = (
        [button(t.plain("button.back"), MissionCb(action="card", mission_id=mission.id))]
        if mission
        else []
    )
    if total == 0:
        markup = keyboard([back_to_card]) if back_to_card else None
        await show_screen(update, context, t("threads.none"), markup)
        return
    rows = []
    for summary in await context.repos.threads.for_user(
        me, mission_id=mission_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    ):
        other = (
            summary.company_name if me == summary.thread.prospector_id else summary.prospector_code
        )
        unread = t.count("count.unread", summary.unread) if summary.unread else ""
        label = t.plain(
            "threads.row", mission_id=summary.thread.mission_id, other=other, unread=unread
        )
        rows.append([button(label, ThreadCb(action="open", item=summary.thread.id))])
    pages = -(-total // PAGE_SIZE)
    if mission is None:
        rows.append(pager(t, page, pages, lambda p: ThreadCb(action="list", item=p)))
        text = t("threads.list", page=page + 1, pages=pages)
    else:
        rows.append(
            pager(t, page, pages, lambda p: ThreadCb(action="mission", item=mission.id, page=p))
        )
        text = t(
            "threads.mission_list",
            mission_id=mission.id,
            title=mission.title,
            page=page + 1,
            pages=pages,
        )
    rows.append(back_to_card)
    await show_screen(update, context, text, keyboard([row for row in rows if row]))


async def list_button(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    data = ThreadCb.unpack(query.data)
    if data is None or context.user_account.role is None:
        await refuse(update, context)
        return
    await query.answer()
    await _send_list(update, context, data.item)


async def mission_button(update: Update, context: CallboardContext) -> None:
    """A company's mission card → that mission's threads."""
    query = update.callback_query
    assert query
    data = ThreadCb.unpack(query.data)
    mission = await context.repos.missions.get(data.item) if data else None
    if data is None or mission is None or mission.company_id != context.user_account.id:
        await refuse(update, context)
        return
    await query.answer()
    await _send_list(update, context, data.page, mission)


async def open_button(update: Update, context: CallboardContext) -> None:
    """The last messages of a thread, oldest first; they are now read, and what the user
    sends next goes to this thread."""
    thread = await _tapped_thread(update, context)
    if thread is None:
        return
    query = update.callback_query
    assert query and context.user_data is not None
    context.user_data[CURRENT_THREAD] = thread.id
    await query.answer()
    me = context.user_account.id
    t = context.t
    lines = []
    for message in await context.repos.threads.recent_messages(thread.id, HISTORY):
        lines.append(await _history_line(context, thread, message.sender_id == me, message))
    async with context.db.transaction() as tx:
        await context.repos.threads.mark_read(tx, thread.id, me)
    header = await header_for(context, thread, me, t)
    body = Html("\n".join(lines)) if lines else t("thread.empty")
    text = t("thread.history", header=header, lines=_clip_html(body))
    markup = thread_keyboard(t, thread.id)
    markup = keyboard(
        [
            *markup.inline_keyboard,
            [button(t.plain("button.back_list"), ThreadCb(action="list", item=0))],
        ]
    )
    await show_screen(update, context, text, markup)


async def _history_line(
    context: CallboardContext, thread: Thread, mine: bool, message: Any
) -> Html:
    t = context.t
    who = t.plain("thread.me") if mine else t.plain("thread.them")
    if message.kind is MessageKind.OFFER and message.offer_id is not None:
        offer = await context.repos.threads.offer(message.offer_id)
        amount = t.money(offer.amount_cents) if offer else ""
        status = t.plain(f"offer.status.{offer.status.value}") if offer else ""
        return t("thread.line_offer", who=who, rate=amount, status=status)
    if message.kind is MessageKind.TEXT:
        return t("thread.line", who=who, body=_clip(message.body, 300))
    return t(
        "thread.line_media",
        who=who,
        kind=t.plain(f"media.{message.kind.value}"),
        body=_clip(message.body, 100),
    )


def _clip_html(body: Html) -> Html:
    """Twenty long messages can exceed one Telegram message: keep the newest lines."""
    lines = body.split("\n")
    while len("\n".join(lines)) > 3500 and len(lines) > 1:
        lines.pop(0)
    return Html("\n".join(lines))


# --- registration -----------------------------------------------------------------------------


# Buttons that turn the user to a thread: they end any wizard left half-way.
DIVERSIONS = (
    CallbackQueryHandler(ask_from_mission, pattern=BrowseCb.matching(action="ask")),
    CallbackQueryHandler(reply_button, pattern=ThreadCb.matching(action="reply")),
)


def register(application: CallboardApp) -> None:
    application.add_handler(TypeHandler(Update, clear_current_thread), group=CLEAR_CURRENT_GROUP)
    offers = Wizard(
        entry_points=[
            CallbackQueryHandler(offer_button, pattern=ThreadCb.matching(action="offer")),
            CallbackQueryHandler(counter_button, pattern=ThreadCb.matching(action="counter")),
            CallbackQueryHandler(propose_from_mission, pattern=BrowseCb.matching(action="propose")),
        ],
        states={
            AMOUNT: [
                MessageHandler(ANSWER_TEXT, amount_text),
                MessageHandler(ANSWER_OTHER, text_expected),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel_offer)],
        name="offer",
        draft_keys=("offer_thread",),
    )
    handlers: list[BaseHandler[Update, CallboardContext, Any]] = [
        offers,
        *DIVERSIONS,
        CallbackQueryHandler(decide_button, pattern=ThreadCb.matching(action="accept")),
        CallbackQueryHandler(decide_button, pattern=ThreadCb.matching(action="decline")),
        CallbackQueryHandler(open_button, pattern=ThreadCb.matching(action="open")),
        CallbackQueryHandler(list_button, pattern=ThreadCb.matching(action="list")),
        CallbackQueryHandler(mission_button, pattern=ThreadCb.matching(action="mission")),
        CommandHandler("threads", list_threads),
    ]
    for handler in handlers:
        application.add_handler(handler)


def register_relay(application: CallboardApp) -> None:
    """Register after every wizard: a message a wizard is waiting for is not a relay."""
    content = (
        filters.TEXT
        | filters.PHOTO
        | filters.Document.ALL
        | filters.VOICE
        | filters.AUDIO
        | filters.VIDEO
    ) & ~filters.COMMAND
    application.add_handler(MessageHandler(content, relay))


NOTICES: dict[type, object] = {}
