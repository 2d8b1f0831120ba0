"""/export: the company picks one of its missions and receives its results as a CSV
document. The mission a button names is checked again: another company's gets nothing."""

from __future__ import annotations

from telegram import Message, Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse, refuse_other_role, show_screen
from handlers.review import screens
from handlers.review.reviewing import is_company
from handlers.review.screens import ExportListCb, ExportMissionCb
from services import export, missions


async def list_missions(update: Update, context: CallboardContext) -> None:
    """/export and the picker's pages."""
    query = update.callback_query
    choice = ExportListCb.unpack(query.data) if query else ExportListCb()
    if choice is None or not is_company(context):
        await refuse_other_role(update, context, "missions.companies_only")
        return
    if query:
        await query.answer()
    summaries, total = await context.repos.missions.for_company(
        context.user_account.id,
        offset=choice.page * screens.PAGE_SIZE,
        limit=screens.PAGE_SIZE,
    )
    screen = screens.export_list(context.t, summaries, choice.page, total)
    await show_screen(update, context, *screen)


async def send_csv(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = ExportMissionCb.unpack(query.data)
    me = context.user_account.id
    mission = await missions.own_mission(context.deps, me, choice.mission_id) if choice else None
    document = await export.mission_csv(context.deps, me, mission.id) if mission else None
    # The picker is a text message; the button on anything else was not ours to show.
    picker = query.message if isinstance(query.message, Message) else None
    if mission is None or document is None or picker is None or picker.text is None:
        await refuse(update, context)
        return
    text, back = screens.export_sent(context.t, mission.id, mission.title)
    if await query.edit_message_text(text, reply_markup=back) is False:
        return  # a repeated tap: the file went with the first one
    await query.answer()
    caption = context.t("export.caption", mission_id=mission.id, title=mission.title)
    await context.bot.send_document(
        chat_id_of(update),
        document,
        filename=screens.export_filename(mission.id),
        caption=caption,
    )
