"""The PTB internals the kit relies on — the wizard engine's (bot/kit/wizard.py) and the
bot's own state (bot/kit/client.py): if an upgrade of python-telegram-bot changes them,
these tests say so before users do."""

from __future__ import annotations

import warnings
from collections.abc import MutableMapping
from typing import Any, cast

import pytest
from pydantic import BaseModel
from telegram import Bot, Update
from telegram.ext import Application, CallbackQueryHandler, ConversationHandler
from telegram.ext._utils import types
from telegram.warnings import PTBUserWarning

from bot.kit import wizard
from bot.kit.client import CallboardBot
from bot.kit.context import CallboardContext
from bot.kit.wizard import CommandEntry, Prompt, TextStep, Wizard

CHAT, USER = 501, 502


class Note(BaseModel):
    title: str | None = None


async def _nothing(update: Update, context: CallboardContext) -> None:
    """Never called: these wizards are only inspected."""


async def _keep(update: Update, context: CallboardContext, draft: Note) -> None:
    """Never called: these wizards are only inspected."""


def note_wizard() -> Wizard:
    title = TextStep(name="title", field="title", prompt=Prompt("ask.bio"), parse=str.strip)
    return Wizard(
        name="note",
        draft=Note,
        steps=(title,),
        entries=(CommandEntry("note", _nothing),),
        finish=_keep,
        cancelled="cancel.done",
    )


def message_update(text: str) -> Update:
    return Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 10,
                "date": 0,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Ann"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        },
        Bot("1:fake"),
    )


def test_the_conversation_key_is_chat_then_user() -> None:
    assert note_wizard()._get_key(message_update("/note")) == (CHAT, USER)


def test_conversation_states_are_a_mapping_that_update_state_sets_and_ends() -> None:
    handler = note_wizard()
    key = handler._get_key(message_update("/note"))
    assert isinstance(handler._conversations, MutableMapping)
    handler._update_state("title", key)
    assert handler._conversations[key] == "title"
    handler._update_state(ConversationHandler.END, key)
    assert key not in handler._conversations


def test_abandon_ends_the_conversation_and_drops_the_draft() -> None:
    handler = note_wizard()
    update = message_update("/note")
    handler._conversations[handler._get_key(update)] = "title"
    user_data: dict[str, Any] = {handler.session_key: {"draft": {}}, "other": 1}
    handler.abandon(update, user_data)
    assert handler._get_key(update) not in handler._conversations
    assert user_data == {"other": 1}


def test_the_persistence_types_are_ptbs() -> None:
    assert wizard.ConversationKey is types.ConversationKey
    assert wizard.ConversationDict is types.ConversationDict
    assert wizard.CDCData is types.CDCData


def test_the_warning_the_engine_silences_is_still_the_one_ptb_gives() -> None:
    with pytest.warns(PTBUserWarning, match="If 'per_message=False'"):
        ConversationHandler(
            entry_points=[CallbackQueryHandler(_nothing)],
            states={},
            fallbacks=[],
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PTBUserWarning)
        note_wizard()


class _StoresOneConversation:
    async def get_conversations(self, name: str) -> dict[tuple[int, ...], object]:
        return {(CHAT, USER + 1): "title"}


async def test_a_wizard_takes_its_conversations_from_each_new_application_only() -> None:
    handler = note_wizard()
    handler._update_state("title", handler._get_key(message_update("/note")))
    application = cast(Application[Any, Any, Any, Any, Any, Any], _Application())
    await handler._initialize_persistence(application)
    assert dict(handler._conversations) == {(CHAT, USER + 1): "title"}


class _Application:
    persistence = _StoresOneConversation()


def test_a_bot_keeps_private_state_after_ptb_froze_it() -> None:
    """PTB freezes its objects once built, except for attributes whose name starts with an
    underscore: the bot's record of answered taps is one."""
    bot = CallboardBot("1:fake")
    assert not bot.answered("1")
    bot._answered["1"] = None
    assert bot.answered("1")
