"""Companies' side of missions: /newmission (guided or in one message), /missions,
the mission card and its actions, and the answers to applications.

Every button re-reads the mission and checks that it belongs to the company tapping it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.kit.callbacks import BrowseCb, CallbackData, MissionCb, ThreadCb
from bot.kit.commands import Command
from bot.kit.context import CallboardApp, CallboardContext
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, in_rows, keyboard
from bot.kit.notifier import Outbound, Renderers, text_message
from bot.kit.screens import (
    chat_id_of,
    close_keyboard,
    pager,
    refuse,
    role_refusal,
    show_screen,
    text_expected,
)
from bot.kit.views import company_card, fields_card, mission_label
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from bot.lifecycle import close_mission
from bot.notifications import notify
from handlers.common import HomeCb
from services import mission_form, notices
from services import missions as missions_service
from services.mission_form import Limits
from services.validation import Invalid
from storage.database import Transaction
from storage.models import (
    Approval,
    Assignment,
    AssignmentStatus,
    Mission,
    MissionFields,
    MissionStatus,
    PayModel,
    Priority,
    Role,
    Target,
)

COMMANDS = (
    Command("newmission", frozenset({"company"})),
    Command("missions", frozenset({"company"})),
)

PAGE_SIZE = 5
END = ConversationHandler.END
PREVIEW = "preview"
SCREEN = "mission_screen"
LIVE_EDIT = "live_edit"
_CHOICES: dict[str, tuple[str, ...]] = {
    "pay_model": tuple(PayModel),
    "target": tuple(Target),
    "approval": tuple(Approval),
}
LIVE_EDITABLE = ("title", "brief", "rate_cents", "slots", "result_cap", "deadline")


class DraftCb(CallbackData):
    prefix = "nm"
    action: Literal["choice", "skip", "publish", "fields", "field", "cancel"]
    value: str


class ListCb(CallbackData):
    prefix = "ml"
    page: int


Callback = Callable[[Update, CallboardContext], Coroutine[Any, Any, object]]


def limits(context: CallboardContext) -> Limits:
    today = context.clock.now().astimezone(context.settings.zone).date()
    return Limits(context.settings.min_rate, context.settings.max_rate, today)


def _draft(context: CallboardContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault("mission", {"values": {}})
    return draft


def _clear(context: CallboardContext) -> None:
    assert context.user_data is not None
    context.user_data.pop("mission", None)
    context.user_data.pop(SCREEN, None)


def _is_company(context: CallboardContext) -> bool:
    return context.user_account.role is Role.COMPANY


async def own_mission(context: CallboardContext, mission_id: int) -> Mission | None:
    """The mission if it belongs to the company acting, else None."""
    mission = await context.repos.missions.get(mission_id)
    if mission is None or not _is_company(context):
        return None
    return mission if mission.company_id == context.user_account.id else None


# --- the wizard ---------------------------------------------------------------------------


def _stored(field: str, value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _choice_keyboard(t: Translator, field: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(
                    t.plain(f"{_label_group(field)}.{option}"),
                    DraftCb(action="choice", value=option),
                )
                for option in _CHOICES[field]
            ]
        ]
    )


def _label_group(field: str) -> str:
    return {"pay_model": "pay", "target": "target", "approval": "approval"}[field]


def _remember_screen(context: CallboardContext, message: Message) -> None:
    """Only the newest wizard message's buttons act: an older preview or question (of this
    draft or an abandoned one) must not publish or change the current draft."""
    assert context.user_data is not None
    context.user_data[SCREEN] = message.message_id


def _is_current_screen(update: Update, context: CallboardContext) -> bool:
    query = update.callback_query
    assert query and context.user_data is not None
    message = query.message
    return message is not None and message.message_id == context.user_data.get(SCREEN)


async def ask_field(field: str, chat_id: int, context: CallboardContext, lead: str = "") -> None:
    t = context.t
    markup = None
    if field in _CHOICES:
        markup = _choice_keyboard(t, field)
    elif field in mission_form.OPTIONAL:
        markup = _skip_keyboard(context, field)
    question = t(
        f"ask.mission.{field}",
        min=t.money(context.settings.min_rate),
        max=t.money(context.settings.max_rate),
    )
    text = f"{lead}\n\n{question}" if lead else question
    _remember_screen(context, await context.bot.send_message(chat_id, text, reply_markup=markup))


def _skip_keyboard(context: CallboardContext, field: str) -> InlineKeyboardMarkup:
    skip = DraftCb(action="skip", value=field)
    return keyboard([[button(context.t.plain("button.skip"), skip)]])


def draft_fields(context: CallboardContext) -> MissionFields:
    return mission_form.complete(_draft(context)["values"])


async def show_preview(chat_id: int, context: CallboardContext, lead: str = "") -> object:
    t = context.t
    card = fields_card(t, draft_fields(context))
    markup = keyboard(
        [
            [button(t.plain("button.publish"), DraftCb(action="publish", value="-"))],
            [
                button(t.plain("button.edit_field"), DraftCb(action="fields", value="-")),
                button(t.plain("button.cancel"), DraftCb(action="cancel", value="-")),
            ],
        ]
    )
    text = t("mission.preview_title", card=card)
    sent = await context.bot.send_message(
        chat_id, f"{lead}\n\n{text}" if lead else text, reply_markup=markup
    )
    _remember_screen(context, sent)
    return PREVIEW


async def next_step(update: Update, context: CallboardContext, field: str) -> object:
    draft = _draft(context)
    if draft.get("back_to_preview"):
        draft.pop("back_to_preview")
        return await show_preview(chat_id_of(update), context)
    following = mission_form.FIELDS[mission_form.FIELDS.index(field) + 1 :]
    if not following:
        return await show_preview(chat_id_of(update), context)
    await ask_field(following[0], chat_id_of(update), context)
    return following[0]


async def new_mission(update: Update, context: CallboardContext) -> object:
    """`/newmission` (guided, or the one-message form) or the home screen's button."""
    if not _is_company(context):
        await refuse(update, context, role_refusal(context, "missions.companies_only"))
        return END
    if update.callback_query:
        await update.callback_query.answer()
    elif update.message and update.message.text:
        _, _, rest = update.message.text.partition("\n")
        if rest.strip():
            return await _one_message_form(update, context, rest)
    assert context.user_data is not None
    context.user_data["mission"] = {"values": {}}
    await ask_field("title", chat_id_of(update), context, lead=context.t("mission.wizard_intro"))
    return "title"


async def _one_message_form(update: Update, context: CallboardContext, text: str) -> object:
    values, errors = mission_form.parse_form(text, limits(context))
    t = context.t
    if errors:
        lines = [
            t("form.error_line", line=_quoted(e.line), error=_error_text(t, e.error, context))
            if e.line
            else t("form.error_missing", error=_error_text(t, e.error, context))
            for e in errors
        ]
        await context.bot.send_message(
            chat_id_of(update),
            t("form.errors", count=len(errors), errors=Html("\n".join(_fitting(lines)))),
        )
        return END
    assert context.user_data is not None
    context.user_data["mission"] = {
        "values": {field: _stored(field, value) for field, value in values.items()}
    }
    return await show_preview(chat_id_of(update), context)


# The report of a one-message form must fit one Telegram message (4096 characters) whatever
# was sent: each invalid line is quoted this long at most, and the list stops (with "…") once
# it reaches the budget; the count in the heading still says how many problems there are.
_QUOTE_CHARS = 60
_REPORT_BUDGET = 3400


def _quoted(line: str) -> str:
    return line if len(line) <= _QUOTE_CHARS else line[: _QUOTE_CHARS - 1] + "…"


def _fitting(lines: list[Html]) -> list[str]:
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > _REPORT_BUDGET:
            return [*kept, "…"]
        kept.append(line)
    return kept


def _error_text(t: Translator, error: Invalid, context: CallboardContext) -> Html:
    values = dict(error.values)
    if "field" in values:
        values["field"] = t.plain(f"field.{values['field']}")
    example = limits(context).today + timedelta(days=30)
    return t(
        error.key,
        min=t.money(context.settings.min_rate),
        max=t.money(context.settings.max_rate),
        example=example.strftime("%d/%m/%Y" if t.language == "fr" else "%Y-%m-%d"),
        **{k: v for k, v in values.items() if k not in ("min", "max")},
    )


def text_answer(field: str) -> Callback:
    parse = mission_form.PARSERS[field]

    async def on_text(update: Update, context: CallboardContext) -> object:
        assert update.message and update.message.text is not None
        try:
            value = parse(update.message.text, limits(context))
        except Invalid as exc:
            # An optional step's error carries its Skip button, so the way out is in view.
            markup = _skip_keyboard(context, field) if field in mission_form.OPTIONAL else None
            sent = await update.message.reply_text(
                _error_text(context.t, exc, context), reply_markup=markup
            )
            if markup is not None:
                _remember_screen(context, sent)
            return None
        _draft(context)["values"][field] = _stored(field, value)
        return await next_step(update, context, field)

    return on_text


def buttons_expected(field: str) -> Callback:
    async def on_other(update: Update, context: CallboardContext) -> object:
        await ask_field(field, chat_id_of(update), context, lead=context.t("wizard.use_buttons"))
        return None

    return on_other


async def _tapped(update: Update, context: CallboardContext) -> DraftCb | None:
    """The wizard button tapped, acted on once and only from the newest wizard message;
    None (after saying so for an old message) otherwise."""
    query = update.callback_query
    assert query
    if not _is_current_screen(update, context):
        await refuse(update, context)
        return None
    return DraftCb.unpack(query.data) if await close_keyboard(update) else None


def choice_answer(field: str) -> Callback:
    async def on_choice(update: Update, context: CallboardContext) -> object:
        choice = await _tapped(update, context)
        if choice is None or choice.value not in _CHOICES[field]:
            return None
        _draft(context)["values"][field] = choice.value
        return await next_step(update, context, field)

    return on_choice


def skip_answer(field: str) -> Callback:
    async def on_skip(update: Update, context: CallboardContext) -> object:
        if await _tapped(update, context) is None:
            return None
        _draft(context)["values"][field] = None
        return await next_step(update, context, field)

    return on_skip


async def pick_field(update: Update, context: CallboardContext) -> object:
    if await _tapped(update, context) is None:
        return None
    t = context.t
    buttons = [
        button(t.plain(f"field.{field}"), DraftCb(action="field", value=field))
        for field in mission_form.FIELDS
    ]
    sent = await context.bot.send_message(
        chat_id_of(update), t("mission.pick_field"), reply_markup=keyboard(in_rows(buttons, 2))
    )
    _remember_screen(context, sent)
    return PREVIEW


async def edit_draft_field(update: Update, context: CallboardContext) -> object:
    choice = await _tapped(update, context)
    if choice is None or choice.value not in mission_form.FIELDS:
        return None
    _draft(context)["back_to_preview"] = True
    await ask_field(choice.value, chat_id_of(update), context)
    return choice.value


async def cancel_draft(update: Update, context: CallboardContext) -> object:
    if update.callback_query and await _tapped(update, context) is None:
        return None
    _clear(context)
    await context.bot.send_message(chat_id_of(update), context.t("mission.cancelled"))
    return END


async def publish(update: Update, context: CallboardContext) -> object:
    if await _tapped(update, context) is None:
        return None
    outcome = await missions_service.publish(
        context.deps, context.user_account.id, draft_fields(context)
    )
    _clear(context)
    if not isinstance(outcome, missions_service.Published):
        await refuse(update, context)
        return END
    await context.bot.send_message(
        chat_id_of(update),
        context.t("mission.published", mission_id=outcome.mission_id, alerted=outcome.alerted),
    )
    await show_card(chat_id_of(update), context, outcome.mission_id)
    return END


def render_alert(notice: notices.NewMissionAlert, t: Translator) -> Outbound:
    details = BrowseCb(action="details", value=str(notice.mission_id))
    text = t(
        "alert.new_mission",
        title=notice.title,
        rate=t.money(notice.rate_cents),
        pay=t.plain(f"pay.{notice.pay_model}"),
    )
    markup = keyboard([[button(t.plain("button.details"), details)]])
    return text_message(text, markup, Priority.BROADCAST)


NOTICES: Renderers = {notices.NewMissionAlert: render_alert}


# --- /missions and the mission card ---------------------------------------------------------


async def list_missions(update: Update, context: CallboardContext) -> None:
    if not _is_company(context):
        await refuse(update, context, role_refusal(context, "missions.companies_only"))
        return
    if update.callback_query:
        await update.callback_query.answer()
    await _send_list(update, context, 0)


async def list_page(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = ListCb.unpack(query.data)
    if choice is None or not _is_company(context):
        await refuse(update, context)
        return
    await query.answer()
    await _send_list(update, context, choice.page)


async def _send_list(update: Update, context: CallboardContext, page: int) -> None:
    t = context.t
    summaries, total = await context.repos.missions.for_company(
        context.user_account.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    if total == 0:
        await show_screen(update, context, t("missions.none"), None)
        return
    rows = [
        t(
            "missions.row",
            mission_id=s.mission.id,
            title=s.mission.title,
            status=t.plain(f"status.{s.mission.status}"),
            active=s.mission.active_count,
            slots=s.mission.slots,
            applicants=t.count("count.applicants", s.applicants),
        )
        for s in summaries
    ]
    buttons = [
        [
            button(
                mission_label(t, s.mission),
                MissionCb(action="card", mission_id=s.mission.id),
            )
        ]
        for s in summaries
    ]
    pages = -(-total // PAGE_SIZE)
    buttons.append(pager(t, page, pages, lambda p: ListCb(page=p)))
    text = t("missions.list", page=page + 1, pages=pages, rows=Html("\n\n".join(rows)))
    await show_screen(update, context, text, keyboard([row for row in buttons if row]))


def card_keyboard(t: Translator, mission: Mission, applicants: int) -> InlineKeyboardMarkup:
    def act(action: Any, label: str) -> InlineKeyboardButton:
        return button(t.plain(label), MissionCb(action=action, mission_id=mission.id))

    rows: list[list[InlineKeyboardButton]] = []
    if mission.status is not MissionStatus.CLOSED:
        rows.append([act("applicants", "button.applicants"), act("active", "button.active")])
        toggle = (
            act("pause", "button.pause")
            if mission.status is MissionStatus.OPEN
            else act("resume", "button.resume")
        )
        rows.append([toggle, act("edit", "button.edit"), act("close", "button.close")])
        rows.append(
            [
                button(t.plain("button.threads"), ThreadCb(action="mission", item=mission.id)),
                act("share", "button.share"),
            ]
        )
    else:
        rows.append([act("active", "button.active")])
    rows.append([button(t.plain("button.back_list"), ListCb(page=0))])
    return keyboard(rows)


async def show_card(chat_id: int, context: CallboardContext, mission_id: int) -> None:
    mission = await context.repos.missions.get(mission_id)
    assert mission is not None
    applicants = await context.repos.assignments.count(mission_id, AssignmentStatus.APPLIED)
    await context.bot.send_message(
        chat_id,
        company_card(context.t, mission, applicants),
        reply_markup=card_keyboard(context.t, mission, applicants),
    )


async def _render_card(update: Update, context: CallboardContext, mission: Mission) -> None:
    applicants = await context.repos.assignments.count(mission.id, AssignmentStatus.APPLIED)
    await show_screen(
        update,
        context,
        company_card(context.t, mission, applicants),
        card_keyboard(context.t, mission, applicants),
    )


async def on_card_action(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = MissionCb.unpack(query.data)
    mission = await own_mission(context, choice.mission_id) if choice else None
    # "field" buttons belong to the edit wizard; one reaching here is from a stale screen.
    handler = _CARD_ACTIONS.get(choice.action) if choice else None
    if choice is None or mission is None or handler is None:
        await refuse(update, context)
        return
    await handler(update, context, mission, choice.arg)


async def _answer(update: Update, text: str | None = None) -> None:
    assert update.callback_query
    await update.callback_query.answer(text)


async def _card(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _answer(update)
    await _render_card(update, context, mission)


async def _people(
    update: Update, context: CallboardContext, mission: Mission, page: int, status: AssignmentStatus
) -> None:
    """Applicants (with Approve / Decline) or active prospectors, a page at a time. Only the
    public code and profile are shown, never a Telegram identity."""
    await _answer(update)
    await _render_people(update, context, mission, page, status)


async def _render_people(
    update: Update, context: CallboardContext, mission: Mission, page: int, status: AssignmentStatus
) -> None:
    t = context.t
    total = await context.repos.assignments.count(mission.id, status)
    people = await context.repos.assignments.for_mission(
        mission.id, status, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    lines, rows = [], []
    for assignment, profile in people:
        lines.append(
            t(
                "people.row",
                code=profile.code,
                name=profile.display_name,
                experience=t.count("count.years", profile.experience_years),
                rate=t.money(assignment.agreed_rate_cents or mission.rate_cents),
            )
        )
        if status is AssignmentStatus.APPLIED:
            rows.append(_answer_buttons(t, mission.id, assignment.id, profile.code))
    key = "people.applicants" if status is AssignmentStatus.APPLIED else "people.active"
    action: Any = "applicants" if status is AssignmentStatus.APPLIED else "active"
    pages = max(1, -(-total // PAGE_SIZE))
    rows.append(
        pager(t, page, pages, lambda p: MissionCb(action=action, mission_id=mission.id, arg=p))
    )
    rows.append([button(t.plain("button.back"), MissionCb(action="card", mission_id=mission.id))])
    body = Html("\n".join(lines)) if lines else t("people.none")
    text = t(key, mission_id=mission.id, title=mission.title, rows=body)
    await show_screen(update, context, text, keyboard([row for row in rows if row]))


def _answer_buttons(
    t: Translator, mission_id: int, assignment_id: int, code: str
) -> list[InlineKeyboardButton]:
    return [
        button(
            t.plain("button.approve", code=code),
            MissionCb(action="approve", mission_id=mission_id, arg=assignment_id),
        ),
        button(
            t.plain("button.decline", code=code),
            MissionCb(action="decline", mission_id=mission_id, arg=assignment_id),
        ),
    ]


async def _applicants(
    update: Update, context: CallboardContext, mission: Mission, arg: int
) -> None:
    await _people(update, context, mission, arg, AssignmentStatus.APPLIED)


async def _active(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _people(update, context, mission, arg, AssignmentStatus.ACTIVE)


async def _pause(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _move(update, context, mission, (MissionStatus.OPEN,), MissionStatus.PAUSED)


async def _resume(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _move(update, context, mission, (MissionStatus.PAUSED,), MissionStatus.OPEN)


async def _move(
    update: Update,
    context: CallboardContext,
    mission: Mission,
    allowed_from: tuple[MissionStatus, ...],
    to: MissionStatus,
) -> None:
    async with context.db.transaction() as tx:
        moved = await context.repos.missions.set_status(
            tx, mission.id, allowed_from=allowed_from, to=to
        )
    await _show_change(update, context, mission.id, moved, f"mission.now.{to}")


async def _show_change(
    update: Update, context: CallboardContext, mission_id: int, changed: bool, notice: str
) -> None:
    """After a status change: the notice and the fresh card, or a refusal if nothing
    changed (a stale button)."""
    if not changed:
        await refuse(update, context)
        return
    await _answer(update, context.t.plain(notice))
    fresh = await context.repos.missions.get(mission_id)
    assert fresh is not None
    await _render_card(update, context, fresh)


async def _close(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    if mission.status is MissionStatus.CLOSED:
        await refuse(update, context)
        return
    await _answer(update)
    t = context.t
    markup = keyboard(
        [
            [
                button(
                    t.plain("button.close_confirm"),
                    MissionCb(action="close_ok", mission_id=mission.id),
                ),
                button(t.plain("button.back"), MissionCb(action="card", mission_id=mission.id)),
            ]
        ]
    )
    await show_screen(
        update,
        context,
        t("mission.close_confirm", title=mission.title, active=mission.active_count),
        markup,
    )


async def _close_ok(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    async with context.db.transaction() as tx:
        closed = await close_mission(context, tx, mission, reason="company")
    await _show_change(update, context, mission.id, closed, "mission.now.closed")


async def _edit(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    if mission.status is MissionStatus.CLOSED:
        await refuse(update, context)
        return
    await _answer(update)
    t = context.t
    buttons = [
        button(t.plain(f"field.{field}"), MissionCb(action="field", mission_id=mission.id, arg=i))
        for i, field in enumerate(LIVE_EDITABLE)
    ]
    rows = in_rows(buttons, 2)
    rows.append([button(t.plain("button.back"), MissionCb(action="card", mission_id=mission.id))])
    await show_screen(update, context, t("mission.edit_pick", title=mission.title), keyboard(rows))


async def _share(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _answer(update)
    link = f"https://t.me/{context.bot.username}?start=m{mission.id}"
    await context.bot.send_message(
        chat_id_of(update), context.t("mission.share", title=mission.title, link=link)
    )


async def _approve(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _decide(update, context, mission, arg, approve=True)


async def _decline(update: Update, context: CallboardContext, mission: Mission, arg: int) -> None:
    await _decide(update, context, mission, arg, approve=False)


async def _decide(
    update: Update,
    context: CallboardContext,
    mission: Mission,
    assignment_id: int,
    *,
    approve: bool,
) -> None:
    """Approve or decline an application, re-checked inside the transaction."""
    repos = context.repos
    async with context.db.transaction() as tx:
        assignment = await repos.assignments.get(assignment_id, tx)
        current = await repos.missions.get(mission.id, tx)
        if not _pending_application(assignment, mission.id) or current is None:
            outcome = "stale_action"
        elif approve and not await repos.missions.take_slot(tx, mission.id):
            outcome = (
                "decision.full" if current.status is MissionStatus.OPEN else "decision.not_open"
            )
        else:
            assert assignment is not None
            outcome = await _record_decision(context, tx, current, assignment, approve)
    await _answer(update, context.t.plain(outcome))
    if not outcome.startswith("decision.done"):
        return
    if _on_people_screen(update):
        # Refresh the list: it keeps its way back and the other applicants' buttons.
        fresh = await repos.missions.get(mission.id)
        assert fresh is not None
        await _render_people(update, context, fresh, 0, AssignmentStatus.APPLIED)
    elif update.callback_query and update.callback_query.message:
        await update.callback_query.edit_message_reply_markup(None)


def _on_people_screen(update: Update) -> bool:
    """Whether the decision was taken on the applicants screen (which leads back to the card)
    rather than on the application's notification (which only holds the two answers)."""
    query = update.callback_query
    markup = query.message.reply_markup if query and isinstance(query.message, Message) else None
    if markup is None:
        return False
    for row in markup.inline_keyboard:
        for key in row:
            data = MissionCb.unpack(key.callback_data)
            if data is not None and data.action == "card":
                return True
    return False


def _pending_application(assignment: Assignment | None, mission_id: int) -> bool:
    return (
        assignment is not None
        and assignment.mission_id == mission_id
        and assignment.status is AssignmentStatus.APPLIED
    )


async def _record_decision(
    context: CallboardContext,
    tx: Transaction,
    mission: Mission,
    assignment: Assignment,
    approve: bool,
) -> str:
    repos = context.repos
    if approve:
        rate = assignment.agreed_rate_cents or mission.rate_cents
        await repos.assignments.activate(tx, assignment.id, rate)
        await notify(
            context,
            tx,
            assignment.prospector_id,
            "notify.approved",
            mission_id=mission.id,
            title=mission.title,
            rate=lambda t: t.money(rate),
        )
        return "decision.done_approved"
    await repos.assignments.set_status(
        tx, assignment.id, allowed_from=(AssignmentStatus.APPLIED,), to=AssignmentStatus.DECLINED
    )
    await notify(
        context,
        tx,
        assignment.prospector_id,
        "notify.declined",
        mission_id=mission.id,
        title=mission.title,
    )
    return "decision.done_declined"


_CARD_ACTIONS: dict[
    str, Callable[[Update, CallboardContext, Mission, int], Coroutine[Any, Any, None]]
] = {
    "card": _card,
    "applicants": _applicants,
    "active": _active,
    "pause": _pause,
    "resume": _resume,
    "close": _close,
    "close_ok": _close_ok,
    "edit": _edit,
    "share": _share,
    "approve": _approve,
    "decline": _decline,
}


# --- editing a published mission ----------------------------------------------------------


async def start_live_edit(update: Update, context: CallboardContext) -> object:
    query = update.callback_query
    assert query
    choice = MissionCb.unpack(query.data)
    mission = await own_mission(context, choice.mission_id) if choice else None
    if choice is None or mission is None or mission.status is MissionStatus.CLOSED:
        await refuse(update, context)
        return END
    if not 0 <= choice.arg < len(LIVE_EDITABLE):
        await refuse(update, context)
        return END
    await _answer(update)
    field = LIVE_EDITABLE[choice.arg]
    assert context.user_data is not None
    context.user_data["mission_edit"] = {"mission_id": mission.id, "field": field}
    lead = context.t("mission.rate_change_note") if field == "rate_cents" else ""
    await ask_field(field, chat_id_of(update), context, lead=lead)
    return LIVE_EDIT


async def live_edit_text(update: Update, context: CallboardContext) -> object:
    assert update.message and update.message.text is not None
    field = _live_edit(context)["field"]
    try:
        value = mission_form.PARSERS[field](update.message.text, limits(context))
    except Invalid as exc:
        await update.message.reply_text(_error_text(context.t, exc, context))
        return None
    return await _apply_live_edit(update, context, value)


async def live_edit_skip(update: Update, context: CallboardContext) -> object:
    choice = await _tapped(update, context)
    if choice is None or choice.value != _live_edit(context)["field"]:
        return None
    return await _apply_live_edit(update, context, None)


def _live_edit(context: CallboardContext) -> dict[str, Any]:
    assert context.user_data is not None
    edit: dict[str, Any] = context.user_data.get("mission_edit") or {"field": "", "mission_id": 0}
    return edit


async def _apply_live_edit(update: Update, context: CallboardContext, value: object) -> object:
    edit = _live_edit(context)
    async with context.db.transaction() as tx:
        mission = await context.repos.missions.get(edit["mission_id"], tx)
        owned = mission is not None and mission.company_id == context.user_account.id
        if not owned or mission is None or mission.status is MissionStatus.CLOSED:
            outcome = "stale_action"
        elif edit["field"] == "slots" and isinstance(value, int) and value < mission.active_count:
            outcome = "invalid.slots_below_active"
        else:
            await context.repos.missions.update_field(tx, mission.id, edit["field"], value)
            outcome = "mission.updated"
    if outcome == "invalid.slots_below_active":
        assert mission is not None
        await context.bot.send_message(
            chat_id_of(update), context.t(outcome, active=mission.active_count)
        )
        return None
    assert context.user_data is not None
    context.user_data.pop("mission_edit", None)
    await context.bot.send_message(chat_id_of(update), context.t(outcome))
    if outcome == "mission.updated":
        await show_card(chat_id_of(update), context, edit["mission_id"])
    return END


async def cancel(update: Update, context: CallboardContext) -> object:
    assert context.user_data is not None
    context.user_data.pop("mission_edit", None)
    return await cancel_draft(update, context)


def _field_handlers(field: str) -> list[BaseHandler[Update, CallboardContext, object]]:
    text_only, other_input = ANSWER_TEXT, ANSWER_OTHER
    if field in _CHOICES:
        return [
            CallbackQueryHandler(choice_answer(field), pattern=DraftCb.matching(action="choice")),
            MessageHandler(other_input, buttons_expected(field)),
        ]
    handlers: list[BaseHandler[Update, CallboardContext, object]] = [
        MessageHandler(text_only, text_answer(field)),
        MessageHandler(other_input, text_expected),
    ]
    if field in mission_form.OPTIONAL:
        pattern = DraftCb.matching(action="skip", value=field)
        handlers.append(CallbackQueryHandler(skip_answer(field), pattern=pattern))
    return handlers


def register(application: CallboardApp) -> None:
    states: dict[object, list[BaseHandler[Update, CallboardContext, object]]] = {
        field: _field_handlers(field) for field in mission_form.FIELDS
    }
    states[PREVIEW] = [
        CallbackQueryHandler(publish, pattern=DraftCb.matching(action="publish")),
        CallbackQueryHandler(pick_field, pattern=DraftCb.matching(action="fields")),
        CallbackQueryHandler(edit_draft_field, pattern=DraftCb.matching(action="field")),
        CallbackQueryHandler(cancel_draft, pattern=DraftCb.matching(action="cancel")),
    ]
    states[LIVE_EDIT] = [
        MessageHandler(ANSWER_TEXT, live_edit_text),
        CallbackQueryHandler(live_edit_skip, pattern=DraftCb.matching(action="skip")),
        MessageHandler(ANSWER_OTHER, text_expected),
    ]
    wizard = Wizard(
        entry_points=[
            CommandHandler("newmission", new_mission),
            CallbackQueryHandler(new_mission, pattern=HomeCb.matching(action="newmission")),
            CallbackQueryHandler(start_live_edit, pattern=MissionCb.matching(action="field")),
        ],
        states=states,
        fallbacks=[CommandHandler("cancel", cancel)],
        name="mission",
        draft_keys=("mission", "mission_edit", SCREEN),
    )
    application.add_handler(wizard)
    application.add_handler(CommandHandler("missions", list_missions))
    application.add_handler(
        CallbackQueryHandler(list_missions, pattern=HomeCb.matching(action="missions"))
    )
    application.add_handler(CallbackQueryHandler(list_page, pattern=ListCb.matches))
    application.add_handler(CallbackQueryHandler(on_card_action, pattern=MissionCb.matches))
