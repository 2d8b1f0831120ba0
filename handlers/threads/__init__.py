"""Threads and rate negotiation: everything a company and a prospector say to each other
goes through the bot, under a header naming the mission and the other side by its public
name only (prospector code, company name) — never a Telegram identity."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, TypeHandler

from bot.kit.callbacks import AskQuestionCb, ThreadListCb, ThreadOpenCb, ThreadReplyCb
from bot.kit.commands import MEMBERS, Command
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.threads import listing, offers, screens, talk
from handlers.threads.screens import OfferAcceptCb, OfferDeclineCb
from services import notices

FEATURE = Feature(
    name="threads",
    commands=(Command("threads", MEMBERS),),
    guards=((talk.CLEAR_CURRENT_GROUP, TypeHandler(Update, talk.clear_current_thread)),),
    handlers=(
        (Stage.WIZARDS, offers.OFFER),
        on_button(AskQuestionCb, talk.ask_button),
        on_button(ThreadReplyCb, talk.reply_button),
        on_button(OfferAcceptCb, offers.answer_button),
        on_button(OfferDeclineCb, offers.answer_button),
        on_button(ThreadOpenCb, listing.open_thread),
        on_button(ThreadListCb, listing.list_threads),
        on_command("threads", listing.list_threads),
        (Stage.MESSAGES, MessageHandler(talk.RELAYED, talk.relay)),
    ),
    # Turning to a thread leaves a wizard half-way.
    diversions=(
        CallbackQueryHandler(talk.ask_button, pattern=AskQuestionCb.matches),
        CallbackQueryHandler(talk.reply_button, pattern=ThreadReplyCb.matches),
    ),
    notices={
        notices.MessageRelayed: screens.relayed,
        notices.OfferReceived: screens.offer_received,
        notices.OfferAccepted: screens.offer_answered,
        notices.OfferDeclined: screens.offer_answered,
    },
)
