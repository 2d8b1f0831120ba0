"""The send budget on a clock only the test moves: who gets Telegram's 30 messages a second
when replies, notices and broadcasts all want them.

Each test queues sends in the lanes it is about, then moves the clock a millisecond at a
time, letting the budget grant what is due at each step, and counts the grants per lane and
per second. Margins are of one or two messages a second, for the first second's start.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.kit.budget import BudgetRateLimiter, SendBudget, SendLane

RATE = 30
SHARE = 0.3
BROADCAST_RATE = 25
STEP = 0.001


@dataclass
class Simulation:
    """A budget, the sends waiting for it and the grants it made, on a manual clock."""

    now: float = 0.0
    grants: list[tuple[SendLane, float]] = field(default_factory=list)
    waiting: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.budget = SendBudget(RATE, SHARE, BROADCAST_RATE, clock=lambda: self.now)

    def ask(self, lane: SendLane, count: int) -> None:
        for _ in range(count):
            self.waiting.append(asyncio.create_task(self._send(lane)))

    async def _send(self, lane: SendLane) -> None:
        await self.budget.acquire(lane)
        self.grants.append((lane, self.now))

    async def run(self, seconds: float) -> None:
        await asyncio.sleep(0)  # every send asks before the clock moves
        for _ in range(round(seconds / STEP)):
            self.now += STEP
            self.budget.grant_due()
            await asyncio.sleep(0)

    def per_second(self, lane: SendLane | None = None) -> list[int]:
        """Grants in each whole second of the run, [0, 1), [1, 2)…"""
        seconds = Counter(int(at) for granted, at in self.grants if lane in (None, granted))
        return [seconds[s] for s in range(int(self.now))]

    def count(self, lane: SendLane) -> int:
        return sum(granted is lane for granted, _ in self.grants)

    def most_in_any_second(self) -> int:
        times = sorted(at for _, at in self.grants)
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    async def close(self) -> None:
        for task in self.waiting:
            task.cancel()
        await asyncio.gather(*self.waiting, return_exceptions=True)


@pytest.fixture
async def sim() -> AsyncIterator[Simulation]:
    simulation = Simulation()
    yield simulation
    await simulation.close()


async def test_replies_alone_get_the_whole_budget(sim: Simulation) -> None:
    sim.ask(SendLane.REPLY, 200)
    await sim.run(4)

    assert all(RATE - 1 <= n <= RATE for n in sim.per_second()), sim.per_second()


async def test_replies_go_before_broadcasts(sim: Simulation) -> None:
    sim.ask(SendLane.REPLY, 1)  # takes the token the budget starts with
    sim.ask(SendLane.BROADCAST, 30)  # wait: asked first, yet they go last
    sim.ask(SendLane.REPLY, 59)
    await sim.run(4)

    order = [lane for lane, _ in sim.grants]
    assert order == [SendLane.REPLY] * 60 + [SendLane.BROADCAST] * 30


async def test_notices_keep_their_share_during_a_burst_of_replies(sim: Simulation) -> None:
    sim.ask(SendLane.REPLY, 500)
    sim.ask(SendLane.NOTICE, 100)
    sim.ask(SendLane.BROADCAST, 100)
    await sim.run(5)

    notices = sim.per_second(SendLane.NOTICE)
    replies = sim.per_second(SendLane.REPLY)
    # 30 % of 30 a second: 9, less one for the share's first token.
    assert all(n >= RATE * SHARE - 1 for n in notices), notices
    # Replies still come first for the rest: the share is a floor, not a split.
    assert all(n >= RATE * (1 - SHARE) - 1 for n in replies), replies
    assert sim.count(SendLane.BROADCAST) == 0  # nothing is left over for them


async def test_notices_take_the_whole_budget_when_no_reply_waits(sim: Simulation) -> None:
    sim.ask(SendLane.NOTICE, 200)
    sim.ask(SendLane.BROADCAST, 50)
    await sim.run(3)

    assert all(n >= RATE - 1 for n in sim.per_second(SendLane.NOTICE)), sim.per_second()
    assert sim.count(SendLane.BROADCAST) == 0


async def test_broadcasts_get_what_is_left_and_no_more_than_their_rate(sim: Simulation) -> None:
    sim.ask(SendLane.REPLY, 15)  # half a second of replies
    sim.ask(SendLane.BROADCAST, 300)
    await sim.run(5)

    broadcasts = sim.per_second(SendLane.BROADCAST)
    assert broadcasts[0] <= RATE - 15, broadcasts  # only after the replies
    assert all(n >= BROADCAST_RATE - 2 for n in broadcasts[1:]), broadcasts
    # What they could not send while the replies went is caught up (a fifth of a second's
    # worth), and no more.
    catch_up = BROADCAST_RATE // 5
    assert sum(broadcasts[1:]) <= BROADCAST_RATE * len(broadcasts[1:]) + catch_up, broadcasts


async def test_no_second_ever_sees_more_than_the_limit(sim: Simulation) -> None:
    sim.ask(SendLane.BROADCAST, 300)
    for _ in range(6):
        # Replies and notices in bursts with lulls, so that every lane catches up in turn.
        sim.ask(SendLane.REPLY, 25)
        sim.ask(SendLane.NOTICE, 10)
        await sim.run(1.3)

    assert sim.most_in_any_second() <= RATE
    # And the budget is used: after the first second's start, nearly 30 every second.
    assert min(sim.per_second()[1:]) >= RATE - 2, sim.per_second()


# ----------------------------------------------------------------- calls through PTB's hook


@dataclass
class Call:
    endpoint: str
    data: dict[str, Any]
    lane: SendLane | None = None


async def sent_at_once(limiter: BudgetRateLimiter, call: Call) -> bool:
    """Whether the call went to Telegram without waiting for the budget."""
    done: list[str] = []

    async def to_telegram() -> bool:
        done.append(call.endpoint)
        return True

    task = asyncio.create_task(
        limiter.process_request(to_telegram, (), {}, call.endpoint, call.data, call.lane)
    )
    await asyncio.sleep(0)
    if not task.done():
        task.cancel()
    return done == [call.endpoint]


@pytest.mark.parametrize(
    "call",
    [
        Call("answerCallbackQuery", {"callback_query_id": "7", "text": "Saved"}),
        Call("getMe", {}),
        Call("setMyCommands", {"commands": []}),
        Call("sendChatAction", {"chat_id": 5, "action": "typing"}),
        Call("sendMessage", {"chat_id": 5, "text": "x", "allow_paid_broadcast": True}),
        Call("setMessageReaction", {"chat_id": 5, "message_id": 1, "reaction": "👍"}),
    ],
    ids=["callback-answer", "getMe", "setMyCommands", "chat-action", "paid-broadcast", "reaction"],
)
async def test_calls_that_are_not_counted_messages_never_wait(sim: Simulation, call: Call) -> None:
    limiter = BudgetRateLimiter(sim.budget)
    sim.ask(SendLane.REPLY, 100)  # the budget is spent for the next three seconds
    await sim.run(0.1)

    assert await sent_at_once(limiter, call)


@pytest.mark.parametrize(
    "call",
    [
        Call("sendMessage", {"chat_id": 5, "text": "x"}),
        Call("editMessageText", {"chat_id": 5, "message_id": 1, "text": "x"}),
        Call("copyMessage", {"chat_id": 5, "from_chat_id": 1, "message_id": 1}),
        Call("sendMessage", {"chat_id": 5, "text": "x"}, SendLane.BROADCAST),
    ],
    ids=["reply", "edit", "copy", "broadcast"],
)
async def test_messages_wait_their_turn(sim: Simulation, call: Call) -> None:
    limiter = BudgetRateLimiter(sim.budget)
    sim.ask(SendLane.REPLY, 100)
    await sim.run(0.1)

    assert not await sent_at_once(limiter, call)


async def test_a_call_without_a_lane_is_a_reply(sim: Simulation) -> None:
    limiter = BudgetRateLimiter(sim.budget)
    sim.ask(SendLane.BROADCAST, 10)
    await sim.run(0.01)
    sent: list[str] = []

    async def to_telegram() -> bool:
        sent.append("reply")
        return True

    reply = asyncio.create_task(
        limiter.process_request(to_telegram, (), {}, "sendMessage", {"chat_id": 5}, None)
    )
    await sim.run(0.1)
    await reply

    # Asking as a broadcast, it would wait behind the nine others for a third of a second.
    assert sent == ["reply"]
