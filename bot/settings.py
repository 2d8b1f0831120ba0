"""Configuration read from the environment and `.env`."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.money import parse_amount
from services.schedule import QuietHours

_QUIET_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def parse_quiet_hours(raw: str) -> QuietHours | None:
    """None for an empty setting: no quiet hours."""
    if not raw.strip():
        return None
    match = _QUIET_HOURS.match(raw)
    if not match:
        raise ValueError("expected a window like 21-8 or 21:00-08:00")
    start_h, start_m, end_h, end_m = match.groups()
    try:
        return QuietHours(time(int(start_h), int(start_m or 0)), time(int(end_h), int(end_m or 0)))
    except ValueError as exc:
        raise ValueError("hours must be 0-23 and minutes 0-59") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_path: Path = Path("data/callboard.sqlite3")
    timezone: str = "Europe/Paris"
    default_language: Literal["fr", "en"] = "fr"
    currency: str = "EUR"
    min_rate: Annotated[int, NoDecode] = 50
    max_rate: Annotated[int, NoDecode] = 1_000_000
    platform_fee_percent: float = Field(default=0, ge=0, le=100)
    review_window_hours: int = Field(default=72, ge=1)
    dispute_window_hours: int = Field(default=72, ge=1)
    payout_schedule: str = "0 9 * * MON"
    payment_terms_days: int = Field(default=7, ge=0, le=365)
    reminder_interval_hours: int = Field(default=48, ge=1)
    max_overdue_reminders: int = Field(default=3, ge=1)
    quiet_hours: Annotated[str, NoDecode] = "21-8"
    broadcast_rate: float = Field(default=25, gt=0, le=30)
    broadcast_paid: bool = False
    outbox_share: float = Field(default=0.3, ge=0, le=1)
    outbox_chat_rate: float = Field(default=1, gt=0, le=30)
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    # The send budget: messages a second to Telegram, replies, notices and broadcasts
    # together; 0 lifts the cap (a test Telegram, or a bot whose limits Telegram raised).
    telegram_overall_rate: float = Field(default=30, ge=0)
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Where the database writer's counters are kept up to date, for benchmarks (see
    # docs/architecture.md); none by default.
    writer_stats_file: Path | None = None

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token_is_missing(cls, value: object) -> object:
        # `BOT_TOKEN=` as copied from .env.example: say it is not set rather than malformed.
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("missing", "Field required")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("expected a token from @BotFather, like 123456:ABC-def")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value) if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected Telegram user ids separated by commas")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("min_rate", "max_rate", mode="before")
    @classmethod
    def _amount(cls, value: object) -> object:
        if isinstance(value, str):
            cents = parse_amount(value)
            if cents is None:
                raise ValueError("expected an amount in euros, like 0.50 or 10000")
            return cents
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone, like Europe/Paris") from exc
        return value

    @field_validator("payout_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError("expected a cron expression, like 0 9 * * MON") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("expected an https:// URL, or empty for long polling")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.min_rate > self.max_rate:
            raise ValueError("MIN_RATE must not exceed MAX_RATE")
        if self.webhook_url and not self.webhook_secret.get_secret_value():
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> QuietHours | None:
        return parse_quiet_hours(self.quiet_hours)


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad key and what it expects, never echoing its value."""
    first = error.errors()[0]
    key = str(first["loc"][0]).upper() if first["loc"] else "configuration"
    if first["type"] == "missing":
        return f"{key} is required but not set (see .env.example)"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{key} is invalid: {message}"
