"""/broadcast: the audience, the message (any kind, copied as it is), a preview — the copy
itself and a summary with *Send* / *Cancel* —, then delivery through the outbox with a
progress message edited at most every `PROGRESS_EVERY`, and a final report. One broadcast
at a time; /broadcast_cancel stops it.

Only admins: the kit's guard turns anyone else away, as for a command or a button that does
not exist, and every step checks again against the settings (the command, the preview, each
button, and the rules themselves), so an admin removed from ADMIN_IDS mid-way goes no
further either."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.kit.client import message_gone
from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, key_table
from bot.kit.jobs import RepeatingJob
from bot.kit.pending import offer_cancel, settled
from bot.kit.screens import answer_unknown, chat_id_of, close_with_outcome, refuse
from bot.kit.wizard import Begin, ChoiceStep, CommandEntry, MessageStep, Prompt, Wizard
from handlers.admin import broadcast_screens as screens
from handlers.admin.broadcast_screens import BroadcastCb
from services import broadcasts
from services.broadcasts import Cancelled, Refusal, Started
from storage.models import Broadcast, BroadcastAudience

_LOGGER = logging.getLogger(__name__)

# How often the progress is looked at; it is shown at most every PROGRESS_EVERY.
TICK_SECONDS = 1.0

_REFUSED = key_table(
    {
        Refusal.ALREADY_SENT: "broadcast.already_sent",
        Refusal.NOTHING_UNDER_WAY: "broadcast.nothing_to_cancel",
        Refusal.EMPTY_AUDIENCE: "broadcast.empty_audience",
    }
)


class BroadcastDraft(BaseModel):
    """A broadcast being prepared: who gets it, and the admin's message to copy."""

    audience: BroadcastAudience | None = None
    message_id: int | None = None


def _is_admin(context: CallboardContext) -> bool:
    return context.is_admin(context.user_account.id)


async def as_unknown(update: Update, context: CallboardContext) -> None:
    """What anyone but an admin gets, should the kit's guard (`admins_only`) have let them
    through: the answer to a command, or a button, that does not exist."""
    if update.callback_query:
        await refuse(update, context)
    else:
        await answer_unknown(update, context)


def _rate(context: CallboardContext) -> float:
    return context.settings.broadcast_rate


async def begin(update: Update, context: CallboardContext) -> Begin[BroadcastDraft] | None:
    if not _is_admin(context):
        await as_unknown(update, context)
        return None
    sending = await broadcasts.under_way(context.deps)
    if sending is not None:
        await context.bot.send_message(chat_id_of(update), screens.under_way(context.t, sending))
        return None
    return Begin(BroadcastDraft())


async def show_preview(update: Update, context: CallboardContext, draft: BroadcastDraft) -> bool:
    """The message copied back to the admin as everyone will get it, then the summary. A
    message Telegram cannot copy is refused and the step asked again."""
    if not _is_admin(context):
        await as_unknown(update, context)
        return True
    assert draft.audience is not None and draft.message_id is not None
    chat_id = chat_id_of(update)
    try:
        await context.bot.copy_message(chat_id, chat_id, draft.message_id)
    except BadRequest as exc:
        _LOGGER.info("broadcast: message %s cannot be copied: %s", draft.message_id, exc)
        await context.bot.send_message(chat_id, context.t("broadcast.cannot_copy"))
        return False
    recipients = await broadcasts.count(context.deps, draft.audience)
    if not recipients:
        await context.bot.send_message(chat_id, context.t("broadcast.empty_audience"))
        return True
    text, markup = screens.preview(
        context.t,
        draft.audience,
        draft.message_id,
        recipients,
        _rate(context),
        paid=context.settings.broadcast_paid,
    )
    sent = await context.bot.send_message(chat_id, text, reply_markup=markup)
    offer_cancel(context, sent, "broadcast.dropped")
    return True


BROADCAST = Wizard(
    name="broadcast",
    draft=BroadcastDraft,
    steps=(
        ChoiceStep(
            name="audience",
            field="audience",
            prompt=Prompt("broadcast.ask_audience"),
            options=screens.audience_options(),
        ),
        MessageStep(name="message", field="message_id", prompt=Prompt("broadcast.ask_message")),
    ),
    entries=(CommandEntry("broadcast", begin),),
    finish=show_preview,
    cancelled="broadcast.dropped",
)


async def on_preview(update: Update, context: CallboardContext) -> None:
    """*Send* or *Cancel* under a preview; each acts once (the buttons go with the tap, and
    the preview says which was chosen)."""
    query = update.callback_query
    assert query is not None
    choice = BroadcastCb.unpack(query.data)
    if choice is None or not _is_admin(context):
        await as_unknown(update, context)
        return
    chosen = "broadcast.dropped" if choice.action == "drop" else "broadcast.confirmed"
    if not await close_with_outcome(update, context.t(chosen)):
        return
    settled(context, query.message.message_id if query.message else 0)
    if choice.action == "drop":
        return
    chat_id = chat_id_of(update)
    started = await broadcasts.start(
        context.deps,
        context.user_account.id,
        choice.audience,
        (chat_id, choice.message_id),
        paid=context.settings.broadcast_paid,
    )
    if not isinstance(started, Started):
        await _refused(update, context, started)
        return
    sending = await broadcasts.under_way(context.deps)
    if sending is not None and sending.broadcast.id == started.broadcast_id:
        text = screens.progress(context.t, sending, _rate(context))
        await _show(context, sending.broadcast, text)


async def _refused(update: Update, context: CallboardContext, refusal: Refusal) -> None:
    if refusal is Refusal.NOT_ADMIN:
        await as_unknown(update, context)
    elif refusal is Refusal.UNDER_WAY:
        sending = await broadcasts.under_way(context.deps)
        if sending is not None:
            text = screens.under_way(context.t, sending)
            await context.bot.send_message(chat_id_of(update), text)
    else:
        await context.bot.send_message(chat_id_of(update), context.t(_REFUSED[refusal]))


async def cancel_broadcast(update: Update, context: CallboardContext) -> None:
    """/broadcast_cancel: what was sent stays sent; the rest is dropped."""
    if not _is_admin(context):
        await as_unknown(update, context)
        return
    outcome = await broadcasts.cancel(context.deps, context.user_account.id)
    if not isinstance(outcome, Cancelled):
        await _refused(update, context, outcome)
        return
    await context.bot.send_message(chat_id_of(update), screens.cancelled(context.t, outcome))
    starter = context.translator(await _language_of(context, outcome.broadcast.admin_id))
    await _show(context, outcome.broadcast, screens.cancelled(starter, outcome))


async def _language_of(context: CallboardContext, user_id: int) -> str:
    user = await context.repos.users.get(user_id)
    return user.language if user else context.settings.default_language


async def track_broadcast(context: CallboardContext) -> None:
    """The repeating job: end the broadcast once nothing is left (its report queued once),
    otherwise show its progress if it was not shown in the last PROGRESS_EVERY."""
    sending = await broadcasts.under_way(context.deps)
    if sending is None:
        return
    broadcast = sending.broadcast
    t = context.translator(await _language_of(context, broadcast.admin_id))
    ended = await broadcasts.finish_if_done(context.deps, broadcast.id)
    if ended is not None:
        await _show(context, broadcast, screens.finished(t, broadcast))
    elif await broadcasts.claim_progress(context.deps, broadcast.id):
        await _show(context, broadcast, screens.progress(t, sending, _rate(context)))


async def _show(context: CallboardContext, broadcast: Broadcast, text: Html) -> None:
    """Put `text` in the broadcast's progress message, sending one if there is none yet
    (or the admin deleted it). Losing one update of it is harmless: the next one follows."""
    message_id = broadcast.progress_message_id
    try:
        if message_id is not None:
            try:
                await context.bot.edit_message_text(text, broadcast.admin_id, message_id)
                return
            except BadRequest as exc:
                if not message_gone(exc):
                    raise
        sent = await context.bot.send_message(broadcast.admin_id, text)
        await broadcasts.set_progress_message(context.deps, broadcast.id, sent.message_id)
    except TelegramError as exc:
        _LOGGER.warning("broadcast %s: could not show its progress: %s", broadcast.id, exc)


TRACKER = RepeatingJob("broadcast-progress", track_broadcast, TICK_SECONDS)
