"""Strict in-memory fake of the Telegram Bot API (in-process and over loopback HTTP)."""

from .api import FakeTelegram
from .html import EntityParseError, parse_telegram_html
from .models import FakeMessage
from .request import FakeRequest
from .server import FakeTelegramServer

__all__ = [
    "EntityParseError",
    "FakeMessage",
    "FakeRequest",
    "FakeTelegram",
    "FakeTelegramServer",
    "parse_telegram_html",
]
