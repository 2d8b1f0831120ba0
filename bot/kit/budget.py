"""The send budget: one budget at Telegram's overall limit for every message the bot sends,
shared by priority.

Telegram lets a bot send about 30 messages a second in all. Three kinds of sends compete for
them, each a `SendLane`:

- **replies** to the user whose update is being handled (any call that names no lane);
- **notices**: the outbox's notifications and reminders to other users;
- **broadcasts**: the outbox's free broadcast rows.

Replies come first, since someone is looking at the screen; but whenever notices are waiting
they keep at least `notice_share` of the budget, so a burst of replies cannot starve a
notification to someone else (each notice gains priority over replies at that rate).
Broadcasts get only what is left, and never more than their own rate. Paid broadcasts
(`allow_paid_broadcast`) are charged in Stars instead of counting against the limit, so they
stay outside the budget; so do calls that send no message (callback answers, reactions,
getMe, setMyCommands…). Within a lane, sends are granted in the order they asked.

Grants are paced by a token bucket at the budget's rate, so they come evenly spaced rather
than in bursts, and any second (any window of one second) sees at most `rate` of them.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

# A bucket holds what its rate earns in this many seconds, and at least 1.5 tokens: a grant
# that comes a little late (timer and loop delays) does not lose its turn, so the rate is
# reached. At high rates it also lets several grants go at once.
SLACK_SECONDS = 0.05
MIN_CAPACITY = 1.5
# The broadcasts' own bucket holds more: a broadcast kept waiting while replies and notices
# took the budget goes out afterwards instead of losing its turn. The budget itself, which
# every broadcast also takes from, still bounds every second.
BROADCAST_CATCH_UP_SECONDS = 0.2
WINDOW_SECONDS = 1.0
# The room of a budget without an overall rate.
UNLIMITED = 1 << 30

# Bot API methods that send or change a message in a chat: only these count against
# Telegram's message limits.
MESSAGE_METHOD_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage")
NOT_A_MESSAGE = frozenset({"sendChatAction"})


class TokenBucket:
    """`rate` tokens a second, checked without waiting."""

    def __init__(
        self,
        rate: float,
        slack_seconds: float = SLACK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._capacity = max(MIN_CAPACITY, rate * slack_seconds)
        self._clock = clock
        self._tokens = 1.0
        self._at = clock()

    def available(self) -> int:
        """How many tokens may be taken now."""
        self._refill()
        return int(self._tokens)

    def take(self) -> None:
        self._refill()
        self._tokens -= 1

    def wait(self) -> float:
        """Seconds until the next token (0 when one is there)."""
        self._refill()
        return max(0.0, (1 - self._tokens) / self._rate)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._at) * self._rate)
        self._at = now


class SlidingWindow:
    """At most `limit` events in any `WINDOW_SECONDS`: the bucket's capacity lets a late
    grant catch up, and this keeps the catching up from ever making a second exceed the
    limit."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._events: deque[float] = deque()

    def available(self) -> int:
        self._forget_old()
        return self._limit - len(self._events)

    def take(self) -> None:
        self._events.append(self._clock())

    def wait(self) -> float:
        """Seconds until the window has room."""
        if self.available() > 0:
            return 0.0
        return self._events[0] + WINDOW_SECONDS - self._clock()

    def _forget_old(self) -> None:
        now = self._clock()
        while self._events and now - self._events[0] >= WINDOW_SECONDS:
            self._events.popleft()


class SendLane(enum.Enum):
    """Who a send is for, in the order the budget serves them (the notices' share aside).
    A plain Enum, whose members are all truthy: PTB drops a falsy `rate_limit_args`."""

    REPLY = "reply"
    NOTICE = "notice"
    BROADCAST = "broadcast"


class SendBudget:
    """Grants sends by lane under one overall rate. `rate` None: no overall limit (tests);
    broadcasts are still held to `broadcast_rate`."""

    def __init__(
        self,
        rate: float | None,
        notice_share: float,
        broadcast_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = TokenBucket(rate, clock=clock) if rate else None
        self._window = SlidingWindow(max(1, int(rate)), clock) if rate else None
        # The notices' guaranteed share: a token here lets the next notice go before replies.
        self._notice_priority = (
            TokenBucket(rate * notice_share, clock=clock) if rate and notice_share > 0 else None
        )
        self._broadcasts = TokenBucket(broadcast_rate, BROADCAST_CATCH_UP_SECONDS, clock)
        self._waiting: dict[SendLane, deque[asyncio.Future[None]]] = {
            lane: deque() for lane in SendLane
        }
        self._timer: asyncio.TimerHandle | None = None
        self._when_free: set[Callable[[], None]] = set()

    async def acquire(self, lane: SendLane) -> None:
        """Wait until this send may go."""
        grant = asyncio.get_running_loop().create_future()
        self._waiting[lane].append(grant)
        self.grant_due()
        await grant

    def broadcast_room(self) -> int:
        """How many broadcast sends would be granted now, without waiting: none while any
        send is waiting, since broadcasts come after everything."""
        if self.busy:
            return 0
        return max(0, min(self._overall_room(), self._broadcasts.available()))

    def broadcast_wait(self) -> float:
        """Seconds until the budget has room for a broadcast, if nobody asks meanwhile."""
        return max(self._overall_wait(), self._broadcasts.wait())

    @property
    def busy(self) -> bool:
        """Whether sends are waiting for the budget."""
        return any(self._waiting_in(lane) for lane in SendLane)

    def when_free(self, callback: Callable[[], None]) -> None:
        """Call `callback` once, as soon as no send is waiting (at once if none is)."""
        if self.busy:
            self._when_free.add(callback)
        else:
            callback()

    def grant_due(self) -> None:
        """Grant every waiting send the budget allows now, in priority order, and set a timer
        for the next one."""
        while (grant := self._next_grant()) is not None:
            lane, buckets = grant
            for bucket in buckets:
                bucket.take()
            self._waiting[lane].popleft().set_result(None)
        self._schedule_next()
        if not self.busy:
            callbacks, self._when_free = self._when_free, set()
            for callback in callbacks:
                callback()

    def _next_grant(self) -> tuple[SendLane, list[TokenBucket | SlidingWindow]] | None:
        """The lane whose first waiting send goes next, if the budget allows one now, and
        what it takes."""
        if self._overall_room() < 1:
            return None
        overall: list[TokenBucket | SlidingWindow] = [
            limit for limit in (self._overall, self._window) if limit is not None
        ]
        notices = self._waiting_in(SendLane.NOTICE)
        priority = self._notice_priority
        if notices and priority is not None and priority.available():
            return SendLane.NOTICE, [*overall, priority]
        if self._waiting_in(SendLane.REPLY):
            return SendLane.REPLY, overall
        if notices:
            # What replies left: the notices' priority is kept for when they compete.
            return SendLane.NOTICE, overall
        if self._waiting_in(SendLane.BROADCAST) and self._broadcasts.available():
            return SendLane.BROADCAST, [*overall, self._broadcasts]
        return None

    def _schedule_next(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.busy:
            return
        delay = self._overall_wait()
        if not any(self._waiting_in(lane) for lane in (SendLane.REPLY, SendLane.NOTICE)):
            delay = max(delay, self._broadcasts.wait())
        # A timer firing a hair early would find no token and set another one.
        self._timer = asyncio.get_running_loop().call_later(delay + 0.0005, self.grant_due)

    def _waiting_in(self, lane: SendLane) -> bool:
        """Whether a send of `lane` is waiting (those given up on are forgotten)."""
        queue = self._waiting[lane]
        while queue and queue[0].done():
            queue.popleft()
        return bool(queue)

    def _overall_room(self) -> int:
        if self._overall is None or self._window is None:
            return UNLIMITED
        return min(self._overall.available(), self._window.available())

    def _overall_wait(self) -> float:
        if self._overall is None or self._window is None:
            return 0.0
        return max(self._overall.wait(), self._window.wait())


def counts_against_limit(endpoint: str, data: dict[str, Any]) -> bool:
    """Whether a Bot API call is a message Telegram counts against the bot's overall limit."""
    if data.get("allow_paid_broadcast"):
        return False
    return endpoint.startswith(MESSAGE_METHOD_PREFIXES) and endpoint not in NOT_A_MESSAGE


class BudgetRateLimiter(BaseRateLimiter[SendLane]):
    """PTB's rate limiter hook: every message the bot sends waits for the budget, in the lane
    the caller names (`rate_limit_args`) or as a reply. A 429 (`RetryAfter`) is not retried
    here but raised to the caller, so the outbox can put the row off and a handler's error
    path can see it."""

    def __init__(self, budget: SendBudget) -> None:
        self.budget = budget

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendLane | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if counts_against_limit(endpoint, data):
            await self.budget.acquire(rate_limit_args or SendLane.REPLY)
        return await callback(*args, **kwargs)
