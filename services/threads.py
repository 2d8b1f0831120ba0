"""Threads between a mission's company and one prospector, and rate offers in them.

Everything one side says reaches the other through the notifier, under the thread's
header naming the other side by its public name only (prospector code, company name).
Offers change assignments through the same lifecycle as every other path."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services import notices
from services.assignments import Blocked, change
from services.lifecycle import Action, Refusal, transition
from services.ports import Deps
from storage.database import Reader, Transaction
from storage.models import (
    AssignmentStatus,
    MessageKind,
    MissionStatus,
    Offer,
    OfferStatus,
    Thread,
)


class Refused(StrEnum):
    """Why a thread action cannot happen."""

    NOT_ALLOWED = "not_allowed"
    NOT_OPEN = "not_open"
    RATE_AGREED = "rate_agreed"
    DECLINED_BEFORE = "declined_before"
    FULL = "full"
    SUPERSEDED = "superseded"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


_FROM_LIFECYCLE = {
    Refusal.RATE_AGREED: Refused.RATE_AGREED,
    Refusal.DECLINED_BEFORE: Refused.DECLINED_BEFORE,
    Blocked.FULL: Refused.FULL,
    Blocked.NOT_OPEN: Refused.NOT_OPEN,
}
_OFFER_STATES = {
    OfferStatus.SUPERSEDED: Refused.SUPERSEDED,
    OfferStatus.ACCEPTED: Refused.ACCEPTED,
    OfferStatus.DECLINED: Refused.DECLINED,
    OfferStatus.WITHDRAWN: Refused.WITHDRAWN,
}


async def public_name(
    deps: Deps, thread: Thread, viewer_id: int, reader: Reader | None = None
) -> str:
    """The other side of `thread` as `viewer_id` may see it: the prospector's code for the
    company, the company's name for the prospector."""
    if viewer_id == thread.company_id:
        profile = await deps.repos.profiles.prospector(thread.prospector_id, reader)
        return profile.code if profile else "?"
    company = await deps.repos.profiles.company(thread.company_id, reader)
    return company.name if company else "?"


async def member_thread(deps: Deps, user_id: int, thread_id: int) -> Thread | None:
    """The thread if `user_id` is one of its two sides."""
    thread = await deps.repos.threads.get(thread_id)
    return thread if thread is not None and thread.has_member(user_id) else None


async def offer_refusal(deps: Deps, thread: Thread, reader: Reader | None = None) -> Refused | None:
    """Why no rate can be offered in the thread now, if so: the mission is not open, the
    rate is already agreed, or the prospector's application was declined."""
    mission = await deps.repos.missions.get(thread.mission_id, reader)
    if mission is None or mission.status is not MissionStatus.OPEN:
        return Refused.NOT_OPEN
    assignment = await deps.repos.assignments.find(thread.mission_id, thread.prospector_id, reader)
    target = transition(assignment.status if assignment else None, Action.NEGOTIATE)
    if isinstance(target, Refusal):
        return _FROM_LIFECYCLE.get(target, Refused.NOT_ALLOWED)
    return None


async def open_for_mission(
    deps: Deps, prospector_id: int, mission_id: int, *, to_offer: bool
) -> Thread | Refused:
    """The prospector's thread on an open mission, created on first use; with `to_offer`,
    only if a rate can still be offered in it."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        mission = await repos.missions.get(mission_id, tx)
        profile = await repos.profiles.prospector(prospector_id, tx)
        if mission is None or profile is None:
            return Refused.NOT_ALLOWED
        if mission.status is not MissionStatus.OPEN:
            return Refused.NOT_OPEN
        thread = await repos.threads.open(tx, mission.id, prospector_id, mission.company_id)
        refusal = await offer_refusal(deps, thread, tx) if to_offer else None
    return refusal or thread


# How much of what was said one relayed message carries, leaving room for the header
# within a chat message's limits (4,096 characters for a text, 1,024 for a caption).
TEXT_PART = 3800
CAPTION_PART = 900


def split_body(text: str, limit: int) -> tuple[str, str]:
    """The head of `text` that fits in `limit` characters, cut after the last line break
    or space of its second half if there is one, and the rest."""
    if len(text) <= limit:
        return text, ""
    head = text[:limit]
    cut = max(head.rfind("\n"), head.rfind(" "))
    if cut < limit // 2:
        cut = limit
    return text[:cut], text[cut:].lstrip()


def relay_parts(kind: MessageKind, body: str) -> list[tuple[MessageKind, str]]:
    """What was said, as the messages it is relayed in: the media (or text) with as much
    of the body as fits, then the rest of the body as texts — nothing is dropped."""
    first, rest = split_body(body, TEXT_PART if kind is MessageKind.TEXT else CAPTION_PART)
    parts = [(kind, first)]
    while rest:
        part, rest = split_body(rest, TEXT_PART)
        parts.append((MessageKind.TEXT, part))
    return parts


@dataclass(frozen=True)
class Posted:
    """Said in the thread; `other` names the recipient as the sender sees them, `parts`
    is how many messages it was relayed in."""

    other: str
    parts: int = 1


async def post(
    deps: Deps,
    sender_id: int,
    thread: Thread,
    kind: MessageKind,
    body: str,
    file_id: str | None = None,
) -> Posted:
    """Store what the sender said and relay it to the other side. Answering a thread means
    having read it.

    The names are read before the transaction, not in it: they decide no write, and the
    writer stays free meanwhile."""
    recipient = thread.other_side(sender_id)
    repos = deps.repos
    heard_as = await public_name(deps, thread, recipient)
    can_offer = await offer_refusal(deps, thread) is None
    parts = relay_parts(kind, body)
    relayed = [
        notices.MessageRelayed(
            thread_id=thread.id,
            mission_id=thread.mission_id,
            other=heard_as,
            can_offer=can_offer,
            kind=part_kind,
            body=part_body,
            file_id=file_id if part_kind is not MessageKind.TEXT else None,
            part=number,
            parts=len(parts),
        )
        for number, (part_kind, part_body) in enumerate(parts, start=1)
    ]
    other = await public_name(deps, thread, sender_id)
    async with deps.db.transaction() as tx:
        await repos.threads.mark_read(tx, thread.id, sender_id)
        await repos.threads.add_message(tx, thread.id, sender_id, kind, body=body, file_id=file_id)
        for notice in relayed:
            await deps.notifier.notify(tx, recipient, notice)
    return Posted(other, len(parts))


async def make_offer(deps: Deps, author_id: int, thread: Thread, cents: int) -> Refused | None:
    """Offer `cents` per result to the other side; it supersedes any offer still pending in
    the thread. None when sent, else why not."""
    repos = deps.repos
    recipient = thread.other_side(author_id)
    async with deps.db.transaction() as tx:
        mission = await repos.missions.get(thread.mission_id, tx)
        if mission is None:
            return Refused.NOT_OPEN
        result = await change(deps, tx, mission, thread.prospector_id, Action.NEGOTIATE)
        if not isinstance(result, AssignmentStatus):
            return _FROM_LIFECYCLE.get(result, Refused.NOT_ALLOWED)
        offer_id = await repos.threads.make_offer(tx, thread.id, author_id, cents)
        await repos.threads.add_message(
            tx, thread.id, author_id, MessageKind.OFFER, offer_id=offer_id
        )
        received = notices.OfferReceived(
            thread_id=thread.id,
            mission_id=thread.mission_id,
            other=await public_name(deps, thread, recipient, tx),
            offer_id=offer_id,
            amount_cents=cents,
            pay_model=mission.pay_model,
            prospector=await _brief(deps, thread, recipient, tx),
        )
        await deps.notifier.notify(tx, recipient, received)
    return None


async def offer_to(deps: Deps, user_id: int, offer_id: int) -> tuple[Offer, Thread] | None:
    """The offer if it was made to `user_id` (by the other side of one of their threads)."""
    offer = await deps.repos.threads.offer(offer_id)
    thread = await member_thread(deps, user_id, offer.thread_id) if offer else None
    if offer is None or thread is None or offer.author_id == user_id:
        return None
    return offer, thread


async def _brief(
    deps: Deps, thread: Thread, recipient_id: int, tx: Transaction
) -> notices.ProspectorBrief | None:
    """The prospector's short profile, for the company only."""
    if recipient_id != thread.company_id:
        return None
    profile = await deps.repos.profiles.prospector(thread.prospector_id, tx)
    if profile is None:
        return None
    return notices.ProspectorBrief(
        display_name=profile.display_name,
        experience_years=profile.experience_years,
        languages=profile.languages,
    )


def offer_state_refusal(offer: Offer) -> Refused | None:
    """Only a pending offer can be answered."""
    return _OFFER_STATES.get(offer.status)


@dataclass(frozen=True)
class Answered:
    offer: Offer
    refusal: Refused | None


async def answer_offer(deps: Deps, user_id: int, offer_id: int, *, accept: bool) -> Answered | None:
    """Accept (the assignment becomes active at the offered rate, a slot permitting) or
    decline the latest pending offer made to `user_id`; the author is told. None if the
    offer is not one made to this user."""
    tapped = await offer_to(deps, user_id, offer_id)
    if tapped is None:
        return None
    offer, thread = tapped
    async with deps.db.transaction() as tx:
        current = await deps.repos.threads.offer(offer.id, tx)
        assert current is not None
        refusal = offer_state_refusal(current)
        if refusal is None and accept:
            refusal = await _accept(deps, tx, thread, current)
        if refusal is None:
            status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
            await deps.repos.threads.decide_offer(tx, offer.id, status)
            await _tell_author(deps, tx, thread, current, accept=accept)
    return Answered(offer, refusal)


async def _accept(deps: Deps, tx: Transaction, thread: Thread, offer: Offer) -> Refused | None:
    mission = await deps.repos.missions.get(thread.mission_id, tx)
    if mission is None:
        return Refused.NOT_OPEN
    result = await change(
        deps, tx, mission, thread.prospector_id, Action.ACCEPT_OFFER, offer.amount_cents
    )
    if isinstance(result, AssignmentStatus):
        return None
    return _FROM_LIFECYCLE.get(result, Refused.NOT_ALLOWED)


async def _tell_author(
    deps: Deps, tx: Transaction, thread: Thread, offer: Offer, *, accept: bool
) -> None:
    kind = notices.OfferAccepted if accept else notices.OfferDeclined
    notice = kind(
        thread_id=thread.id,
        mission_id=thread.mission_id,
        other=await public_name(deps, thread, offer.author_id, tx),
        amount_cents=offer.amount_cents,
        can_offer=await offer_refusal(deps, thread, tx) is None,
    )
    await deps.notifier.notify(tx, offer.author_id, notice)


async def mark_read(deps: Deps, user_id: int, thread: Thread) -> None:
    async with deps.db.transaction() as tx:
        await deps.repos.threads.mark_read(tx, thread.id, user_id)
