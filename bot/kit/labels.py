"""Catalog keys naming the values of the marketplace's enums, shared by every feature."""

from __future__ import annotations

from bot.kit.i18n import enum_keys, key_table
from services.validation import ACTIVITIES, MARKETS, SECTORS, SPOKEN_LANGUAGES
from storage.models import (
    Approval,
    AssignmentStatus,
    MessageKind,
    MissionStatus,
    OfferStatus,
    PayModel,
    Role,
    Target,
)

_NOT_MEDIA = (MessageKind.TEXT, MessageKind.OFFER)

PAY_MODEL = enum_keys(PayModel, "pay")
TARGET = enum_keys(Target, "target")
APPROVAL = enum_keys(Approval, "approval")
MISSION_STATUS = enum_keys(MissionStatus, "status")
ASSIGNMENT_STATUS = enum_keys(AssignmentStatus, "assignment")
# What a relayed file is called in a thread's history (text and offers have lines of their own).
MEDIA = key_table({kind: f"media.{kind.value}" for kind in MessageKind if kind not in _NOT_MEDIA})
OFFER_STATUS = enum_keys(OfferStatus, "offer.status")
SPOKEN_LANGUAGE = key_table({code: f"languages.{code}" for code in SPOKEN_LANGUAGES})
SECTOR = key_table({code: f"sector.{code}" for code in (*SECTORS, "other")})
SPECIALTY = key_table({code: f"specialties.{code}" for code in (*MARKETS, *ACTIVITIES)})
ROLE = enum_keys(Role, "button.role")
