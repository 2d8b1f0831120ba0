"""The assignment lifecycle, written once: what each action does from each status.

An assignment ties one prospector to one mission. `None` stands for "no assignment yet".
Every service that changes an assignment asks `transition` first and obeys it, so the
paths to a status (accepting the posted rate, an accepted offer, a company's approval)
cannot drift apart. Mission-level conditions (open, free slot) are checked by the
services around it."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from storage.models import AssignmentStatus as S


class Action(StrEnum):
    START = "start"  # accept the posted rate on a mission without approval
    APPLY = "apply"  # accept the posted rate on a mission with approval
    NEGOTIATE = "negotiate"  # make or counter an offer
    ACCEPT_OFFER = "accept_offer"  # either side accepts the other's offer
    APPROVE = "approve"  # the company approves an application
    DECLINE = "decline"  # the company declines an application
    LEAVE = "leave"  # the prospector leaves or withdraws
    END = "end"  # the mission closes


class Refusal(StrEnum):
    ALREADY_ACTIVE = "already_active"
    ALREADY_APPLIED = "already_applied"
    DECLINED_BEFORE = "declined_before"
    RATE_AGREED = "rate_agreed"
    NOT_APPLIED = "not_applied"
    NOT_ON_MISSION = "not_on_mission"
    ENDED = "ended"


Outcome = S | Refusal

_FRESH: Final[dict[Action, Outcome]] = {
    Action.START: S.ACTIVE,
    Action.APPLY: S.APPLIED,
    Action.NEGOTIATE: S.NEGOTIATING,
    Action.ACCEPT_OFFER: S.ACTIVE,
    Action.APPROVE: Refusal.NOT_APPLIED,
    Action.DECLINE: Refusal.NOT_APPLIED,
    Action.LEAVE: Refusal.NOT_ON_MISSION,
    Action.END: Refusal.NOT_ON_MISSION,
}

TABLE: Final[dict[S | None, dict[Action, Outcome]]] = {
    None: _FRESH,
    # Someone who left may come back the ways a newcomer can.
    S.LEFT: _FRESH,
    S.NEGOTIATING: {
        **_FRESH,
        Action.LEAVE: S.LEFT,
        Action.END: S.DECLINED,
    },
    S.APPLIED: {
        Action.START: Refusal.ALREADY_APPLIED,
        Action.APPLY: Refusal.ALREADY_APPLIED,
        # Talking about the rate does not withdraw the application.
        Action.NEGOTIATE: S.APPLIED,
        Action.ACCEPT_OFFER: S.ACTIVE,
        Action.APPROVE: S.ACTIVE,
        Action.DECLINE: S.DECLINED,
        Action.LEAVE: S.LEFT,
        Action.END: S.DECLINED,
    },
    S.ACTIVE: {
        Action.START: Refusal.ALREADY_ACTIVE,
        Action.APPLY: Refusal.ALREADY_ACTIVE,
        # The agreed rate never changes once the assignment is active.
        Action.NEGOTIATE: Refusal.RATE_AGREED,
        Action.ACCEPT_OFFER: Refusal.RATE_AGREED,
        Action.APPROVE: Refusal.NOT_APPLIED,
        Action.DECLINE: Refusal.NOT_APPLIED,
        Action.LEAVE: S.LEFT,
        Action.END: S.ENDED,
    },
    # A declined application stays declined for that mission, whatever the path.
    S.DECLINED: {
        **{action: Refusal.DECLINED_BEFORE for action in Action},
        Action.APPROVE: Refusal.NOT_APPLIED,
        Action.DECLINE: Refusal.NOT_APPLIED,
        Action.LEAVE: Refusal.NOT_ON_MISSION,
        Action.END: Refusal.ENDED,
    },
    S.ENDED: {action: Refusal.ENDED for action in Action},
}

# Actions that take or claim a place on the mission: only while it is open.
CLAIMS: Final = frozenset(
    {Action.START, Action.APPLY, Action.NEGOTIATE, Action.ACCEPT_OFFER, Action.APPROVE}
)

# Statuses that hold a place on the mission or a claim to one (listed in /mymissions).
OPEN_STATUSES: Final = (S.ACTIVE, S.APPLIED, S.NEGOTIATING)


def transition(status: S | None, action: Action) -> Outcome:
    """The status `action` leads to from `status`, or why it is refused."""
    return TABLE[status][action]
