"""/earnings: what each company owes the prospector for validated results, and in total."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import refuse_other_role, show_screen
from handlers.results import screens
from handlers.results.screens import EarningsCb
from storage.models import Role


async def show_earnings(update: Update, context: CallboardContext) -> None:
    """/earnings, the home button, and the list's pages."""
    query = update.callback_query
    choice = EarningsCb.unpack(query.data) if query else EarningsCb()
    if choice is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse_other_role(update, context, "browse.prospectors_only")
        return
    if query:
        await query.answer()
    found = await context.repos.ledger.earnings(context.user_account.id)
    page = min(choice.page, screens.pages_of(len(found)) - 1)
    await show_screen(update, context, *screens.earnings(context.t, found, page))
