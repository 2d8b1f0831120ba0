"""What the repositories return."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    COMPANY = "company"
    PROSPECTOR = "prospector"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class User(Model):
    id: int
    role: Role | None
    language: str
    language_chosen: bool
    first_name: str
    username: str | None
    created_at: datetime
    last_seen_at: datetime
    banned_at: datetime | None
    ban_notice_at: datetime | None
    blocked_at: datetime | None

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class CompanyProfile(Model):
    user_id: int
    name: str
    sector: str
    siren: str | None


class ProspectorProfile(Model):
    user_id: int
    number: int
    display_name: str
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    experience_years: int
    bio: str
    notify_new_missions: bool

    @property
    def code(self) -> str:
        return prospector_code(self.number)


def prospector_code(number: int) -> str:
    return f"P-{number:04d}"


class Priority(IntEnum):
    NOTIFICATION = 0
    REMINDER = 1
    BROADCAST = 2


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"


class OutboxMessage(Model):
    id: int
    chat_id: int
    priority: Priority
    method: str
    params: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before: datetime
    message_id: int | None
    error: str | None
