"""The notifier the rules use: a notice becomes an outbox row in its recipient's language.

Each feature renders its own notices (see `Feature.notices`); this module only looks up the
recipient's language, calls the renderer and queues the result in the caller's transaction.
A notice to a whole audience becomes one campaign row instead, rendered in every language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.kit.i18n import LANGUAGES, Catalogs, Translator
from bot.kit.outbox import enqueue_send, stored_params
from services.notices import Notice
from services.ports import FanOut
from storage.database import Transaction
from storage.models import Audience, CampaignMessage, Priority, QueuedMessage
from storage.repositories import Repositories


@dataclass(frozen=True)
class Outbound:
    """A message ready to queue: a Bot method, its keyword arguments (without chat_id) and
    its buttons."""

    method: str
    params: dict[str, Any]
    markup: InlineKeyboardMarkup | None = None
    priority: Priority = Priority.NOTIFICATION


def text_message(
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    priority: Priority = Priority.NOTIFICATION,
) -> Outbound:
    return Outbound("send_message", {"text": text}, markup, priority)


Renderer = Callable[[Any, Translator], Outbound]
Renderers = Mapping[type[Notice], Renderer]


class OutboxNotifier:
    def __init__(self, catalogs: Catalogs, repos: Repositories, renderers: Renderers) -> None:
        self._catalogs = catalogs
        self._repos = repos
        self._renderers = dict(renderers)

    def render(self, notice: Notice, t: Translator) -> Outbound:
        renderer = self._renderers.get(type(notice))
        if renderer is None:
            raise LookupError(f"no feature renders {type(notice).__name__}")
        return renderer(notice, t)

    async def notify(self, tx: Transaction, user_id: int, notice: Notice) -> None:
        user = await self._repos.users.get(user_id, tx)
        t = self._catalogs[user.language if user else self._catalogs.default]
        outbound = self.render(notice, t)
        await enqueue_send(
            self._repos.outbox,
            tx,
            user_id,
            outbound.method,
            outbound.params,
            outbound.markup,
            outbound.priority,
            notice.thread_id,
        )

    async def notify_many(self, tx: Transaction, notices: Sequence[tuple[int, Notice]]) -> None:
        languages = await self._repos.users.languages(tx, (user_id for user_id, _ in notices))
        default = self._catalogs.default
        rows = []
        for user_id, notice in notices:
            outbound = self.render(notice, self._catalogs[languages.get(user_id, default)])
            params = stored_params(outbound.method, outbound.params, outbound.markup)
            rows.append(
                QueuedMessage(
                    chat_id=user_id,
                    method=outbound.method,
                    params=params,
                    priority=outbound.priority,
                    thread_id=notice.thread_id,
                )
            )
        await self._repos.outbox.enqueue_many(tx, rows)

    async def fan_out(self, tx: Transaction, audience: Audience, notice: Notice) -> FanOut:
        """Render `notice` once per language and record it as a campaign in `tx`; its
        recipients are queued after the commit, a chunk at a time (see `CampaignExpander`)."""
        rendered = {code: self.render(notice, self._catalogs[code]) for code in LANGUAGES}
        messages: dict[str, CampaignMessage] = {
            code: CampaignMessage(
                method=outbound.method,
                params=stored_params(outbound.method, outbound.params, outbound.markup),
            )
            for code, outbound in rendered.items()
        }
        campaigns = self._repos.campaigns
        priority = rendered[self._catalogs.default].priority
        campaign_id = await campaigns.create(
            tx, audience, messages, priority, default_language=self._catalogs.default
        )
        return FanOut(campaign_id, await campaigns.count_audience(tx, audience))
