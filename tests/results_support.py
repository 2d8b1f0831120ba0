"""Helpers for the tests of reviewing, disputes and the export: results submitted straight
through the rules (the /submit wizard is its own feature), the ledger and the tables read
back, and stand-in renderers for the notices another feature renders."""

from __future__ import annotations

from typing import Any

from services import assignments, results
from services.results import Submitted
from storage.models import Mission, Proof, ProofKind
from tests.harness import BotHarness, FakeUser
from tests.helpers import post_mission, rows
from tests.rules import details


async def working(
    harness: BotHarness, company: FakeUser, prospectors: list[FakeUser], **fields: Any
) -> tuple[Mission, dict[int, int]]:
    """A mission posted through the bot that the prospectors are active on: the mission
    and each prospector's assignment id."""
    mission = await post_mission(harness, company, **fields)
    deps = harness.services.deps
    taken: dict[int, int] = {}
    for prospector in prospectors:
        await assignments.take(deps, prospector.id, mission.id)
        assignment = await deps.repos.assignments.find(mission.id, prospector.id)
        assert assignment is not None
        taken[prospector.id] = assignment.id
    await harness.settle()
    return mission, taken


async def submit(
    harness: BotHarness, prospector: FakeUser, assignment_id: int, number: int, **changes: Any
) -> int:
    """A result whose phone number is made from `number`, so each one is new."""
    phone = f"+336{number:08d}"
    submitted = await results.submit(
        harness.services.deps, prospector.id, assignment_id, details(phone, **changes)
    )
    assert isinstance(submitted, Submitted), submitted
    await harness.settle()
    return submitted.result_id


def sent_proof(harness: BotHarness, prospector: FakeUser, kind: ProofKind) -> Proof:
    """A file the prospector sent the bot (its file id is one Telegram knows)."""
    fake = harness.fake
    send = {
        ProofKind.PHOTO: fake.user_sends_photo,
        ProofKind.DOCUMENT: fake.user_sends_document,
        ProofKind.VOICE: fake.user_sends_voice,
    }[kind]
    send(prospector.id)
    fake.take_updates()
    return Proof(kind=kind, file_id=str(fake.messages(prospector.id)[-1].file_id))


async def ledger(harness: BotHarness) -> list[dict[str, Any]]:
    return await rows(harness, "SELECT * FROM ledger_entries ORDER BY id")


async def result_row(harness: BotHarness, result_id: int) -> dict[str, Any]:
    [row] = await rows(harness, "SELECT * FROM results WHERE id = ?", [result_id])
    return row


async def outbox_count(harness: BotHarness, chat_id: int) -> int:
    return len(await rows(harness, "SELECT id FROM outbox WHERE chat_id = ?", [chat_id]))


async def tables(harness: BotHarness) -> dict[str, list[dict[str, Any]]]:
    """Every row a review, a dispute or an export could change: compare before and after a
    refusal."""
    names = ("missions", "assignments", "results", "disputes", "ledger_entries", "outbox")
    return {name: await rows(harness, f"SELECT * FROM {name} ORDER BY id") for name in names}
