"""/stats (the marketplace in figures) and /audit (the admins' actions, newest first, a
page at a time)."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse, show_screen
from handlers.admin import screens
from handlers.admin.screens import AUDIT_PAGE_SIZE, AuditPage, AuditPageCb


async def show_stats(update: Update, context: CallboardContext) -> None:
    figures = await context.repos.stats.figures()
    await context.bot.send_message(chat_id_of(update), screens.stats_text(context.t, figures))


async def show_audit(update: Update, context: CallboardContext) -> None:
    page = 0
    if update.callback_query is not None:
        choice = AuditPageCb.unpack(update.callback_query.data)
        if choice is None:
            await refuse(update, context)
            return
        page = choice.page
    repos = context.repos
    entries = await repos.audit.newest(page * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE)
    admins = {}
    for admin_id in {entry.admin_id for entry in entries}:
        admin = await repos.users.get(admin_id)
        if admin is not None:
            admins[admin_id] = admin.first_name
    shown = AuditPage(entries=entries, page=page, total=await repos.audit.count(), admins=admins)
    text, markup = screens.audit_screen(context.t, shown)
    await show_screen(update, context, text, markup)
