"""Sending a result's proof (photo, document, voice or audio) by its Telegram file id: to the
company reviewing it, and to the admin deciding its dispute."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from bot.kit.context import CallboardContext
from storage.models import Proof, ProofKind


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
