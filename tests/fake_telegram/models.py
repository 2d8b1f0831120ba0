"""Stored state of the fake: messages and generated file identifiers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
MEDIA_KINDS = ("photo", "document", "voice", "audio", "video")


@dataclass
class FakeMessage:
    """One message of a private chat, as the fake remembers it."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None
    caption: str | None
    html: str | None
    kind: str
    file_id: str | None
    reply_markup: JSON | None
    reply_to_message_id: int | None
    date: int
    edited: bool = False
    chat: JSON = field(default_factory=dict, repr=False)
    sender: JSON = field(default_factory=dict, repr=False)
    media: Any = field(default=None, repr=False)
    entities: list[JSON] = field(default_factory=list, repr=False)
    edit_date: int | None = field(default=None, repr=False)
    reply_to: FakeMessage | None = field(default=None, repr=False, compare=False)
    # The emoji the bot reacted to this message with (setMessageReaction).
    reactions: list[str] = field(default_factory=list)

    def buttons(self) -> list[tuple[str, str | None, str | None]]:
        """(label, callback_data, url) of every keyboard button, row by row."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [_button_tuple(button) for row in rows for button in row]

    def inline_markup(self) -> JSON | None:
        # Only inline keyboards belong to a message; reply keyboards live in the client.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    def to_json(self, *, with_reply: bool = True) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "from": self.sender,
        }
        if self.edited:
            data["edit_date"] = self.edit_date or self.date
        if self.kind == "text":
            data["text"] = self.text
        else:
            data[self.kind] = self.media
            if self.caption:
                data["caption"] = self.caption
        if self.entities:
            data["entities" if self.kind == "text" else "caption_entities"] = self.entities
        if self.inline_markup():
            data["reply_markup"] = self.inline_markup()
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_json(with_reply=False)
        return data


def _button_tuple(button: JSON | str) -> tuple[str, str | None, str | None]:
    if isinstance(button, str):
        return button, None, None
    return str(button.get("text", "")), button.get("callback_data"), button.get("url")


def file_id_for(kind: str, seed: str | bytes) -> str:
    raw = seed if isinstance(seed, bytes) else seed.encode()
    return f"fake-{kind}-{hashlib.sha1(raw).hexdigest()[:24]}"


def unique_id_for(file_id: str) -> str:
    return "U" + hashlib.sha1(file_id.encode()).hexdigest()[:15]


def media_json(kind: str, file_id: str, file_name: str = "file") -> Any:
    """Media payload as Telegram returns it; photos come as a list of sizes."""
    base: JSON = {"file_id": file_id, "file_unique_id": unique_id_for(file_id), "file_size": 1024}
    if kind == "photo":
        small = {**base, "file_id": file_id + "-s", "file_unique_id": unique_id_for(file_id + "-s")}
        return [{**small, "width": 90, "height": 68}, {**base, "width": 1280, "height": 960}]
    if kind == "document":
        return {**base, "file_name": file_name, "mime_type": "application/octet-stream"}
    if kind == "voice":
        return {**base, "duration": 3, "mime_type": "audio/ogg"}
    if kind == "audio":
        return {**base, "duration": 3, "mime_type": "audio/mpeg"}
    return {**base, "width": 640, "height": 480, "duration": 3}
