"""Sending a result's proof (photo, document, voice or audio) by its Telegram file id: to the
company reviewing it, and to the admin deciding its dispute."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, ReplyParameters

from bot.kit.context import CallboardContext
from bot.kit.views import proof_caption
from storage.models import Proof, ProofKind, Result


async def send_proof(
    context: CallboardContext,
    chat_id: int,
    proof: Proof,
    caption: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message:
    bot, file_id = context.bot, proof.file_id
    if proof.kind is ProofKind.PHOTO:
        return await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup)
    if proof.kind is ProofKind.DOCUMENT:
        return await bot.send_document(chat_id, file_id, caption=caption, reply_markup=markup)
    if proof.kind is ProofKind.VOICE:
        return await bot.send_voice(chat_id, file_id, caption=caption, reply_markup=markup)
    return await bot.send_audio(chat_id, file_id, caption=caption, reply_markup=markup)


async def send_card_after_proof(
    context: CallboardContext,
    chat_id: int,
    result: Result,
    card: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """A result's card as a message of its own (see docs/results.md): its proof, if any,
    comes just before it, captioned with the result it proves, and the card is a reply to
    the proof, so that each shows which the other belongs to. Returns the card."""
    reply = None
    if result.proof is not None:
        shown = await send_proof(context, chat_id, result.proof, proof_caption(context.t, result))
        reply = ReplyParameters(shown.message_id, allow_sending_without_reply=True)
    return await context.bot.send_message(
        chat_id, card, reply_markup=markup, reply_parameters=reply
    )
