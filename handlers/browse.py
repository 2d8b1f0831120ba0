"""Prospectors' side of missions: /browse with filters, mission details, taking a
mission, /mymissions and leaving; and opening a mission from a `t.me/…?start=m<id>` link.

Slots are taken inside the write transaction that creates the assignment, so prospectors
racing for the last slot produce exactly one winner.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.kit.callbacks import BrowseCb, MissionCb, ThreadCb, parse_number
from bot.kit.commands import Command
from bot.kit.context import CallboardApp, CallboardContext
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, keyboard
from bot.kit.outbox import enqueue_message
from bot.kit.screens import chat_id_of, pager, refuse, role_refusal, show_screen
from bot.kit.views import browse_row, mission_details, mission_label
from bot.notifications import notify, translator_for
from handlers.common import HomeCb
from handlers.missions import show_card
from storage.database import Transaction
from storage.models import (
    Approval,
    Assignment,
    AssignmentStatus,
    BrowseFilters,
    Mission,
    MissionStatus,
    PayModel,
    Role,
    Target,
)

COMMANDS = (
    Command("browse", frozenset({"prospector"})),
    Command("mymissions", frozenset({"prospector"})),
)

PAGE_SIZE = 5
# Minimum-rate filter choices, in cents: tapping beats typing on a phone.
MIN_RATE_CHOICES = (500, 1000, 2000, 5000)
_OPEN_ASSIGNMENTS = (
    AssignmentStatus.ACTIVE,
    AssignmentStatus.APPLIED,
    AssignmentStatus.NEGOTIATING,
)
_DEEP_LINK_MISSION = re.compile(r"^m(\d{1,9})$")


def _state(context: CallboardContext) -> dict[str, Any]:
    """The prospector's browsing session: filters and the page they were on."""
    assert context.user_data is not None
    state: dict[str, Any] = context.user_data.setdefault("browse", {"page": 0, "filters": {}})
    return state


def _filters(context: CallboardContext) -> BrowseFilters:
    return BrowseFilters.model_validate(_state(context)["filters"])


def _is_prospector(context: CallboardContext) -> bool:
    return context.user_account.role is Role.PROSPECTOR


# --- the list ---------------------------------------------------------------------------


async def browse(update: Update, context: CallboardContext) -> None:
    if not _is_prospector(context):
        await refuse(update, context, role_refusal(context, "browse.prospectors_only"))
        return
    if update.callback_query:
        await update.callback_query.answer()
    _state(context)["page"] = 0
    await _send_page(update, context)


async def _send_page(update: Update, context: CallboardContext) -> None:
    t = context.t
    page = int(_state(context)["page"])
    found = await context.repos.missions.browse(
        _filters(context), offset=page * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    missions, has_next = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    rows: list[list[InlineKeyboardButton]] = [
        [button(mission_label(t, m), BrowseCb(action="details", value=str(m.id)))] for m in missions
    ]
    rows.append(pager(t, page, page + 2 if has_next else page + 1, _page_button))
    rows.append([button(t.plain("button.filters"), BrowseCb(action="filters", value="-"))])
    body = Html("\n\n".join(browse_row(t, m) for m in missions)) if missions else None
    filtered = _filters(context) != BrowseFilters()
    text = t(
        "browse.page" if body else "browse.empty" if filtered else "browse.none_open",
        page=page + 1,
        filters=_filters_summary(t, _filters(context)),
        rows=body or "",
    )
    await show_screen(update, context, text, keyboard([row for row in rows if row]))


def _page_button(page: int) -> BrowseCb:
    return BrowseCb(action="page", value=str(page))


def _filters_summary(t: Translator, filters: BrowseFilters) -> Html:
    parts = []
    if filters.pay_model:
        parts.append(t.plain(f"pay.{filters.pay_model}"))
    if filters.target:
        parts.append(t.plain(f"target.{filters.target}"))
    if filters.min_rate_cents:
        parts.append(t.plain("filters.min_rate", rate=t.money(filters.min_rate_cents)))
    return t("filters.summary", filters=", ".join(parts)) if parts else t("filters.none")


# --- filters ----------------------------------------------------------------------------


def _filters_keyboard(t: Translator, filters: BrowseFilters) -> InlineKeyboardMarkup:
    def option(action: Any, value: str, label: str, chosen: bool) -> InlineKeyboardButton:
        return button(("✅ " if chosen else "") + label, BrowseCb(action=action, value=value))

    pay_row = [option("fpay", p, t.plain(f"pay.{p}"), filters.pay_model == p) for p in PayModel]
    target_row = [option("ftarget", g, t.plain(f"target.{g}"), filters.target == g) for g in Target]
    rate_row = [
        option(
            "frate",
            str(c),
            t.plain("filters.min_rate", rate=t.money(c)),
            filters.min_rate_cents == c,
        )
        for c in MIN_RATE_CHOICES
    ]
    return keyboard(
        [
            pay_row,
            target_row,
            rate_row[:2],
            rate_row[2:],
            [
                button(t.plain("button.clear_filters"), BrowseCb(action="fclear", value="-")),
                button(t.plain("button.show_results"), BrowseCb(action="page", value="0")),
            ],
        ]
    )


async def _show_filters(update: Update, context: CallboardContext) -> None:
    filters = _filters(context)
    text = context.t("filters.title", filters=_filters_summary(context.t, filters))
    await show_screen(update, context, text, _filters_keyboard(context.t, filters))


def _toggle(current: object, value: str) -> str | None:
    """Tapping the chosen option again clears it."""
    return None if str(current) == value else value


async def _set_filter(update: Update, context: CallboardContext, choice: BrowseCb) -> bool:
    stored = dict(_state(context)["filters"])
    if choice.action == "fclear":
        stored = {}
    elif choice.action == "fpay" and choice.value in tuple(PayModel):
        stored["pay_model"] = _toggle(stored.get("pay_model"), choice.value)
    elif choice.action == "ftarget" and choice.value in tuple(Target):
        stored["target"] = _toggle(stored.get("target"), choice.value)
    elif choice.action == "frate" and parse_number(choice.value) in MIN_RATE_CHOICES:
        chosen = _toggle(stored.get("min_rate_cents"), choice.value)
        stored["min_rate_cents"] = int(chosen) if chosen else None
    else:
        return False
    _state(context)["filters"] = stored
    _state(context)["page"] = 0
    return True


# --- details and taking a mission --------------------------------------------------------


async def _details(update: Update, context: CallboardContext, mission_id: int) -> None:
    mission = await context.repos.missions.get(mission_id)
    if mission is None:
        await refuse(update, context, "deep_link.mission_unknown_short")
        return
    assert update.callback_query
    await update.callback_query.answer()
    markup = await _details_keyboard(context, mission, back_to_page=int(_state(context)["page"]))
    await show_screen(update, context, await _details_text(context, mission), markup)


async def _details_text(context: CallboardContext, mission: Mission) -> Html:
    company = await context.repos.profiles.company(mission.company_id)
    return mission_details(context.t, mission, company.name if company else "—")


async def _details_keyboard(
    context: CallboardContext, mission: Mission, back_to_page: int | None = None
) -> InlineKeyboardMarkup:
    """What the prospector can do: take the mission, or — once on it — talk and leave."""
    t = context.t
    me = context.user_account.id
    assignment = await context.repos.assignments.find(mission.id, me)
    thread = await context.repos.threads.find(mission.id, me)

    def act(action: Any, label: str, value: int = mission.id) -> InlineKeyboardButton:
        return button(t.plain(label), BrowseCb(action=action, value=str(value)))

    rows = []
    taken = assignment is not None and assignment.status in (
        AssignmentStatus.ACTIVE,
        AssignmentStatus.APPLIED,
    )
    if taken and assignment is not None:
        if thread is not None:
            rows.append(
                [button(t.plain("button.open_thread"), ThreadCb(action="open", item=thread.id))]
            )
        rows.append([act("leave", "button.leave", assignment.id), _back_to_mine(t)])
    elif mission.status is MissionStatus.OPEN:
        rows.append([act("accept", "button.accept")])
        rows.append([act("propose", "button.propose"), act("ask", "button.ask")])
    if back_to_page is not None and not taken:
        rows.append([button(t.plain("button.back_list"), _page_button(back_to_page))])
    return keyboard(rows)


def _back_to_mine(t: Translator) -> InlineKeyboardButton:
    return button(t.plain("button.back_mine"), _mine_button(0))


async def _accept(update: Update, context: CallboardContext, mission_id: int) -> None:
    me = context.user_account.id
    async with context.db.transaction() as tx:
        mission = await context.repos.missions.get(mission_id, tx)
        existing = await context.repos.assignments.find(mission_id, me, tx)
        if mission is None:
            outcome = "accept.not_open"
        else:
            outcome = _accept_refusal(mission, existing) or await _take(
                context, tx, mission, existing
            )
    assert update.callback_query
    await update.callback_query.answer()
    mission_title = mission.title if mission else ""
    rate = context.t.money(mission.rate_cents) if mission else ""
    await context.bot.send_message(
        chat_id_of(update),
        context.t(outcome, mission_id=mission_id, title=mission_title, rate=rate),
    )


def _accept_refusal(mission: Mission, existing: Assignment | None) -> str | None:
    if mission.status is not MissionStatus.OPEN:
        return "accept.not_open"
    if existing is None or existing.status in (AssignmentStatus.NEGOTIATING, AssignmentStatus.LEFT):
        return None
    return {
        AssignmentStatus.ACTIVE: "accept.already_active",
        AssignmentStatus.APPLIED: "accept.already_applied",
        AssignmentStatus.DECLINED: "accept.declined_before",
    }.get(existing.status, "accept.not_open")


async def _take(
    context: CallboardContext, tx: Transaction, mission: Mission, existing: Assignment | None
) -> str:
    """Start at once (a slot permitting) or apply, as the mission says. Either way the pair
    now has a thread, so the company can write to the prospector."""
    repos = context.repos
    me = context.user_account.id
    if mission.approval is Approval.AUTO and not await repos.missions.take_slot(tx, mission.id):
        return "accept.full"
    thread = await repos.threads.open(tx, mission.id, me, mission.company_id)
    if existing is None:
        assignment_id = await repos.assignments.create(
            tx, mission.id, me, AssignmentStatus.APPLIED, mission.rate_cents
        )
    else:
        assignment_id = existing.id
        await repos.assignments.apply(tx, assignment_id, mission.rate_cents)
    if mission.approval is Approval.AUTO:
        await repos.assignments.activate(tx, assignment_id, mission.rate_cents)
        await _tell_company_started(context, tx, mission)
        return "accept.active"
    await _ask_company(context, tx, mission, assignment_id, thread.id)
    return "accept.applied"


async def _tell_company_started(
    context: CallboardContext, tx: Transaction, mission: Mission
) -> None:
    profile = await context.repos.profiles.prospector(context.user_account.id, tx)
    assert profile is not None
    await notify(
        context,
        tx,
        mission.company_id,
        "notify.started",
        code=profile.code,
        mission_id=mission.id,
        title=mission.title,
        rate=lambda t: t.money(mission.rate_cents),
    )


async def _ask_company(
    context: CallboardContext,
    tx: Transaction,
    mission: Mission,
    assignment_id: int,
    thread_id: int,
) -> None:
    """Queue the application for the company with Approve / Decline buttons."""
    profile = await context.repos.profiles.prospector(context.user_account.id, tx)
    assert profile is not None
    t = await translator_for(context, tx, mission.company_id)
    text = t(
        "notify.application",
        code=profile.code,
        name=profile.display_name,
        experience=t.count("count.years", profile.experience_years),
        languages=", ".join(t.plain(f"languages.{c}") for c in profile.languages),
        mission_id=mission.id,
        title=mission.title,
    )
    markup = keyboard(
        [
            [
                button(
                    t.plain("button.approve", code=profile.code),
                    MissionCb(action="approve", mission_id=mission.id, arg=assignment_id),
                ),
                button(
                    t.plain("button.decline", code=profile.code),
                    MissionCb(action="decline", mission_id=mission.id, arg=assignment_id),
                ),
            ]
        ]
    )
    await enqueue_message(
        context.repos.outbox, tx, mission.company_id, text, reply_markup=markup, thread_id=thread_id
    )


# --- /mymissions and leaving -------------------------------------------------------------


async def my_missions(update: Update, context: CallboardContext) -> None:
    if not _is_prospector(context):
        await refuse(update, context, role_refusal(context, "browse.prospectors_only"))
        return
    if update.callback_query:
        await update.callback_query.answer()
    await _send_mine(update, context, 0)


async def _send_mine(update: Update, context: CallboardContext, page: int) -> None:
    t = context.t
    found = await context.repos.assignments.for_prospector(
        context.user_account.id, _OPEN_ASSIGNMENTS, offset=page * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    mine, has_next = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    if not mine and page == 0:
        await show_screen(update, context, t("mine.none"), None)
        return
    lines, rows = [], []
    for assignment, mission in mine:
        rate = assignment.agreed_rate_cents or mission.rate_cents
        lines.append(
            t(
                "mine.row",
                mission_id=mission.id,
                title=mission.title,
                status=t.plain(f"assignment.{assignment.status}"),
                rate=t.money(rate),
            )
        )
        rows.append(
            [
                button(
                    t.plain("button.mission_short", mission_id=mission.id),
                    BrowseCb(action="details", value=str(mission.id)),
                ),
                button(t.plain("button.leave"), BrowseCb(action="leave", value=str(assignment.id))),
            ]
        )
    rows.append(pager(t, page, page + 2 if has_next else page + 1, _mine_button))
    text = t("mine.list", page=page + 1, rows=Html("\n\n".join(lines)))
    await show_screen(update, context, text, keyboard([row for row in rows if row]))


def _mine_button(page: int) -> BrowseCb:
    return BrowseCb(action="mine", value=str(page))


async def _own_assignment(context: CallboardContext, assignment_id: int) -> Assignment | None:
    assignment = await context.repos.assignments.get(assignment_id)
    if assignment is None or assignment.prospector_id != context.user_account.id:
        return None
    return assignment if assignment.status in _OPEN_ASSIGNMENTS else None


async def _confirm_leave(update: Update, context: CallboardContext, assignment_id: int) -> None:
    assignment = await _own_assignment(context, assignment_id)
    mission = await context.repos.missions.get(assignment.mission_id) if assignment else None
    if assignment is None or mission is None:
        await refuse(update, context)
        return
    assert update.callback_query
    await update.callback_query.answer()
    t = context.t
    markup = keyboard(
        [
            [
                button(
                    t.plain("button.leave_confirm"),
                    BrowseCb(action="leave_ok", value=str(assignment.id)),
                ),
                button(t.plain("button.back"), _mine_button(0)),
            ]
        ]
    )
    await show_screen(update, context, t("mine.leave_confirm", title=mission.title), markup)


async def _leave(update: Update, context: CallboardContext, assignment_id: int) -> None:
    me = context.user_account.id
    async with context.db.transaction() as tx:
        assignment = await context.repos.assignments.get(assignment_id, tx)
        left = (
            assignment is not None
            and assignment.prospector_id == me
            and await context.repos.assignments.set_status(
                tx, assignment.id, allowed_from=_OPEN_ASSIGNMENTS, to=AssignmentStatus.LEFT
            )
        )
        if left and assignment is not None:
            await _tell_company_left(context, tx, assignment)
    if not left:
        await refuse(update, context)
        return
    assert update.callback_query
    await update.callback_query.answer(context.t.plain("mine.left"))
    await _send_mine(update, context, 0)


async def _tell_company_left(
    context: CallboardContext, tx: Transaction, assignment: Assignment
) -> None:
    mission = await context.repos.missions.get(assignment.mission_id, tx)
    profile = await context.repos.profiles.prospector(assignment.prospector_id, tx)
    assert mission is not None and profile is not None
    was_active = assignment.status is AssignmentStatus.ACTIVE
    if was_active:
        await context.repos.missions.free_slot(tx, mission.id)
    await notify(
        context,
        tx,
        mission.company_id,
        "notify.left" if was_active else "notify.withdrew",
        code=profile.code,
        mission_id=mission.id,
        title=mission.title,
    )


# --- dispatching buttons and links --------------------------------------------------------


async def on_browse_button(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = BrowseCb.unpack(query.data)
    if choice is None or not _is_prospector(context):
        await refuse(update, context)
        return
    if choice.action in ("fpay", "ftarget", "frate", "fclear"):
        if not await _set_filter(update, context, choice):
            await refuse(update, context)
            return
        await query.answer()
        await _show_filters(update, context)
        return
    if choice.action == "filters":
        await query.answer()
        await _show_filters(update, context)
        return
    number = parse_number(choice.value)
    if number is None:
        await refuse(update, context)
        return
    if choice.action == "page":
        _state(context)["page"] = number
        await query.answer()
        await _send_page(update, context)
    elif choice.action == "mine":
        await query.answer()
        await _send_mine(update, context, number)
    else:
        await _BY_ID[choice.action](update, context, number)


_BY_ID = {
    "details": _details,
    "accept": _accept,
    "leave": _confirm_leave,
    "leave_ok": _leave,
}


async def open_deep_link(chat_id: int, payload: str, context: CallboardContext) -> None:
    """Follow a `/start <payload>` link once the user has a profile."""
    match = _DEEP_LINK_MISSION.match(payload)
    if match is None:
        await context.bot.send_message(chat_id, context.t("deep_link.invalid"))
        return
    mission_id = int(match[1])
    mission = await context.repos.missions.get(mission_id)
    if mission is None:
        await context.bot.send_message(
            chat_id, context.t("deep_link.mission_unknown", mission_id=mission_id)
        )
        return
    if context.user_account.role is Role.COMPANY:
        if mission.company_id == context.user_account.id:
            await show_card(chat_id, context, mission_id)
        else:
            await context.bot.send_message(chat_id, context.t("deep_link.for_prospectors"))
        return
    if mission.status is MissionStatus.CLOSED:
        await context.bot.send_message(
            chat_id,
            context.t("deep_link.mission_closed", mission_id=mission_id, title=mission.title),
        )
        return
    await _send_details(chat_id, context, mission)


async def _send_details(chat_id: int, context: CallboardContext, mission: Mission) -> None:
    """Details as a new message, after a link. A paused mission has no action to offer, and
    Telegram refuses an empty keyboard, so it then comes without one."""
    text = await _details_text(context, mission)
    markup = await _details_keyboard(context, mission)
    await context.bot.send_message(
        chat_id, text, reply_markup=markup if markup.inline_keyboard else None
    )


def register(application: CallboardApp) -> None:
    application.add_handler(CommandHandler("browse", browse))
    application.add_handler(CommandHandler("mymissions", my_missions))
    application.add_handler(CallbackQueryHandler(browse, pattern=HomeCb.matching(action="browse")))
    application.add_handler(
        CallbackQueryHandler(my_missions, pattern=HomeCb.matching(action="mine"))
    )
    application.add_handler(CallbackQueryHandler(on_browse_button, pattern=BrowseCb.matches))


NOTICES: dict[type, object] = {}
