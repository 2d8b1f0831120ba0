"""Result cards in the company's chat: sending one with its proof, and showing a decided
card's outcome in place of its buttons. The cards last shown are remembered in user_data,
so *Validate all shown* can mark each of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from telegram import Message

from bot.kit.context import CallboardContext
from bot.kit.proofs import send_card_after_proof, send_proof
from bot.kit.screens import replace_text
from handlers.review import screens
from handlers.review.screens import ResultView
from storage.models import Result, prospector_code

# result id (as text, for the JSON persistence) → [message id, whether it is a caption]
SHOWN_CARDS = "review_cards"
# Enough for the pages a company has in view; older cards keep their buttons, which the
# rules refuse once the result is decided.
REMEMBERED_CARDS = 50


class Card(NamedTuple):
    """Where a result's card is: its message, and whether its text is a media caption."""

    message_id: int
    caption: bool


def card_of(message: Message) -> Card:
    return Card(message.message_id, message.text is None)


async def views_of(context: CallboardContext, results: Sequence[Result]) -> list[ResultView]:
    repos = context.repos
    numbers = await repos.profiles.prospector_numbers({r.prospector_id for r in results})
    titles: dict[int, str] = {}
    for mission_id in {r.mission_id for r in results}:
        mission = await repos.missions.get(mission_id)
        titles[mission_id] = mission.title if mission else ""
    return [
        ResultView(r, titles[r.mission_id], prospector_code(numbers.get(r.prospector_id, 0)))
        for r in results
    ]


async def send_card(context: CallboardContext, chat_id: int, view: ResultView) -> Card:
    """The card with its buttons; with a proof, the proof carries the card as its caption
    when it fits, else the proof comes first, naming its result, and the card replies to it."""
    t = context.t
    text = screens.result_card(t, view)
    markup = screens.card_keyboard(t, view.result.id)
    proof = view.result.proof
    if proof is not None and screens.fits_caption(text):
        sent = await send_proof(context, chat_id, proof, text, markup)
        return Card(sent.message_id, True)
    sent = await send_card_after_proof(context, chat_id, view.result, text, markup)
    return Card(sent.message_id, False)


def remember(context: CallboardContext, cards: Mapping[int, Card]) -> None:
    """Add a page's cards to those remembered, the newest last; a result shown again is
    remembered by its newest card."""
    assert context.user_data is not None
    shown = dict(context.user_data.get(SHOWN_CARDS) or {})
    for result_id, card in cards.items():
        shown.pop(str(result_id), None)
        shown[str(result_id)] = list(card)
    context.user_data[SHOWN_CARDS] = dict(list(shown.items())[-REMEMBERED_CARDS:])


def remembered(context: CallboardContext, result_ids: Sequence[int]) -> dict[int, Card]:
    """The remembered cards of these results."""
    assert context.user_data is not None
    shown = context.user_data.get(SHOWN_CARDS) or {}
    return {rid: Card(*shown[str(rid)]) for rid in result_ids if str(rid) in shown}


async def show_outcomes(context: CallboardContext, chat_id: int, cards: Mapping[int, Card]) -> None:
    """Each decided result's card shows its outcome instead of its buttons."""
    repos = context.repos
    found = [await repos.results.get(result_id) for result_id in cards]
    results = [result for result in found if result is not None]
    amounts = await repos.ledger.gross_for_results([result.id for result in results])
    t = context.t
    for view in await views_of(context, results):
        decided = screens.outcome(t, view.result, amounts.get(view.result.id))
        if decided is None:
            continue
        card = cards[view.result.id]
        text = screens.decided_card(t, view, decided, caption=card.caption)
        await replace_text(context, chat_id, card.message_id, text, caption=card.caption)
