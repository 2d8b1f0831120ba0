"""The wizard engine: questions asked one at a time, declared as steps, on persistent
conversations; and the rule that only one wizard runs at a time.

A wizard is declared, not written: its draft (a pydantic model), its steps (a typed answer,
one of some buttons, a checklist, a file, or any message), what starts it and what it does
once the draft is complete. A step may be asked only when the draft calls for it (`when`),
and a typed answer may be checked against the database once it is read (`check`). The
engine asks each step, checks every answer, keeps the draft in `user_data` and the current
step as the conversation's state (both persisted, so a restart resumes at the same step),
and applies the rules every wizard shares:

- only the newest wizard message's buttons act: a tap on an older one (a question asked
  again, a question of an abandoned draft, a second tap of a button that already advanced)
  is refused and changes nothing;
- `/cancel` ends the wizard with the wizard's own message (a draft thrown away is not an
  edit left unchanged);
- a command (other than /help, /language and /cancel) or a button that starts another wizard
  or turns to a thread abandons every wizard it does not start;
- a Telegram reply to a thread's message is meant for that thread, never a wizard answer.

This module relies on PTB internals (`ConversationHandler._get_key`, `_conversations`,
`_update_state`, `_initialize_persistence`, `telegram.ext._utils`), as only bot.kit.client
does besides (a private attribute on the frozen bot); tests/test_ptb_internals.py fails if
PTB changes them.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.ext._utils.trackingdict import TrackingDict
from telegram.ext._utils.types import CDCData as CDCData
from telegram.ext._utils.types import ConversationDict as ConversationDict
from telegram.ext._utils.types import ConversationKey as ConversationKey
from telegram.warnings import PTBUserWarning

from bot.kit.callbacks import CallbackData
from bot.kit.commands import command_name
from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.screens import (
    chat_id_of,
    close_keyboard,
    close_with_outcome,
    refuse,
    tapped_label,
    thread_in_markup,
)
from services.validation import Invalid
from storage.models import Proof, ProofKind

# Commands that leave a running wizard alone: help is read-only, language only changes how
# the next questions are worded, cancel is the wizard's own.
KEEPS_WIZARDS = frozenset({"help", "language", "cancel"})
END = ConversationHandler.END


class _ReplyToThread(filters.MessageFilter):
    """A reply to one of our thread messages (they carry a thread's Reply button)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and thread_in_markup(replied) is not None


REPLY_TO_THREAD = _ReplyToThread(name="REPLY_TO_THREAD")
# What a text step accepts as an answer, and the other messages a step answers with a hint.
ANSWER_TEXT = filters.TEXT & ~filters.COMMAND & ~REPLY_TO_THREAD
ANSWER_OTHER = ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~REPLY_TO_THREAD
# What a file step accepts: the kinds of `ProofKind`.
ANSWER_FILE = (
    filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO
) & ~REPLY_TO_THREAD

# --- the buttons the engine adds to steps -------------------------------------------------


class SkipCb(CallbackData):
    """Leave an optional step at its default."""

    prefix = "wsk"
    step: str


class DoneCb(CallbackData):
    """Close a checklist."""

    prefix = "wdn"
    step: str


class ReviewCb(CallbackData):
    """A review's buttons: confirm the draft, change one of its fields, or cancel."""

    prefix = "wrv"
    action: Literal["confirm", "fields", "cancel", "back"]


class FieldCb(CallbackData):
    """The field picked to change from a review."""

    prefix = "wfd"
    step: str


class WriteInCb(CallbackData):
    """Type the answer of a choice instead of picking one of its buttons ("Other…")."""

    prefix = "wwi"
    step: str


# --- declaring steps ------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A step's question: a catalog key and the values it is formatted with."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def render(self, t: Translator, shared: Mapping[str, object]) -> Html:
        return t(self.key, **{**shared, **self.values})


@dataclass(frozen=True)
class Option:
    """One button of a choice or a checklist: its label (a catalog key), its typed callback
    data, and the value a tap stores in the draft."""

    label: str
    data: CallbackData
    value: object


def typed_option(text: str, options: Sequence[Option], t: Translator) -> Option | None:
    """The option whose label `text` spells out, whatever its case, accents, emoji and
    punctuation: typing "energie" for the button "⚡ Énergie" is the same answer. The first
    words of a label are enough when they name one option only ("software" for "Software /
    SaaS")."""
    wanted = _folded(text)
    if not wanted:
        return None
    labels = [(option, _folded(t.plain(option.label))) for option in options]
    exact = [option for option, label in labels if label == wanted]
    begun = [option for option, label in labels if label.startswith(wanted + " ")]
    if exact:
        return exact[0]
    return begun[0] if len(begun) == 1 else None


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
    )
    return " ".join(kept.split())


# Reads a text answer in the context of the update (today's date, the configured bounds):
# returns the value or raises `Invalid`.
Parse = Callable[[str, CallboardContext], object]


def text_only(parse: Callable[[str], object]) -> Parse:
    """A parser that needs nothing but the text."""

    def parse_text(text: str, _context: CallboardContext) -> object:
        return parse(text)

    return parse_text


# Whether a step is asked, from the draft's answers so far (a step without one always is).
Condition = Callable[[Any], bool]
# Checks a parsed answer against the draft and the world (the database, the clock): returns
# when it is accepted, raises `Invalid` when not.
Check = Callable[[Any, Any, CallboardContext], Awaitable[None]]


@dataclass(frozen=True)
class TextStep:
    """Answered by a message; `parse` returns the value or raises `Invalid`, then `check`
    (if any) may still refuse it. An optional step has a Skip button, which sets the
    draft's field back to its default."""

    name: str
    field: str
    prompt: Prompt
    parse: Parse
    optional: bool = False
    check: Check | None = None
    when: Condition | None = None


@dataclass(frozen=True)
class FileStep:
    """Answered by a photo, a document, a voice note or an audio message, stored in the
    draft as a `Proof`; an optional step has a Skip button, which sets the field back to its
    default. Anything else gets a hint and the step is asked again."""

    name: str
    field: str
    prompt: Prompt
    optional: bool = False
    when: Condition | None = None


@dataclass(frozen=True)
class MessageStep:
    """Answered by any message but a command: text with its formatting, a photo, a
    document, a voice note, with its caption… The draft keeps the message's id, so that
    the message can be copied exactly as it was sent."""

    name: str
    field: str
    prompt: Prompt
    when: Condition | None = None


@dataclass(frozen=True)
class WriteIn:
    """A choice's extra button that asks `step` instead; the wizard then goes on as after
    the choice."""

    label: str
    step: TextStep


@dataclass(frozen=True)
class ChoiceStep:
    """Answered by one button. `branches` pairs an answer with the steps it leads to, asked
    before the steps that follow the choice."""

    name: str
    field: str
    prompt: Prompt
    options: Sequence[Option]
    write_in: WriteIn | None = None
    branches: Sequence[tuple[object, Sequence[Step]]] = ()
    when: Condition | None = None


@dataclass(frozen=True)
class ChecklistStep:
    """Options ticked and unticked in place, then Done; `validate` returns the cleaned
    selection or raises `Invalid`.

    An option's callback data has a last field `ticked: bool = False`: its button carries
    the state it showed, so a tap means "make it the other one" and the second tap of a
    quick double tap (sent before the first one redrew the keyboard) changes nothing more."""

    name: str
    field: str
    prompt: Prompt
    options: Sequence[Option]
    validate: Callable[[list[str]], Sequence[str]]
    when: Condition | None = None

    def __post_init__(self) -> None:
        for option in self.options:
            if "ticked" not in type(option.data).model_fields:
                raise TypeError(f"{type(option.data).__name__} has no `ticked` field")


Step = TextStep | ChoiceStep | ChecklistStep | FileStep | MessageStep
# Steps with a Skip button when optional.
Skippable = TextStep | FileStep

# --- screens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """A message's text and buttons, built without I/O."""

    text: Html
    markup: InlineKeyboardMarkup | None = None


TICKED, UNTICKED = "✅ ", "▫️ "


@dataclass(frozen=True)
class Asking:
    """How a step is asked. `replacing`: the answer replaces a value already there (a
    one-field edit, or a filled field changed from the review), so skipping would empty
    it and the button says Clear. `from_review`: the review can be gone back to."""

    replacing: bool = False
    from_review: bool = False


def question(
    step: Step,
    draft: BaseModel,
    t: Translator,
    lead: Html | None = None,
    shared: Mapping[str, object] | None = None,
    asking: Asking = Asking(),
) -> Screen:
    """A step's question as it is sent, after `lead` (an intro or a hint) if any; `shared`
    are the values every message of the wizard may use."""
    prompt = step.prompt.render(t, shared or {})
    text = Html(f"{lead}\n\n{prompt}") if lead else prompt
    return Screen(text, step_keyboard(step, draft, t, asking))


def step_keyboard(
    step: Step, draft: BaseModel, t: Translator, asking: Asking = Asking()
) -> InlineKeyboardMarkup | None:
    """The step's buttons (None for a message step, or a text or file step that cannot be
    skipped, unless asked from the review: then a way back to it)."""
    rows = _answer_rows(step, draft, t, asking)
    if asking.from_review:
        rows.append([button(t.plain("button.back"), ReviewCb(action="back"))])
    return keyboard(rows) if rows else None


def _answer_rows(
    step: Step, draft: BaseModel, t: Translator, asking: Asking
) -> list[list[InlineKeyboardButton]]:
    if isinstance(step, MessageStep):
        return []
    if isinstance(step, TextStep | FileStep):
        if not step.optional:
            return []
        skip = "button.clear" if asking.replacing else "button.skip"
        return [[button(t.plain(skip), SkipCb(step=step.name))]]
    if isinstance(step, ChoiceStep):
        buttons = [button(t.plain(option.label), option.data) for option in step.options]
        if step.write_in is not None:
            buttons.append(button(t.plain(step.write_in.label), WriteInCb(step=step.name)))
        return fitted(buttons)
    chosen = _chosen(draft, step)
    rows = fitted([_tick(t, option, chosen) for option in step.options])
    rows.append([button(t.plain("button.done"), DoneCb(step=step.name))])
    return rows


@dataclass(frozen=True)
class Review:
    """Once every step is answered, the draft is shown with Confirm, Change a field and
    Cancel; confirming finishes the wizard. `fields` names the steps that can be changed
    from there (step name → label key)."""

    render: Callable[[Any, Translator], Html]
    confirm_label: str
    fields: Mapping[str, str]
    pick_prompt: str


def review_screen(review: Review, draft: BaseModel, t: Translator) -> Screen:
    markup = keyboard(
        [
            [button(t.plain(review.confirm_label), ReviewCb(action="confirm"))],
            [
                button(t.plain("button.edit_field"), ReviewCb(action="fields")),
                button(t.plain("button.cancel"), ReviewCb(action="cancel")),
            ],
        ]
    )
    return Screen(review.render(draft, t), markup)


def field_picker(review: Review, t: Translator, asked: Collection[str]) -> Screen:
    """The fields that can be changed, among the steps `asked` of this draft."""
    buttons = [
        button(t.plain(label), FieldCb(step=name))
        for name, label in review.fields.items()
        if name in asked
    ]
    rows = fitted(buttons)
    rows.append([button(t.plain("button.back"), ReviewCb(action="back"))])
    return Screen(t(review.pick_prompt), keyboard(rows))


def chosen_labels(t: Translator, options: Sequence[Option]) -> Html:
    """What a question shows once answered: the labels of the options chosen."""
    return Html(f"<b>{', '.join(t(option.label) for option in options)}</b>")


def _tick(t: Translator, option: Option, chosen: list[str]) -> InlineKeyboardButton:
    ticked = option.value in chosen
    mark = TICKED if ticked else UNTICKED
    return button(mark + t.plain(option.label), _shown(option, ticked))


def _shown(option: Option, ticked: bool) -> CallbackData:
    """A checklist option's data as its button carries it, ticked or not."""
    return option.data.model_copy(update={"ticked": ticked})


def _chosen(draft: BaseModel, step: ChecklistStep) -> list[str]:
    return [str(value) for value in getattr(draft, step.field)]


# --- declaring a wizard -----------------------------------------------------------------------

D = TypeVar("D", bound=BaseModel)


@dataclass(frozen=True)
class Begin(Generic[D]):
    """How an entry starts the wizard: with `draft`, at `step` (the first step when None),
    after `lead`; `single_step` asks that one step and then finishes (editing one field)."""

    draft: D
    step: str | None = None
    lead: Html | None = None
    single_step: bool = False
    # Straight to the review (a draft filled in one message).
    at_review: bool = False


# An entry's decision: a Begin, or None when it answered the user itself and nothing starts.
Start = Callable[[Update, CallboardContext], Awaitable[Begin[D] | None]]
# What the wizard does with the complete draft (save it, publish it…): True when the wizard
# is over, False to stay on the step (the draft was refused; the user has been told why).
Finish = Callable[[Update, CallboardContext, D], Awaitable[bool]]
# Values every prompt and error message of a wizard may use (the configured bounds…).
Shared = Callable[[CallboardContext], Mapping[str, object]]


@dataclass(frozen=True)
class CommandEntry(Generic[D]):
    command: str
    start: Start[D]


@dataclass(frozen=True)
class ButtonEntry(Generic[D]):
    """`pattern` recognises the button's callback data (`SomeCb.matches`)."""

    pattern: Callable[[object], bool]
    start: Start[D]


Entry = CommandEntry[D] | ButtonEntry[D]
Handler = BaseHandler[Update, CallboardContext, object]
Callback = Callable[[Update, CallboardContext], Coroutine[Any, Any, object]]


class Wizard(ConversationHandler[CallboardContext]):
    """A declared wizard, registered like any handler.

    A button that starts a wizard ends the others only once the wizard does start: a start
    refused (the mission no longer takes results, say) leaves the wizard under way alone.

    `cancelled` is the catalog key `/cancel` answers with: say whether a draft was thrown
    away ("nothing was saved") or an edit of something existing left it as it was ("nothing
    was changed"). With `review`, the complete draft is shown for confirmation first.
    """

    # Every wizard of the process: starting one ends the others.
    declared: ClassVar[list[Wizard]] = []

    def __init__(
        self,
        *,
        name: str,
        draft: type[D],
        steps: Sequence[Step],
        entries: Sequence[Entry[D]],
        finish: Finish[D],
        cancelled: str,
        review: Review | None = None,
        shared: Shared | None = None,
    ) -> None:
        engine = _Engine(name, draft, steps, finish, cancelled, review, shared)
        with warnings.catch_warnings():
            # PTB warns that buttons of a conversation kept per (chat, user), not per message,
            # may come from any message: the engine checks which message each tap is on.
            warnings.filterwarnings(
                "ignore", message="If 'per_message=False'", category=PTBUserWarning
            )
            super().__init__(
                entry_points=[engine.entry_handler(entry) for entry in entries],
                states=engine.states(),
                fallbacks=[CommandHandler("cancel", engine.cancel)],
                name=name,
                persistent=True,
                allow_reentry=True,
            )
        self.session_key = engine.session_key
        engine.leave_others = self._abandon_others
        Wizard.declared.append(self)

    def _abandon_others(self, update: Update, user_data: dict[str, Any]) -> None:
        for wizard in Wizard.declared:
            if wizard is not self:
                wizard.abandon(update, user_data)

    async def _initialize_persistence(
        self, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> dict[str, TrackingDict[ConversationKey, object]]:
        """Start from the conversations the application stores, and from nothing else: a
        wizard is declared once per process but registered by every application built in it
        (each test, each restart), and PTB would carry over the previous one's."""
        self._conversations = {}
        return await super()._initialize_persistence(application)

    def starts(self, update: Update) -> bool:
        return any(_matches(handler, update) for handler in self.entry_points)

    def abandon(self, update: Update, user_data: dict[str, Any]) -> None:
        """End this wizard for the update's user, dropping its draft."""
        key = self._get_key(update)
        if key in self._conversations:
            self._update_state(self.END, key)
        user_data.pop(self.session_key, None)


# --- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Session(Generic[D]):
    draft: D
    # The newest question (or error message carrying the step's buttons): the only message
    # whose buttons act.
    message_id: int | None = None
    single_step: bool = False
    # A field changed from the review: back to the review once it is answered.
    back_to_review: bool = False


class _Stored(BaseModel):
    """A session as user_data keeps it (JSON, for the persistence)."""

    draft: dict[str, object]
    message_id: int | None = None
    single_step: bool = False
    back_to_review: bool = False


REVIEW = "review"


class _Engine(Generic[D]):
    def __init__(
        self,
        name: str,
        draft: type[D],
        steps: Sequence[Step],
        finish: Finish[D],
        cancelled: str,
        review: Review | None,
        shared: Shared | None,
    ) -> None:
        self.session_key = f"wizard:{name}"
        self.leave_others: Callable[[Update, dict[str, Any]], None] = _stay
        self.review = review
        self.shared = shared
        self.draft_model = draft
        self.steps = steps
        self.finish = finish
        self.cancelled = cancelled
        self.by_name: dict[str, Step] = {}
        # A write-in step stands for its choice when the wizard moves on.
        self.stands_for: dict[str, str] = {}
        self._index(steps)

    def _index(self, steps: Sequence[Step]) -> None:
        for step in steps:
            self._add(step)
            if isinstance(step, ChoiceStep):
                if step.write_in is not None:
                    self._add(step.write_in.step)
                    self.stands_for[step.write_in.step.name] = step.name
                for _, branch in step.branches:
                    self._index(branch)

    def _add(self, step: Step) -> None:
        if step.name in self.by_name or step.name == REVIEW:
            raise ValueError(f"two steps are named {step.name!r}")
        if step.field not in self.draft_model.model_fields:
            raise ValueError(f"{self.draft_model.__name__} has no field {step.field!r}")
        self.by_name[step.name] = step

    # --- the session in user_data ---

    def load(self, context: CallboardContext) -> _Session[D] | None:
        assert context.user_data is not None
        try:
            stored = _Stored.model_validate(context.user_data.get(self.session_key))
            draft = self.draft_model.model_validate(stored.draft)
        except ValidationError:
            return None
        return _Session(draft, stored.message_id, stored.single_step, stored.back_to_review)

    def save(self, context: CallboardContext, session: _Session[D]) -> None:
        assert context.user_data is not None
        context.user_data[self.session_key] = _Stored(
            draft=session.draft.model_dump(mode="json"),
            message_id=session.message_id,
            single_step=session.single_step,
            back_to_review=session.back_to_review,
        ).model_dump()

    def drop(self, context: CallboardContext) -> None:
        assert context.user_data is not None
        context.user_data.pop(self.session_key, None)

    # --- handlers ---

    def entry_handler(self, entry: Entry[D]) -> Handler:
        async def enter(update: Update, context: CallboardContext) -> object:
            begin = await entry.start(update, context)
            if begin is None:
                # Refused: whatever the user was doing (this wizard included) goes on.
                return None
            assert context.user_data is not None
            self.leave_others(update, context.user_data)
            if update.callback_query:
                await update.callback_query.answer()
            session = _Session(begin.draft, single_step=begin.single_step)
            if begin.at_review:
                return await self.show_review(chat_id_of(update), context, session, begin.lead)
            step = self.by_name[begin.step] if begin.step else self.path(begin.draft)[0]
            await self.ask(chat_id_of(update), context, session, step, begin.lead)
            return step.name

        if isinstance(entry, CommandEntry):
            return CommandHandler(entry.command, enter)
        return CallbackQueryHandler(enter, pattern=entry.pattern)

    def states(self) -> dict[object, list[Handler]]:
        states: dict[object, list[Handler]] = {
            name: self._handlers(step) for name, step in self.by_name.items()
        }
        if self.review is not None:
            actions = [ReviewCb(action=a) for a in ("confirm", "fields", "cancel", "back")]
            fields = [FieldCb(step=name) for name in self.review.fields]
            states[REVIEW] = [
                _buttons(actions, self.on_review),
                _buttons(fields, self.on_field),
                MessageHandler(ANSWER_OTHER, self.on_not_button_at_review),
            ]
        return states

    def shared_values(self, context: CallboardContext) -> Mapping[str, object]:
        return self.shared(context) if self.shared else {}

    def _handlers(self, step: Step) -> list[Handler]:
        handlers = self._step_handlers(step)
        if self.review is not None:
            handlers.append(_buttons([ReviewCb(action="back")], self.on_back_to_review))
        return handlers

    def _step_handlers(self, step: Step) -> list[Handler]:
        if isinstance(step, MessageStep):
            return [MessageHandler(ANSWER_OTHER, _bound(self.on_message, step))]
        if isinstance(step, TextStep | FileStep):
            handlers = self._message_handlers(step)
            if step.optional:
                handlers.append(_buttons([SkipCb(step=step.name)], _bound(self.on_skip, step)))
            return handlers
        handlers = [MessageHandler(ANSWER_OTHER, _bound(self.on_not_button, step))]
        if isinstance(step, ChoiceStep):
            handlers.append(_buttons(_data_of(step.options), _bound(self.on_choice, step)))
            if step.write_in is not None:
                handlers.append(
                    _buttons([WriteInCb(step=step.name)], _bound(self.on_write_in, step))
                )
            return handlers
        both = [_shown(option, ticked) for option in step.options for ticked in (False, True)]
        handlers.append(_buttons(both, _bound(self.on_toggle, step)))
        handlers.append(_buttons([DoneCb(step=step.name)], _bound(self.on_done, step)))
        return handlers

    def _message_handlers(self, step: Skippable) -> list[Handler]:
        """What answers the step, then what gets a hint of what would."""
        if isinstance(step, TextStep):
            return [
                MessageHandler(ANSWER_TEXT, _bound(self.on_text, step)),
                MessageHandler(ANSWER_OTHER, _bound(self.on_not_text, step)),
            ]
        return [
            MessageHandler(ANSWER_FILE, _bound(self.on_file, step)),
            MessageHandler(ANSWER_OTHER, _bound(self.on_not_file, step)),
        ]

    async def on_text(self, step: TextStep, update: Update, context: CallboardContext) -> object:
        message = update.message
        assert message is not None and message.text is not None
        session = await self._session_for_message(update, context)
        if session is None:
            return END
        try:
            value = step.parse(message.text, context)
            if step.check is not None:
                await step.check(value, session.draft, context)
        except Invalid as exc:
            # An optional step's error carries its Skip button, so the way out is in view.
            markup = step_keyboard(step, session.draft, context.t, self._asking(session, step))
            values = {**self.shared_values(context), **exc.values}
            sent = await message.reply_text(
                _with_try_again(context.t, context.t(exc.key, **values), markup),
                reply_markup=markup,
            )
            self._remember(context, session, sent, markup)
            return None
        return await self.answer(update, context, session, step, value)

    async def on_not_text(
        self, step: TextStep, update: Update, context: CallboardContext
    ) -> object:
        """A photo or a sticker where text is expected: say so and stay on the step."""
        return await self._hint(step, update, context, "wizard.text_expected")

    async def on_file(self, step: FileStep, update: Update, context: CallboardContext) -> object:
        return await self._answer_from_message(step, update, context, _proof)

    async def on_message(
        self, step: MessageStep, update: Update, context: CallboardContext
    ) -> object:
        return await self._answer_from_message(step, update, context, _message_id)

    async def _answer_from_message(
        self,
        step: FileStep | MessageStep,
        update: Update,
        context: CallboardContext,
        read: Callable[[Message], object],
    ) -> object:
        """The step's answer is what `read` takes from the message."""
        message = update.message
        assert message is not None
        session = await self._session_for_message(update, context)
        if session is None:
            return END
        return await self.answer(update, context, session, step, read(message))

    async def on_not_file(
        self, step: FileStep, update: Update, context: CallboardContext
    ) -> object:
        """Text, a sticker or a video where a file is expected: say which files are, and stay
        on the step."""
        return await self._hint(step, update, context, "wizard.file_expected")

    async def _hint(
        self, step: Skippable, update: Update, context: CallboardContext, key: str
    ) -> object:
        """Say what the step expects; the hint carries the Skip button of an optional step."""
        session = await self._session_for_message(update, context)
        if session is None:
            return END
        markup = step_keyboard(step, session.draft, context.t, self._asking(session, step))
        sent = await context.bot.send_message(
            chat_id_of(update), context.t(key), reply_markup=markup
        )
        self._remember(context, session, sent, markup)
        return None

    async def on_not_button(self, step: Step, update: Update, context: CallboardContext) -> object:
        """A message where a button is expected: a choice's label typed out is that choice;
        anything else asks again, and the new question's buttons are now the only ones
        that act."""
        session = await self._session_for_message(update, context)
        if session is None:
            return END
        text = update.message.text if update.message else None
        if isinstance(step, ChoiceStep) and text:
            typed = typed_option(text, step.options, context.t)
            if typed is not None:
                return await self.answer(update, context, session, step, typed.value)
        hint = context.t("wizard.use_buttons")
        await self.ask(chat_id_of(update), context, session, step, hint)
        return None

    async def on_skip(self, step: Skippable, update: Update, context: CallboardContext) -> object:
        session = await self._tapped_once(update, context, tapped_label(update))
        if session is None:
            return None
        default = self.draft_model.model_fields[step.field].get_default(call_default_factory=True)
        return await self.answer(update, context, session, step, default)

    async def on_choice(
        self, step: ChoiceStep, update: Update, context: CallboardContext
    ) -> object:
        option = _tapped_option(update, step.options)
        session = await self._tapped_once(update, context, chosen_labels(context.t, [option]))
        if session is None:
            return None
        return await self.answer(update, context, session, step, option.value)

    async def on_write_in(
        self, step: ChoiceStep, update: Update, context: CallboardContext
    ) -> object:
        session = await self._tapped_once(update, context)
        if session is None or step.write_in is None:
            return None
        await self.ask(chat_id_of(update), context, session, step.write_in.step)
        return step.write_in.step.name

    async def on_toggle(
        self, step: ChecklistStep, update: Update, context: CallboardContext
    ) -> object:
        query = update.callback_query
        assert query is not None
        option, was_ticked = _tapped_toggle(update, step.options)
        session = await self._session_for_tap(update, context)
        if session is None:
            return None
        chosen = _chosen(session.draft, step)
        value = str(option.value)
        if (value in chosen) != was_ticked:
            return None  # the same button tapped again: the first tap already did it
        toggled = [v for v in chosen if v != value] if was_ticked else [*chosen, value]
        session = self._with(session, step.field, toggled)
        self.save(context, session)
        await query.answer()
        markup = step_keyboard(step, session.draft, context.t, self._asking(session, step))
        await query.edit_message_reply_markup(markup)
        return None

    async def on_done(
        self, step: ChecklistStep, update: Update, context: CallboardContext
    ) -> object:
        query = update.callback_query
        assert query is not None
        session = await self._session_for_tap(update, context)
        if session is None:
            return None
        try:
            selection = list(step.validate(_chosen(session.draft, step)))
        except Invalid as exc:
            await query.answer(context.t.plain(exc.key, **exc.values), show_alert=True)
            return None
        ticked = [option for option in step.options if str(option.value) in selection]
        if not await close_with_outcome(update, chosen_labels(context.t, ticked)):
            return None
        return await self.answer(update, context, session, step, selection)

    async def cancel(self, update: Update, context: CallboardContext) -> object:
        """End the wizard; while a field is being changed from the review, only that change
        is given up and the review comes back as it was."""
        session = self.load(context)
        if session is not None and session.back_to_review:
            unchanged = replace(session, back_to_review=False)
            lead = context.t("cancel.done")
            return await self.show_review(chat_id_of(update), context, unchanged, lead)
        self.drop(context)
        await context.bot.send_message(chat_id_of(update), context.t(self.cancelled))
        return END

    async def on_review(self, update: Update, context: CallboardContext) -> object:
        query = update.callback_query
        assert query is not None and self.review is not None
        tapped = ReviewCb.unpack(query.data)
        session = await self._tapped_once(update, context)
        if session is None or tapped is None:
            return None
        if tapped.action == "cancel":
            return await self.cancel(update, context)
        if tapped.action == "confirm":
            return await self.conclude(update, context, session)
        if tapped.action == "back":
            return await self.show_review(chat_id_of(update), context, session)
        asked = [step.name for step in self.path(session.draft)]
        screen = field_picker(self.review, context.t, asked)
        sent = await context.bot.send_message(
            chat_id_of(update), screen.text, reply_markup=screen.markup
        )
        self.save(context, replace(session, message_id=sent.message_id))
        return None

    async def on_field(self, update: Update, context: CallboardContext) -> object:
        query = update.callback_query
        assert query is not None
        tapped = FieldCb.unpack(query.data)
        session = await self._tapped_once(update, context, tapped_label(update))
        if session is None or tapped is None:
            return None
        step = self.by_name[tapped.step]
        if step.name not in {asked.name for asked in self.path(session.draft)}:
            # A field this draft does not have (a forged tap): the review stays as it was.
            return await self.show_review(chat_id_of(update), context, session)
        await self.ask(chat_id_of(update), context, replace(session, back_to_review=True), step)
        return step.name

    async def on_back_to_review(self, update: Update, context: CallboardContext) -> object:
        """The field being changed from the review is left as it was."""
        session = await self._tapped_once(update, context)
        if session is None:
            return None
        unchanged = replace(session, back_to_review=False)
        return await self.show_review(chat_id_of(update), context, unchanged)

    async def on_not_button_at_review(self, update: Update, context: CallboardContext) -> object:
        session = await self._session_for_message(update, context)
        if session is None:
            return END
        hint = context.t("wizard.use_buttons")
        return await self.show_review(chat_id_of(update), context, session, hint)

    # --- moving on ---

    async def answer(
        self,
        update: Update,
        context: CallboardContext,
        session: _Session[D],
        step: Step,
        value: object,
    ) -> object:
        """Store the step's answer and move on. A field changed from the review goes back
        to it, unless the answer changed which steps the draft goes through: then the
        wizard asks again from there, so that no step the draft now needs is left out."""
        answered = replace(self._with(session, step.field, value), back_to_review=False)
        if session.back_to_review and self._same_path(session.draft, answered.draft):
            return await self.show_review(chat_id_of(update), context, answered)
        return await self.advance(update, context, answered, step)

    def _same_path(self, before: D, after: D) -> bool:
        return [s.name for s in self.path(before)] == [s.name for s in self.path(after)]

    async def advance(
        self, update: Update, context: CallboardContext, session: _Session[D], step: Step
    ) -> object:
        """The step's answer is in the draft: ask the next step, or review, or finish."""
        chat_id = chat_id_of(update)
        following = None if session.single_step else self._after(step, session.draft)
        if following is not None:
            await self.ask(chat_id, context, session, following)
            return following.name
        if self.review is not None and not session.single_step:
            return await self.show_review(chat_id, context, session)
        return await self.conclude(update, context, session)

    async def conclude(
        self, update: Update, context: CallboardContext, session: _Session[D]
    ) -> object:
        """Hand the complete draft over; if it is refused, stay where the wizard is."""
        if await self.finish(update, context, session.draft):
            self.drop(context)
            return END
        self.save(context, session)
        return None

    async def show_review(
        self,
        chat_id: int,
        context: CallboardContext,
        session: _Session[D],
        lead: Html | None = None,
    ) -> object:
        assert self.review is not None
        screen = review_screen(self.review, session.draft, context.t)
        text = Html(f"{lead}\n\n{screen.text}") if lead else screen.text
        sent = await context.bot.send_message(chat_id, text, reply_markup=screen.markup)
        self.save(context, replace(session, message_id=sent.message_id))
        return REVIEW

    def _after(self, step: Step, draft: D) -> Step | None:
        name = self.stands_for.get(step.name, step.name)
        names = [s.name for s in self.path(draft)]
        position = names.index(name)
        return self.by_name[names[position + 1]] if position + 1 < len(names) else None

    def path(self, draft: D) -> list[Step]:
        """The steps this draft goes through, its answers so far choosing the branches."""
        return _path(self.steps, draft)

    async def ask(
        self,
        chat_id: int,
        context: CallboardContext,
        session: _Session[D],
        step: Step,
        lead: Html | None = None,
    ) -> None:
        shared = self.shared_values(context)
        asking = self._asking(session, step)
        screen = question(step, session.draft, context.t, lead, shared, asking)
        sent = await context.bot.send_message(chat_id, screen.text, reply_markup=screen.markup)
        self.save(context, replace(session, message_id=sent.message_id))

    def _asking(self, session: _Session[D], step: Step) -> Asking:
        filled = getattr(session.draft, step.field, None) is not None
        return Asking(
            replacing=session.single_step or (session.back_to_review and filled),
            from_review=session.back_to_review,
        )

    def _remember(
        self,
        context: CallboardContext,
        session: _Session[D],
        sent: Message,
        markup: InlineKeyboardMarkup | None,
    ) -> None:
        """A message carrying the step's buttons becomes the one whose buttons act."""
        if markup is not None:
            self.save(context, replace(session, message_id=sent.message_id))

    def _with(self, session: _Session[D], name: str, value: object) -> _Session[D]:
        """The session with one field of its draft set, validated by the draft's model."""
        values = {**session.draft.model_dump(), name: value}
        return replace(session, draft=self.draft_model.model_validate(values))

    # --- which updates are acted on ---

    async def _session_for_message(
        self, update: Update, context: CallboardContext
    ) -> _Session[D] | None:
        """The session; without one (its draft lost or from an older version) the wizard
        cannot go on, which the user is told."""
        session = self.load(context)
        if session is None:
            await refuse(update, context)
        return session

    async def _session_for_tap(
        self, update: Update, context: CallboardContext
    ) -> _Session[D] | None:
        """The session if the tapped button is on the newest wizard message; otherwise the tap
        is refused and changes nothing."""
        session = self.load(context)
        query = update.callback_query
        assert query is not None
        tapped = query.message.message_id if query.message else None
        if session is None or tapped is None or tapped != session.message_id:
            await refuse(update, context)
            return None
        return session

    async def _tapped_once(
        self, update: Update, context: CallboardContext, answer: Html | None = None
    ) -> _Session[D] | None:
        """As `_session_for_tap`, for a button that answers the step: its keyboard is taken
        away, so that a repeated tap does nothing; the `answer`, if any, stays in its place."""
        session = await self._session_for_tap(update, context)
        if session is None:
            return None
        closed = (
            await close_keyboard(update)
            if answer is None
            else await close_with_outcome(update, answer)
        )
        return session if closed else None


def _stay(update: Update, user_data: dict[str, Any]) -> None:
    """Until registered, a wizard has no others to end."""


def _path(steps: Sequence[Step], draft: BaseModel) -> list[Step]:
    path: list[Step] = []
    for step in steps:
        if step.when is not None and not step.when(draft):
            continue
        path.append(step)
        if isinstance(step, ChoiceStep):
            answer = getattr(draft, step.field)
            for value, branch in step.branches:
                if value == answer:
                    path += _path(branch, draft)
    return path


S = TypeVar("S")


def _bound(
    method: Callable[[S, Update, CallboardContext], Coroutine[Any, Any, object]], step: S
) -> Callback:
    async def callback(update: Update, context: CallboardContext) -> object:
        return await method(step, update, context)

    return callback


def _buttons(shown: Sequence[CallbackData], callback: Callback) -> Handler:
    """A handler for exactly these buttons: only the buttons a step shows are acted on."""
    packed = frozenset(data.pack() for data in shown)
    return CallbackQueryHandler(callback, pattern=lambda tapped: tapped in packed)


def _proof(message: Message) -> Proof:
    """The file a message carries (`ANSWER_FILE` let only those through); of a photo, its
    largest size."""
    if message.photo:
        return Proof(kind=ProofKind.PHOTO, file_id=message.photo[-1].file_id)
    kind, media = next(
        (kind, media)
        for kind in (ProofKind.DOCUMENT, ProofKind.VOICE, ProofKind.AUDIO)
        if (media := getattr(message, kind.value)) is not None
    )
    return Proof(kind=kind, file_id=media.file_id)


def _message_id(message: Message) -> int:
    """What a message step keeps: the message, to be copied as it was sent."""
    return message.message_id


def _data_of(options: Sequence[Option]) -> list[CallbackData]:
    return [option.data for option in options]


def _tapped_option(update: Update, options: Sequence[Option]) -> Option:
    query = update.callback_query
    assert query is not None
    return next(option for option in options if option.data.pack() == query.data)


def _tapped_toggle(update: Update, options: Sequence[Option]) -> tuple[Option, bool]:
    """The checklist option tapped, and whether its button showed it ticked."""
    query = update.callback_query
    assert query is not None
    return next(
        (option, ticked)
        for option in options
        for ticked in (False, True)
        if _shown(option, ticked).pack() == query.data
    )


def _matches(handler: BaseHandler[Update, Any, Any], update: Update) -> bool:
    return handler.check_update(update) not in (None, False)


def one_wizard_at_a_time(
    wizards: Sequence[Wizard], diversions: Sequence[BaseHandler[Update, Any, Any]]
) -> Callable[[Update, CallboardContext], Coroutine[Any, Any, None]]:
    """A guard callback: on a command or a wizard-starting (or diverting) button, end the
    wizards that this update does not start."""

    async def switch(update: Update, context: CallboardContext) -> None:
        if context.user_data is None or not _turns_elsewhere(update, wizards, diversions):
            return
        for wizard in wizards:
            if not wizard.starts(update):
                wizard.abandon(update, context.user_data)

    return switch


def _turns_elsewhere(
    update: Update, wizards: Sequence[Wizard], diversions: Sequence[BaseHandler[Update, Any, Any]]
) -> bool:
    command = command_name(update)
    if command is not None:
        return command not in KEEPS_WIZARDS
    if update.callback_query is None:
        return False
    # A button that starts a wizard ends the others itself, once the start is accepted.
    return any(_matches(handler, update) for handler in diversions)


def _with_try_again(t: Translator, error: Html, markup: InlineKeyboardMarkup | None) -> Html:
    """Every refused answer ends the same way, saying the step still waits for one (and,
    when the step has buttons, that they are another way on)."""
    again = t("wizard.try_again_or_button" if markup else "wizard.try_again")
    # An error written as a question ("…like 06 12 34 56 78:") would read as two prompts.
    return Html(f"{error.rstrip().removesuffix(':').rstrip()}\n{again}")
