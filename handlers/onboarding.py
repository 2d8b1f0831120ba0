"""/start and the profile wizards, and /profile, which reuses the wizard's steps
to edit one field at a time.

The wizard's draft lives in `user_data["wizard"]` and its step in a persistent
ConversationHandler, both kept in the database, so a restart resumes at the same step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.kit.callbacks import CallbackData, HomeCb
from bot.kit.commands import ALWAYS, MEMBERS, Command
from bot.kit.context import CallboardContext, Route
from bot.kit.feature import Feature, Stage
from bot.kit.keyboards import button, in_rows, keyboard
from bot.kit.screens import chat_id_of, close_keyboard, text_expected
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from services import validation
from storage.database import Transaction
from storage.models import CompanyProfile, ProspectorProfile, Role

COMMANDS = (Command("start", ALWAYS), Command("profile", MEMBERS))

END = ConversationHandler.END
ROLE = "role"
COMPANY_NAME = "company_name"
SECTOR = "sector"
SECTOR_OTHER = "sector_other"
SIREN = "siren"
DISPLAY_NAME = "display_name"
LANGUAGES = "languages"
SPECIALTIES = "specialties"
EXPERIENCE = "experience"
BIO = "bio"
NOTIFY = "notify"

FLOW = {
    Role.COMPANY: (COMPANY_NAME, SECTOR, SIREN),
    Role.PROSPECTOR: (DISPLAY_NAME, LANGUAGES, SPECIALTIES, EXPERIENCE, BIO, NOTIFY),
}
ROLE_OF_STEP = {step: role for role, steps in FLOW.items() for step in steps}
ROLE_OF_STEP[SECTOR_OTHER] = Role.COMPANY
# Telegram's own limit for /start payloads.
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Action = Literal["role", "sector", "lang", "spec", "done", "skip", "notify"]
Editable = Literal[
    "company_name",
    "sector",
    "siren",
    "display_name",
    "languages",
    "specialties",
    "experience",
    "bio",
    "notify",
]


class WizardCb(CallbackData):
    prefix = "ob"
    action: Action
    value: str


class ProfileCb(CallbackData):
    prefix = "pf"
    field: Editable


def _wizard(context: CallboardContext) -> dict[str, Any]:
    assert context.user_data is not None
    wizard: dict[str, Any] = context.user_data.setdefault("wizard", {"mode": "onboarding"})
    return wizard


def _draft(context: CallboardContext) -> dict[str, Any]:
    data: dict[str, Any] = _wizard(context).setdefault("data", {})
    return data


def _clear(context: CallboardContext) -> None:
    assert context.user_data is not None
    context.user_data.pop("wizard", None)


# --- asking each step -------------------------------------------------------------------


def _toggles(
    context: CallboardContext, action: Action, options: tuple[str, ...], key: str
) -> InlineKeyboardMarkup:
    chosen = set(_draft(context).get(key, []))
    t = context.t
    buttons = [
        button(
            ("✅ " if option in chosen else "▫️ ") + t.plain(f"{key}.{option}"),
            WizardCb(action=action, value=option),
        )
        for option in options
    ]
    rows = in_rows(buttons, 2)
    rows.append([button(t.plain("button.done"), WizardCb(action="done", value=key))])
    return keyboard(rows)


def _skip_keyboard(context: CallboardContext, step: str) -> InlineKeyboardMarkup:
    skip = WizardCb(action="skip", value=step)
    return keyboard([[button(context.t.plain("button.skip"), skip)]])


async def ask(step: str, chat_id: int, context: CallboardContext, lead: str = "") -> None:
    """Send the step's question, after `lead` (an intro or an error) in the same message."""
    t = context.t
    markup = None
    if step == ROLE:
        markup = keyboard(
            [
                [
                    button(
                        t.plain("button.role.company"), WizardCb(action="role", value="company")
                    ),
                    button(
                        t.plain("button.role.prospector"),
                        WizardCb(action="role", value="prospector"),
                    ),
                ]
            ]
        )
    elif step == SECTOR:
        options = [
            button(t.plain(f"sector.{code}"), WizardCb(action="sector", value=code))
            for code in (*validation.SECTORS, "other")
        ]
        markup = keyboard(in_rows(options, 2))
    elif step in (SIREN, BIO):
        markup = _skip_keyboard(context, step)
    elif step == LANGUAGES:
        markup = _toggles(context, "lang", validation.SPOKEN_LANGUAGES, "languages")
    elif step == SPECIALTIES:
        markup = _toggles(
            context, "spec", (*validation.MARKETS, *validation.ACTIVITIES), "specialties"
        )
    elif step == NOTIFY:
        markup = keyboard(
            [
                [
                    button(t.plain("button.yes"), WizardCb(action="notify", value="yes")),
                    button(t.plain("button.no"), WizardCb(action="notify", value="no")),
                ]
            ]
        )
    text = f"{lead}\n\n{t(f'ask.{step}')}" if lead else t(f"ask.{step}")
    await context.bot.send_message(chat_id, text, reply_markup=markup)


# --- moving on ----------------------------------------------------------------------------


async def advance(update: Update, context: CallboardContext, step: str) -> object:
    """The step's value is in the draft: save it (editing) or ask the next step."""
    chat_id = chat_id_of(update)
    wizard = _wizard(context)
    if wizard["mode"] == "edit":
        async with context.db.transaction() as tx:
            await _save_profile(context, Role(wizard["role"]), tx)
        _clear(context)
        await context.bot.send_message(chat_id, context.t("profile.updated"))
        await show_profile(update, context)
        return END
    steps = FLOW[Role(wizard["role"])]
    position = steps.index(SECTOR if step == SECTOR_OTHER else step)
    if position + 1 < len(steps):
        await ask(steps[position + 1], chat_id, context)
        return steps[position + 1]
    return await _finish_onboarding(update, context)


async def _finish_onboarding(update: Update, context: CallboardContext) -> object:
    chat_id = chat_id_of(update)
    role = Role(_wizard(context)["role"])
    account = context.user_account
    async with context.db.transaction() as tx:
        current = await context.repos.users.get(account.id, tx)
        if current is None or current.role is not None:
            _clear(context)
            await context.bot.send_message(chat_id, context.t("onboarding.already_done"))
            return END
        await context.repos.users.set_role(tx, account.id, role)
        await _save_profile(context, role, tx)
    context.account = account.model_copy(update={"role": role})
    deep_link = _wizard(context).get("deep_link")
    _clear(context)
    await context.services.publish_menu(context.bot, context.account)
    await context.bot.send_message(chat_id, context.t(f"onboarding.done.{role.value}"))
    await context.services.navigator.open(Route.HOME, chat_id, context, 0)
    if deep_link:
        await _follow(deep_link, chat_id, context)
    return END


async def _follow(payload: str, chat_id: int, context: CallboardContext) -> None:
    if not await context.services.navigator.follow(payload, chat_id, context):
        await context.bot.send_message(chat_id, context.t("deep_link.invalid"))


async def _save_profile(context: CallboardContext, role: Role, tx: Transaction) -> None:
    data = _draft(context)
    user_id = context.user_account.id
    profiles = context.repos.profiles
    if role is Role.COMPANY:
        company = CompanyProfile(
            user_id=user_id,
            name=data["company_name"],
            sector=data["sector"],
            siren=data.get("siren"),
        )
        await profiles.save_company(tx, company)
        return
    existing = await profiles.prospector(user_id, tx)
    number = existing.number if existing else await profiles.next_prospector_number(tx)
    prospector = ProspectorProfile(
        user_id=user_id,
        number=number,
        display_name=data["display_name"],
        languages=tuple(data["languages"]),
        specialties=tuple(data["specialties"]),
        experience_years=data["experience"],
        bio=data.get("bio", ""),
        notify_new_missions=data["notify"],
    )
    await profiles.save_prospector(tx, prospector)


# --- entry points ---------------------------------------------------------------------------


async def start(update: Update, context: CallboardContext) -> object:
    account = context.user_account
    chat_id = chat_id_of(update)
    payload = context.args[0] if context.args else None
    if payload is not None and not _DEEP_LINK.match(payload):
        payload = None
    if account.role is not None:
        _clear(context)
        await context.services.publish_menu(context.bot, account)
        await context.services.navigator.open(Route.HOME, chat_id, context, 0)
        if payload:
            await _follow(payload, chat_id, context)
        return END
    assert context.user_data is not None
    context.user_data["wizard"] = {"mode": "onboarding", "data": {}, "deep_link": payload}
    await ask(ROLE, chat_id, context, lead=context.t("onboarding.welcome"))
    return ROLE


async def edit_field(update: Update, context: CallboardContext) -> object:
    query = update.callback_query
    assert query
    choice = ProfileCb.unpack(query.data)
    account = context.user_account
    step = choice.field if choice else ""
    if account.role is None or ROLE_OF_STEP.get(step) is not account.role:
        await query.answer(context.t.plain("stale_action"))
        return END
    await query.answer()
    assert context.user_data is not None
    context.user_data["wizard"] = {
        "mode": "edit",
        "role": account.role.value,
        "data": await _current_values(context, account.role),
    }
    await ask(step, chat_id_of(update), context)
    return step


async def _current_values(context: CallboardContext, role: Role) -> dict[str, Any]:
    user_id = context.user_account.id
    if role is Role.COMPANY:
        company = await context.repos.profiles.company(user_id)
        assert company is not None
        return {"company_name": company.name, "sector": company.sector, "siren": company.siren}
    prospector = await context.repos.profiles.prospector(user_id)
    assert prospector is not None
    return {
        "display_name": prospector.display_name,
        "languages": list(prospector.languages),
        "specialties": list(prospector.specialties),
        "experience": prospector.experience_years,
        "bio": prospector.bio,
        "notify": prospector.notify_new_missions,
    }


async def cancel(update: Update, context: CallboardContext) -> object:
    onboarding = _wizard(context)["mode"] == "onboarding"
    _clear(context)
    key = "cancel.onboarding" if onboarding else "cancel.done"
    await context.bot.send_message(chat_id_of(update), context.t(key))
    return END


# --- answers to each step -------------------------------------------------------------------

_TEXT_STEPS: dict[str, tuple[Callable[[str], object], str]] = {
    COMPANY_NAME: (validation.company_name, "company_name"),
    SECTOR_OTHER: (validation.other_sector, "sector"),
    SIREN: (validation.siren, "siren"),
    DISPLAY_NAME: (validation.display_name, "display_name"),
    EXPERIENCE: (validation.experience_years, "experience"),
    BIO: (validation.bio, "bio"),
}

Callback = Callable[[Update, CallboardContext], Coroutine[Any, Any, object]]


def text_answer(step: str) -> Callback:
    validate, key = _TEXT_STEPS[step]

    async def on_text(update: Update, context: CallboardContext) -> object:
        assert update.message and update.message.text is not None
        try:
            value = validate(update.message.text)
        except validation.Invalid as exc:
            # An optional step's error carries its Skip button, so the way out is in view.
            markup = _skip_keyboard(context, step) if step in (SIREN, BIO) else None
            await update.message.reply_text(context.t(exc.key, **exc.values), reply_markup=markup)
            return None
        _draft(context)[key] = value
        return await advance(update, context, step)

    return on_text


def buttons_expected(step: str) -> Callback:
    async def on_other(update: Update, context: CallboardContext) -> object:
        await ask(step, chat_id_of(update), context, lead=context.t("wizard.use_buttons"))
        return None

    return on_other


async def _close_keyboard(update: Update) -> WizardCb | None:
    """The wizard button tapped, acted on once."""
    assert update.callback_query
    return WizardCb.unpack(update.callback_query.data) if await close_keyboard(update) else None


async def on_role(update: Update, context: CallboardContext) -> object:
    choice = await _close_keyboard(update)
    if choice is None or choice.value not in (Role.COMPANY, Role.PROSPECTOR):
        return None
    if context.user_account.role is not None:
        await context.bot.send_message(chat_id_of(update), context.t("onboarding.already_done"))
        return END
    _wizard(context).update(role=choice.value, data={})
    first = FLOW[Role(choice.value)][0]
    await ask(first, chat_id_of(update), context)
    return first


async def on_sector(update: Update, context: CallboardContext) -> object:
    choice = await _close_keyboard(update)
    assert choice
    if choice.value == "other":
        await ask(SECTOR_OTHER, chat_id_of(update), context)
        return SECTOR_OTHER
    if choice.value not in validation.SECTORS:
        return None
    _draft(context)["sector"] = choice.value
    return await advance(update, context, SECTOR)


async def on_skip(update: Update, context: CallboardContext) -> object:
    choice = await _close_keyboard(update)
    assert choice
    _draft(context)[choice.value] = None if choice.value == SIREN else ""
    return await advance(update, context, choice.value)


async def on_notify(update: Update, context: CallboardContext) -> object:
    choice = await _close_keyboard(update)
    assert choice
    _draft(context)["notify"] = choice.value == "yes"
    return await advance(update, context, NOTIFY)


_TOGGLES = {
    "lang": ("languages", validation.SPOKEN_LANGUAGES, validation.languages),
    "spec": (
        "specialties",
        (*validation.MARKETS, *validation.ACTIVITIES),
        validation.specialties,
    ),
}


async def on_toggle(update: Update, context: CallboardContext) -> object:
    query = update.callback_query
    assert query
    choice = WizardCb.unpack(query.data)
    assert choice
    key, options, _ = _TOGGLES[choice.action]
    if choice.value not in options:
        await query.answer(context.t.plain("stale_action"))
        return None
    chosen: list[str] = _draft(context).setdefault(key, [])
    if choice.value in chosen:
        chosen.remove(choice.value)
    else:
        chosen.append(choice.value)
    await query.answer()
    await query.edit_message_reply_markup(_toggles(context, choice.action, options, key))
    return None


async def on_done(update: Update, context: CallboardContext) -> object:
    query = update.callback_query
    assert query
    choice = WizardCb.unpack(query.data)
    assert choice
    action = "lang" if choice.value == LANGUAGES else "spec"
    key, _, validate = _TOGGLES[action]
    try:
        _draft(context)[key] = validate(_draft(context).get(key, []))
    except validation.Invalid as exc:
        await query.answer(context.t.plain(exc.key), show_alert=True)
        return None
    await _close_keyboard(update)
    return await advance(update, context, key)


# --- /profile ---------------------------------------------------------------------------------


async def show_profile(update: Update, context: CallboardContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    chat_id = chat_id_of(update)
    account = context.user_account
    t = context.t
    if account.role is None:
        await context.bot.send_message(chat_id, t("profile.none"))
        return
    if account.role is Role.COMPANY:
        company = await context.repos.profiles.company(account.id)
        assert company is not None
        text = t(
            "profile.company",
            name=company.name,
            sector=_sector_label(company.sector, context),
            siren=company.siren or "—",
        )
    else:
        prospector = await context.repos.profiles.prospector(account.id)
        assert prospector is not None
        text = t(
            "profile.prospector",
            code=prospector.code,
            name=prospector.display_name,
            languages=", ".join(t.plain(f"languages.{c}") for c in prospector.languages),
            specialties=", ".join(t.plain(f"specialties.{c}") for c in prospector.specialties),
            experience=t.count("count.years", prospector.experience_years),
            bio=prospector.bio or "—",
            notify=t.plain("button.yes" if prospector.notify_new_missions else "button.no"),
        )
    # Every step of the role's sign-up can be edited on its own.
    buttons = [
        button(t.plain(f"edit.{step}"), ProfileCb.model_validate({"field": step}))
        for step in FLOW[account.role]
    ]
    await context.bot.send_message(chat_id, text, reply_markup=keyboard(in_rows(buttons, 2)))


def _sector_label(sector: str, context: CallboardContext) -> str:
    return context.t.plain(f"sector.{sector}") if sector in validation.SECTORS else sector


async def show_profile_command(update: Update, context: CallboardContext) -> None:
    await show_profile(update, context)


def _step_handlers(step: str) -> list[BaseHandler[Update, CallboardContext, object]]:
    text_only, other_input = ANSWER_TEXT, ANSWER_OTHER
    if step in _TEXT_STEPS:
        handlers: list[BaseHandler[Update, CallboardContext, object]] = [
            MessageHandler(text_only, text_answer(step)),
            MessageHandler(other_input, text_expected),
        ]
    else:
        handlers = [MessageHandler(other_input, buttons_expected(step))]
    patterns = {
        ROLE: [(on_role, WizardCb.matching(action="role"))],
        SECTOR: [(on_sector, WizardCb.matching(action="sector"))],
        SIREN: [(on_skip, WizardCb.matching(action="skip", value=SIREN))],
        LANGUAGES: [
            (on_toggle, WizardCb.matching(action="lang")),
            (on_done, WizardCb.matching(action="done", value=LANGUAGES)),
        ],
        SPECIALTIES: [
            (on_toggle, WizardCb.matching(action="spec")),
            (on_done, WizardCb.matching(action="done", value=SPECIALTIES)),
        ],
        BIO: [(on_skip, WizardCb.matching(action="skip", value=BIO))],
        NOTIFY: [(on_notify, WizardCb.matching(action="notify"))],
    }
    handlers += [CallbackQueryHandler(cb, pattern=p) for cb, p in patterns.get(step, [])]
    return handlers


def _profile_wizard() -> Wizard:
    steps = (
        ROLE,
        COMPANY_NAME,
        SECTOR,
        SECTOR_OTHER,
        SIREN,
        DISPLAY_NAME,
        LANGUAGES,
        SPECIALTIES,
        EXPERIENCE,
        BIO,
        NOTIFY,
    )
    return Wizard(
        entry_points=[
            CommandHandler("start", start),
            CallbackQueryHandler(edit_field, pattern=ProfileCb.matches),
        ],
        states={step: _step_handlers(step) for step in steps},
        fallbacks=[CommandHandler("cancel", cancel)],
        name="profile",
        draft_keys=("wizard",),
    )


FEATURE = Feature(
    name="onboarding",
    commands=COMMANDS,
    handlers=(
        (Stage.WIZARDS, _profile_wizard()),
        (Stage.ACTIONS, CommandHandler("profile", show_profile_command)),
        (
            Stage.ACTIONS,
            CallbackQueryHandler(show_profile, pattern=HomeCb.matching(action="profile")),
        ),
    ),
)
