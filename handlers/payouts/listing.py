"""/payouts (and its home button): the company's statements still due, overdue ones said
so, then those paid in the last days, with their reference and whether the prospector
confirmed the receipt."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import refuse_other_role, show_screen
from handlers.payouts import screens
from handlers.payouts.screens import PayoutsCb
from storage.models import Role, prospector_code

# How long a paid statement stays on /payouts: the receipt usually comes within it.
PAID_SHOWN_FOR = timedelta(days=30)


async def show_payouts(update: Update, context: CallboardContext) -> None:
    """/payouts, the home button, and the list's pages."""
    query = update.callback_query
    choice = PayoutsCb.unpack(query.data) if query else PayoutsCb()
    if choice is None or context.user_account.role is not Role.COMPANY:
        await refuse_other_role(update, context, "missions.companies_only")
        return
    if query:
        await query.answer()
    now = context.deps.clock.now()
    repos = context.repos
    found = await repos.statements.for_company(context.user_account.id, now - PAID_SHOWN_FOR)
    numbers = await repos.profiles.prospector_numbers({s.prospector_id for s in found})
    codes = {user_id: prospector_code(number) for user_id, number in numbers.items()}
    page = min(choice.page, screens.pages_of(len(found)) - 1)
    await show_screen(update, context, *screens.payouts(context.t, found, codes, now, page))
