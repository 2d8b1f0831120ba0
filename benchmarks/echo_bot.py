"""A bare python-telegram-bot echo bot, the yardstick of `benchmarks/throughput.py`.

PTB's defaults everywhere (one update at a time, its default HTTP client), one handler for
texts (echoed back, with one button) and one for taps (answered, and the tapped message
edited). Reads BOT_TOKEN and TELEGRAM_BASE_URL; ECHO_RATE_LIMIT=1 caps every call with PTB's
AIORateLimiter at Telegram's 30 a second, anything else runs without a limiter.

Run:  BOT_TOKEN=… TELEGRAM_BASE_URL=… python -m benchmarks.echo_bot
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

BUTTONS = ("a", "b")


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in BUTTONS]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_text(f"echo {message.text}", reply_markup=keyboard())


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"tapped {query.data} ({query.id})", reply_markup=keyboard())


def build() -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(os.environ["BOT_TOKEN"])
    builder = builder.base_url(os.environ["TELEGRAM_BASE_URL"])
    if os.environ.get("ECHO_RATE_LIMIT") == "1":
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=30))  # type: ignore[arg-type]
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(tapped))
    return application


if __name__ == "__main__":
    build().run_polling(allowed_updates=Update.ALL_TYPES)
