"""In-memory Bot API core shared by the in-process request and the loopback HTTP server."""

from __future__ import annotations

import copy
import itertools
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .models import JSON, MEDIA_KINDS, FakeMessage, file_id_for, media_json
from .validate import (
    ApiError,
    bad,
    bool_param,
    canonical_scope,
    caption_text,
    commands_param,
    decode_params,
    int_param,
    json_param,
    message_text,
    reply_markup,
    scope_key,
)

Files = dict[str, bytes]
Method = Callable[[dict[str, str], Files], Any]
SEND_METHODS = frozenset({"sendMessage", "copyMessage"} | {f"send{k.title()}" for k in MEDIA_KINDS})
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
# Sends with this parameter are charged in Stars and limited apart from the free ones.
PAID = "allow_paid_broadcast"
PAID_PER_SECOND = 1000
# The emoji a bot may react with (ReactionTypeEmoji), written as the Bot API lists them:
# without the variation selector, which Telegram refuses ("❤️" is REACTION_INVALID); the
# joined ones escaped, their joiner being invisible.
REACTION_EMOJI = frozenset(
    {
        "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩",
        "🤮", "💩", "🙏", "👌", "🕊", "🤡", "🥱", "🥴", "😍", "🐳", "\u2764\u200d\U0001f525",
        "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾", "💋", "🖕",
        "😈", "😴", "😭", "🤓", "👻", "\U0001f468\u200d\U0001f4bb", "👀", "🎃", "🙈", "😇",
        "😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉",
        "🦄", "😘", "💊", "🙊", "😎", "👾", "\U0001f937\u200d\u2642", "🤷",
        "\U0001f937\u200d\u2640", "😡",
    }
)  # fmt: skip
# Reactions a bot without Telegram Premium may set on one message at once.
MAX_REACTIONS = 1
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class _Chat:
    user: JSON
    messages: dict[int, FakeMessage] = field(default_factory=dict)
    next_id: int = 1
    # Telegram only knows a private chat once the user has written to the bot.
    started: bool = False

    def json(self) -> JSON:
        keys = ("id", "first_name", "username")
        return {"type": "private", **{k: self.user[k] for k in keys if k in self.user}}


@dataclass
class _Queued:
    update: JSON
    delivered: bool = False


@dataclass
class _Fault:
    target: str | int | None
    remaining: int
    error: ApiError


class FakeTelegram:
    """Strict fake of the Telegram Bot API for one bot and its private chats."""

    def __init__(
        self, token: str = "123456:TEST-TOKEN", bot_username: str = "callboard_test_bot"
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.bot_username = bot_username
        self.bot_user: JSON = {
            "id": self.bot_id, "is_bot": True, "first_name": "Callboard", "username": bot_username,
        }  # fmt: skip
        self.calls: list[tuple[str, JSON]] = []
        self.per_chat_limit: float | None = None
        # Messages a second across all chats (Telegram: about 30), counted over the last
        # second; paid broadcasts count apart, at up to PAID_PER_SECOND. None: no limit.
        self.overall_limit: int | None = None
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        self._wake_generation = 0
        self._chats: dict[int, _Chat] = {}
        self._blocked: set[int] = set()
        self._pending: list[_Queued] = []
        self._next_update_id = 1
        self._counter = itertools.count(1)
        self._open_queries: dict[str, int] = {}
        # Every callback query ever sent to the bot, with how many times the bot answered it
        # (refused second answers included): each must end at exactly one.
        self._answer_counts: dict[str, int] = {}
        self._answers: dict[int, list[JSON]] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._files: set[str] = set()
        self._floods: list[_Fault] = []
        self._failures: list[_Fault] = []
        self._last_send: dict[int, float] = {}
        # When the sends of the last second were accepted: free ones, and paid ones.
        self._recent_sends: dict[bool, deque[float]] = {False: deque(), True: deque()}
        self._successes: list[str] = []
        # Every call refused with an error (method, description), injected faults included.
        self.refusals: list[tuple[str, str]] = []
        # Every inline keyboard the bot sent or edited in, as its rows of labels.
        self.inline_keyboards: list[list[list[str]]] = []
        self._webhook_url = ""
        self._methods: dict[str, tuple[str, Method]] = {
            name.lower(): (name, impl) for name, impl in self._method_table().items()
        }

    def _method_table(self) -> dict[str, Method]:
        media = {f"send{kind.title()}": partial(self._send_media, kind) for kind in MEDIA_KINDS}
        constant = partial(self._constant, True)
        return {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info, "logOut": constant, "close": constant,
            "setMyCommands": self._set_commands, "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands, "sendMessage": self._send_message,
            "editMessageText": self._edit_text, "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": self._edit_markup, "deleteMessage": self._delete,
            "answerCallbackQuery": self._answer_query, "sendChatAction": self._chat_action,
            "copyMessage": self._copy_message, "setMessageReaction": self._set_reaction,
            **media,
        }  # fmt: skip

    # ----------------------------------------------------------------- wire entry point

    def handle(
        self, token: str, method: str, params: dict[str, str], files: Files | None = None
    ) -> tuple[int, JSON]:
        """Run one Bot API call given wire-format params; returns (HTTP status, JSON body)."""
        with self._lock:
            if token != self.token:
                return 401, ApiError(401, "Unauthorized").payload()
            entry = self._methods.get(method.lower())
            if entry is None:
                return 404, ApiError(404, "Not Found").payload()
            name, impl = entry
            self.calls.append((name, {**decode_params(params), **(files or {})}))
            try:
                self._inject_faults(name, params)
                result = impl(params, files or {})
            except ApiError as exc:
                self.refusals.append((name, exc.description))
                return exc.status, exc.payload()
            self._successes.append(name)
            chat_id = _chat_id_of(params)
            if name in SEND_METHODS and chat_id is not None:
                self._last_send[chat_id] = time.monotonic()
                self._recent_sends[bool_param(params, PAID)].append(time.monotonic())
            return 200, {"ok": True, "result": result}

    def _inject_faults(self, name: str, params: dict[str, str]) -> None:
        self._failures = [f for f in self._failures if f.remaining > 0]
        self._floods = [f for f in self._floods if f.remaining > 0]
        _trip(self._failures, lambda f: f.target == name.lower())
        if name not in SEND_METHODS | EDIT_METHODS:
            return
        chat_id = _chat_id_of(params)
        _trip(self._floods, lambda f: f.target in (None, chat_id))
        last = self._last_send.get(chat_id) if chat_id is not None else None
        limit = self.per_chat_limit
        if name in SEND_METHODS and limit and last and time.monotonic() - last < 1 / limit:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if name in SEND_METHODS and self.overall_limit:
            self._check_overall_rate(bool_param(params, PAID))

    def _check_overall_rate(self, paid: bool) -> None:
        recent = self._recent_sends[paid]
        now = time.monotonic()
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= (PAID_PER_SECOND if paid else self.overall_limit or 0):
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)

    # ----------------------------------------------------------------- fault injection

    def set_flood(self, chat_id: int | None, *, retry_after: int = 1, times: int = 1) -> None:
        """Make the next ``times`` send/edit calls to ``chat_id`` (None: any chat) get 429."""
        error = ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        with self._lock:
            self._floods.append(_Fault(chat_id, times, error))

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        description: str = "Internal Server Error",
    ) -> None:
        retry_after = 1 if status == 429 else None
        with self._lock:
            self._failures.append(
                _Fault(method.lower(), times, ApiError(status, description, retry_after))
            )

    # ----------------------------------------------------------------- users and updates

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ) -> JSON:
        """`started`: the user wrote to the bot before (the bot may send to them), without
        an update to process; for benchmarks that seed thousands of users."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        with self._lock:
            chat = self._chats.setdefault(user_id, _Chat(user=user))
            chat.user = user
            chat.started = chat.started or started
        return dict(user)

    def block(self, user_id: int) -> None:
        with self._lock:
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        with self._lock:
            self._blocked.discard(user_id)

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        reply_to_message_id: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """`entities`: the formatting the user's client applied (bold, links…), as Telegram
        sends it; a leading /command is marked on top of them."""
        marked = _commands(text) + list(entities or [])
        return self._user_message(
            user_id, "text", reply_to_message_id, text=text, html=text, entities=marked
        )

    def user_sends_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        caption_entities: list[JSON] | None = None,
    ) -> JSON:
        return self._user_media(user_id, "photo", caption, reply_to_message_id, caption_entities)

    def user_sends_document(
        self,
        user_id: int,
        file_name: str = "file.pdf",
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        caption_entities: list[JSON] | None = None,
    ) -> JSON:
        return self._user_media(
            user_id, "document", caption, reply_to_message_id, caption_entities, file_name
        )

    def user_sends_voice(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        caption_entities: list[JSON] | None = None,
    ) -> JSON:
        return self._user_media(user_id, "voice", caption, reply_to_message_id, caption_entities)

    def _user_media(
        self,
        user_id: int,
        kind: str,
        caption: str | None,
        reply_to: int | None,
        caption_entities: list[JSON] | None = None,
        file_name: str = "file",
    ) -> JSON:
        file_id = file_id_for(kind, f"user-{user_id}-{next(self._counter)}")
        media = media_json(kind, file_id, file_name)
        return self._user_message(
            user_id, kind, reply_to, caption=caption, html=caption, file_id=file_id, media=media,
            entities=list(caption_entities or []),
        )  # fmt: skip

    def _user_message(self, user_id: int, kind: str, reply_to: int | None, **fields: Any) -> JSON:
        with self._lock:
            chat = self._user_chat(user_id)
            replied = None
            if reply_to is not None:
                replied = chat.messages.get(reply_to)
                if replied is None:
                    raise ValueError(f"message {reply_to} does not exist in chat {user_id}")
            chat.started = True
            message = self._append(chat, from_bot=False, kind=kind, reply_to=replied, **fields)
            return self._queue({"message": message.to_json()})

    def user_edits_text(self, user_id: int, message_id: int, text: str) -> JSON:
        """Edit one of the user's own text messages, as Telegram's clients allow."""
        with self._lock:
            chat = self._user_chat(user_id)
            message = chat.messages.get(message_id)
            if message is None or message.from_bot or message.kind != "text":
                raise ValueError(f"no text message {message_id} of user {user_id}")
            message.text = message.html = text
            message.entities = _commands(text)
            message.edited = True
            message.edit_date = int(time.time())
            return self._queue({"edited_message": message.to_json()})

    def user_deletes(self, user_id: int, message_id: int) -> None:
        """Delete a message of the chat for both sides, as a user may; Telegram tells the bot
        nothing of it in a private chat."""
        with self._lock:
            if self._user_chat(user_id).messages.pop(message_id, None) is None:
                raise ValueError(f"no message {message_id} in chat {user_id}")

    def queue_update(self, payload: JSON) -> JSON:
        """Queue an update of any kind (a poll, a chat member change, a channel post...),
        given without its update_id."""
        with self._lock:
            return self._queue(payload)

    def user_taps(
        self, user_id: int, message_id: int, callback_data: str, *, forged: bool = False
    ) -> JSON:
        """Press an inline button that is currently shown; refuses buttons that are not,
        unless `forged` (a modified client sending any data it likes for that message)."""
        with self._lock:
            chat = self._user_chat(user_id)
            message = chat.messages.get(message_id)
            if message is None or not message.from_bot:
                raise ValueError(f"no bot message {message_id} in chat {user_id}")
            shown = [data for _, data, _ in message.buttons() if data]
            if not forged and callback_data not in shown:
                raise ValueError(f"message {message_id} has no button {callback_data!r}")
            query_id = str(10**15 + next(self._counter))
            self._open_queries[query_id] = user_id
            self._answer_counts[query_id] = 0
            query = {
                "id": query_id, "from": chat.user, "message": message.to_json(),
                "chat_instance": f"{self.bot_id}{user_id}", "data": callback_data,
            }  # fmt: skip
            return self._queue({"callback_query": query})

    def duplicate_update(self, update: JSON) -> None:
        """Queue ``update`` again with the same update_id, as Telegram does on redelivery."""
        with self._lock:
            self._pending.append(_Queued(copy.deepcopy(update)))
            self._arrived.notify_all()

    def take_updates(self) -> list[JSON]:
        with self._lock:
            taken, self._pending = self._pending, []
            return [entry.update for entry in taken]

    def wake_waiters(self) -> None:
        """End every pending long poll now (used when the HTTP server stops)."""
        with self._lock:
            self._wake_generation += 1
            self._arrived.notify_all()

    def _user_chat(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            raise ValueError(f"unknown user {user_id}; call add_user() first")
        if user_id in self._blocked:
            raise ValueError(f"user {user_id} blocked the bot; call unblock() first")
        return chat

    def _queue(self, payload: JSON) -> JSON:
        # Copies keep callers and the bot from mutating the fake's own user and chat dicts.
        update = copy.deepcopy({"update_id": self._next_update_id, **payload})
        self._next_update_id += 1
        self._pending.append(_Queued(update))
        self._arrived.notify_all()
        return copy.deepcopy(update)

    def _append(self, chat: _Chat, *, from_bot: bool, kind: str, **fields: Any) -> FakeMessage:
        replied: FakeMessage | None = fields.pop("reply_to", None)
        values: JSON = {
            "text": None, "caption": None, "html": None, "file_id": None, "reply_markup": None,
            **fields,
        }  # fmt: skip
        message = FakeMessage(
            message_id=chat.next_id,
            chat_id=chat.user["id"],
            from_bot=from_bot,
            kind=kind,
            reply_to_message_id=replied.message_id if replied else None,
            date=int(time.time()),
            chat=chat.json(),
            sender=self.bot_user if from_bot else chat.user,
            reply_to=replied,
            **values,
        )
        chat.next_id += 1
        chat.messages[message.message_id] = message
        self._record_keyboard(message.reply_markup)
        self._remember_files(message.media)
        return message

    def _record_keyboard(self, markup: JSON | None) -> None:
        if markup and "inline_keyboard" in markup:
            rows = [[key["text"] for key in row] for row in markup["inline_keyboard"]]
            self.inline_keyboards.append(rows)

    def _remember_files(self, media: Any) -> None:
        for item in media if isinstance(media, list) else [media] if media else []:
            self._files.add(item["file_id"])

    # ----------------------------------------------------------------- inspection

    def messages(self, chat_id: int) -> list[FakeMessage]:
        with self._lock:
            chat = self._chats.get(chat_id)
            return list(chat.messages.values()) if chat else []

    def bot_messages(self, chat_id: int) -> list[FakeMessage]:
        return [m for m in self.messages(chat_id) if m.from_bot]

    def last_bot_message(self, chat_id: int) -> FakeMessage | None:
        sent = self.bot_messages(chat_id)
        return sent[-1] if sent else None

    def callback_answers(self, user_id: int) -> list[JSON]:
        with self._lock:
            return list(self._answers.get(user_id, []))

    def answer_counts(self) -> dict[str, int]:
        """How many times the bot answered each callback query it was sent (0 if never)."""
        with self._lock:
            return dict(self._answer_counts)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        with self._lock:
            return list(self._commands.get((canonical_scope(scope), language_code), []))

    def sent_count(self, method: str | None = None) -> int:
        """Successful calls of ``method``; with None, successful sends of any kind."""
        with self._lock:
            if method is None:
                return sum(name in SEND_METHODS for name in self._successes)
            return sum(name.lower() == method.lower() for name in self._successes)

    # ----------------------------------------------------------------- chats and messages

    def _chat(self, params: dict[str, str], key: str = "chat_id", *, send: bool = True) -> _Chat:
        raw = params.get(key, "")
        if not raw:
            raise bad(f"{key} is empty")
        try:
            chat = self._chats.get(int(raw))
        except ValueError:
            chat = None
        if chat is None or not chat.started:
            raise bad("chat not found")
        if send and chat.user["id"] in self._blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def _reply_target(self, chat: _Chat, params: dict[str, str]) -> FakeMessage | None:
        reply = json_param(params, "reply_parameters", "reply parameters")
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                raise bad("can't parse reply parameters JSON object")
            message_id = reply["message_id"]
            allow = bool(reply.get("allow_sending_without_reply"))
        elif "reply_to_message_id" in params:
            message_id = int_param(params, "reply_to_message_id")
            allow = bool_param(params, "allow_sending_without_reply")
        else:
            return None
        found = chat.messages.get(message_id)
        if found is None and not allow:
            raise bad("message to be replied not found")
        return found

    def _source(self, params: dict[str, str], missing: str) -> FakeMessage:
        chat = self._chat(params, "from_chat_id", send=False)
        message = chat.messages.get(int_param(params, "message_id"))
        if message is None:
            raise bad(missing)
        return message

    def _editable(self, params: dict[str, str]) -> FakeMessage:
        if "inline_message_id" in params:
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat(params, send=False)
        message = chat.messages.get(int_param(params, "message_id"))
        if message is None:
            raise bad("message to edit not found")
        if not message.from_bot:
            raise bad("message can't be edited")
        return message

    def _apply_edit(self, message: FakeMessage, markup: JSON | None, **content: Any) -> JSON:
        same = all(getattr(message, key) == value for key, value in content.items())
        if same and message.inline_markup() == markup:
            raise bad(NOT_MODIFIED)
        for key, value in content.items():
            setattr(message, key, value)
        # Telegram drops the inline keyboard when an edit does not repeat it.
        message.reply_markup = markup
        self._record_keyboard(markup)
        message.edited = True
        message.edit_date = int(time.time())
        return message.to_json()

    def _media_file(self, kind: str, params: dict[str, str], files: Files) -> str:
        value = params.get(kind)
        content = None
        if value is None:
            content = files.get(kind)
        elif value.startswith("attach://"):
            content = files.get(value.removeprefix("attach://"))
        if content is not None:
            if not content:
                raise bad("file must be non-empty")
            return file_id_for(kind, content)
        if not value:
            raise bad(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return file_id_for(kind, value)
        if value not in self._files:
            raise bad("wrong file identifier/HTTP URL specified")
        return value

    # ----------------------------------------------------------------- Bot API methods

    @staticmethod
    def _constant(value: Any, params: dict[str, str], files: Files) -> Any:
        return value

    def _get_me(self, params: dict[str, str], files: Files) -> JSON:
        return {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        }  # fmt: skip

    def _get_updates(self, params: dict[str, str], files: Files) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        limit = min(max(int_param(params, "limit", 100), 1), 100)
        self._confirm(int_param(params, "offset", 0))
        # Fractional timeouts are accepted so tests can long-poll for a fraction of a second.
        timeout = params.get("timeout") or "0"
        if not re.fullmatch(r"\d+(?:\.\d+)?", timeout):
            raise bad("invalid timeout specified")
        self._wait_for_updates(float(timeout))
        batch = self._pending[:limit]
        for entry in batch:
            entry.delivered = True
        return [copy.deepcopy(entry.update) for entry in batch]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
            return
        # Undelivered entries survive: a redelivered duplicate must reach the bot once more.
        self._pending = [
            e for e in self._pending if not (e.delivered and e.update["update_id"] < offset)
        ]

    def _wait_for_updates(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        generation = self._wake_generation
        while not self._pending and generation == self._wake_generation:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._arrived.wait(remaining)

    def _set_webhook(self, params: dict[str, str], files: Files) -> bool:
        url = params.get("url", "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        return True

    def _delete_webhook(self, params: dict[str, str], files: Files) -> bool:
        self._webhook_url = ""
        if bool_param(params, "drop_pending_updates"):
            self._pending = []
        return True

    def _webhook_info(self, params: dict[str, str], files: Files) -> JSON:
        return {
            "url": self._webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }  # fmt: skip

    def _set_commands(self, params: dict[str, str], files: Files) -> bool:
        key, commands = scope_key(params), commands_param(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _get_commands(self, params: dict[str, str], files: Files) -> list[JSON]:
        return list(self._commands.get(scope_key(params), []))

    def _delete_commands(self, params: dict[str, str], files: Files) -> bool:
        self._commands.pop(scope_key(params), None)
        return True

    def _send_message(self, params: dict[str, str], files: Files) -> JSON:
        text = message_text(params)
        markup = reply_markup(params, inline_only=False)
        json_param(params, "link_preview_options", "link preview options")
        chat = self._chat(params)
        reply = self._reply_target(chat, params)
        message = self._append(
            chat, from_bot=True, kind="text", text=text, html=params["text"],
            reply_markup=markup, reply_to=reply,
        )  # fmt: skip
        return message.to_json()

    def _send_media(self, kind: str, params: dict[str, str], files: Files) -> JSON:
        caption = caption_text(params)
        markup = reply_markup(params, inline_only=False)
        file_id = self._media_file(kind, params, files)
        chat = self._chat(params)
        reply = self._reply_target(chat, params)
        message = self._append(
            chat, from_bot=True, kind=kind, caption=caption, html=params.get("caption"),
            file_id=file_id, media=media_json(kind, file_id), reply_markup=markup, reply_to=reply,
        )  # fmt: skip
        return message.to_json()

    def _copy_message(self, params: dict[str, str], files: Files) -> JSON:
        """The copy keeps the source's text or caption and their formatting entities, as
        they are: nothing is parsed again (a new caption, if given, replaces both)."""
        source = self._source(params, "message to copy not found")
        content: JSON = {"caption": source.caption, "html": source.html}
        content["entities"] = list(source.entities)
        if "caption" in params and source.kind != "text":
            content = {"caption": caption_text(params), "html": params["caption"], "entities": []}
        markup = reply_markup(params, inline_only=False)
        chat = self._chat(params)
        message = self._append(
            chat, from_bot=True, kind=source.kind, text=source.text, file_id=source.file_id,
            media=source.media, reply_markup=markup, reply_to=self._reply_target(chat, params),
            **content,
        )  # fmt: skip
        return {"message_id": message.message_id}

    def _edit_text(self, params: dict[str, str], files: Files) -> JSON:
        message = self._editable(params)
        if message.kind != "text":
            raise bad("there is no text in the message to edit")
        text = message_text(params)
        markup = reply_markup(params, inline_only=True)
        return self._apply_edit(message, markup, text=text, html=params["text"])

    def _edit_caption(self, params: dict[str, str], files: Files) -> JSON:
        message = self._editable(params)
        if message.kind == "text":
            raise bad("there is no caption in the message to edit")
        caption = caption_text(params)
        markup = reply_markup(params, inline_only=True)
        return self._apply_edit(message, markup, caption=caption, html=params.get("caption"))

    def _edit_markup(self, params: dict[str, str], files: Files) -> JSON:
        message = self._editable(params)
        return self._apply_edit(message, reply_markup(params, inline_only=True))

    def _delete(self, params: dict[str, str], files: Files) -> bool:
        chat = self._chat(params, send=False)
        if chat.messages.pop(int_param(params, "message_id"), None) is None:
            raise bad("message to delete not found")
        return True

    def _answer_query(self, params: dict[str, str], files: Files) -> bool:
        query_id = params.get("callback_query_id", "")
        if query_id in self._answer_counts:
            self._answer_counts[query_id] += 1
        user_id = self._open_queries.get(query_id)
        if user_id is None:
            raise bad(QUERY_INVALID)
        text = params.get("text", "")
        if len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        del self._open_queries[params["callback_query_id"]]
        answer = {"text": text or None, "show_alert": bool_param(params, "show_alert")}
        self._answers.setdefault(user_id, []).append({**answer, "url": params.get("url")})
        return True

    def _set_reaction(self, params: dict[str, str], files: Files) -> bool:
        """The bot's reactions replace the ones it set before; none (or no `reaction`)
        takes them away. Any message of the chat may get one, the user's own included."""
        chat = self._chat(params, send=False)
        message = chat.messages.get(int_param(params, "message_id"))
        if message is None:
            raise bad("message to react not found")
        # `is_big` only changes the animation the user sees.
        message.reactions = reaction_emoji(params)
        return True

    def _chat_action(self, params: dict[str, str], files: Files) -> bool:
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._chat(params)
        return True


def reaction_emoji(params: dict[str, str]) -> list[str]:
    """The emoji of a `reaction` parameter: an array of ReactionTypeEmoji, at most
    MAX_REACTIONS of them, each from Telegram's list."""
    reaction = json_param(params, "reaction", "reaction types")
    if reaction is None:
        return []
    if not isinstance(reaction, list):
        raise bad("can't parse reaction types JSON object")
    if len(reaction) > MAX_REACTIONS:
        raise bad("REACTIONS_TOO_MANY")
    emoji = [item.get("emoji") if isinstance(item, dict) else None for item in reaction]
    kinds = [item.get("type") if isinstance(item, dict) else None for item in reaction]
    if any(kind != "emoji" for kind in kinds) or not REACTION_EMOJI.issuperset(emoji):
        raise bad("REACTION_INVALID")
    return [str(e) for e in emoji]


def _commands(text: str) -> list[JSON]:
    """The entity Telegram marks a leading /command with."""
    command = COMMAND_RE.match(text)
    if command is None:
        return []
    length = len(command.group().encode("utf-16-le")) // 2
    return [{"type": "bot_command", "offset": 0, "length": length}]


def _chat_id_of(params: dict[str, str]) -> int | None:
    try:
        return int(params.get("chat_id", ""))
    except ValueError:
        return None


def _trip(faults: list[_Fault], matches: Callable[[_Fault], bool]) -> None:
    for fault in faults:
        if fault.remaining > 0 and matches(fault):
            fault.remaining -= 1
            raise fault.error
