"""/earnings: what each company owes the prospector for validated results, and in total,
and where that money stands: not yet on a statement, on statements due or overdue, paid this
month."""

from __future__ import annotations

from datetime import datetime

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
    me, now = context.user_account.id, context.deps.clock.now()
    found = await context.repos.ledger.earnings(me)
    summaries = await context.repos.statements.summary_for_prospector(
        me, now, _month_start(context, now)
    )
    by_company = {summary.company_id: summary for summary in summaries}
    page = min(choice.page, screens.pages_of(len(found)) - 1)
    await show_screen(update, context, *screens.earnings(context.t, found, by_company, page))


def _month_start(context: CallboardContext, now: datetime) -> datetime:
    """Midnight on the first of the current month where the payouts are reckoned."""
    local = now.astimezone(context.deps.rules.zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
