"""Parameter checks that reproduce the Bot API's refusals and their exact descriptions."""

from __future__ import annotations

import json
import re
from typing import Any

from .html import EntityParseError, parse_telegram_html
from .models import JSON

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
        "copy_text", "callback_game", "pay",
    }
)  # fmt: skip
URL_SCHEMES = ("http://", "https://", "tg://")
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
# Values of these parameters are plain strings even when they look like JSON.
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "url", "language_code",
        "action", "photo", "document", "voice", "audio", "video", "inline_message_id",
        "secret_token", "description", "short_description", "name", "file_id",
    }
)  # fmt: skip


class ApiError(Exception):
    """A refusal: turned into ``{"ok": false, ...}`` by ``FakeTelegram.handle``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


def decode_params(params: dict[str, str]) -> JSON:
    """Wire strings back to Python values, for the ``calls`` log only."""
    decoded: JSON = {}
    for key, value in params.items():
        decoded[key] = value if key in STRING_PARAMS else _maybe_json(value)
    return decoded


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def int_param(params: dict[str, str], name: str, default: int | None = None) -> int:
    value = params.get(name, "")
    if not value:
        if default is not None:
            return default
        raise bad(f"{name} is empty")
    try:
        return int(value)
    except ValueError:
        raise bad(f"invalid {name} specified") from None


def bool_param(params: dict[str, str], name: str) -> bool:
    return params.get(name, "").lower() in ("true", "1")


def json_param(params: dict[str, str], name: str, what: str) -> Any:
    if name not in params:
        return None
    try:
        return json.loads(params[name])
    except ValueError:
        raise bad(f"can't parse {what} JSON object") from None


def render(source: str, parse_mode: str | None) -> str:
    """Plain text shown to the user for ``source`` in ``parse_mode``."""
    mode = (parse_mode or "").lower()
    if mode not in ("", "html", "markdown", "markdownv2"):
        raise bad("unsupported parse_mode")
    if mode != "html":
        return source
    try:
        return parse_telegram_html(source)
    except EntityParseError as exc:
        raise bad(f"can't parse entities: {exc.description}") from None


def message_text(params: dict[str, str]) -> str:
    plain = render(params.get("text", ""), params.get("parse_mode"))
    if not plain.strip():
        raise bad("message text is empty")
    if len(plain) > TEXT_LIMIT:
        raise bad("message is too long")
    return plain


def caption_text(params: dict[str, str]) -> str | None:
    plain = render(params.get("caption", ""), params.get("parse_mode"))
    if len(plain) > CAPTION_LIMIT:
        raise bad("message caption is too long")
    return plain if plain.strip() else None


def reply_markup(params: dict[str, str], *, inline_only: bool) -> JSON | None:
    markup = json_param(params, "reply_markup", "reply keyboard markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_rows(markup["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup")
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button)
        return markup
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in markup:
        _check_rows(markup["keyboard"], "keyboard", "ReplyKeyboardMarkup")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad("can't parse reply keyboard markup JSON object")


def _check_rows(rows: Any, field: str, type_name: str) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(f'field "{field}" of the {type_name} must be an Array of Arrays')


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad("BUTTON_TEXT_INVALID")
    actions = BUTTON_ACTIONS & button.keys()
    if not actions:
        raise bad("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad("can't parse inline keyboard button: only one of the optional fields is allowed")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(URL_SCHEMES):
            raise bad(f"inline keyboard button URL '{url}' is invalid: unsupported URL protocol")


def commands_param(params: dict[str, str]) -> list[JSON]:
    commands = json_param(params, "commands", "commands")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.fullmatch(
            str(command.get("command", ""))
        ):
            raise bad("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


def scope_key(params: dict[str, str]) -> tuple[str, str]:
    """Storage key for commands: canonical scope JSON plus language code."""
    scope = json_param(params, "scope", "BotCommandScope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad("can't parse BotCommandScope JSON object")
    if scope["type"].startswith("chat") and "chat_id" not in scope:
        raise bad("chat_id is empty")
    language = params.get("language_code", "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad("LANG_CODE_INVALID")
    return canonical_scope(scope), language


def canonical_scope(scope: JSON | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
