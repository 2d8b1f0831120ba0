"""The company's review screens, the export's mission picker, and the notices of a new
result (to its company) and of a mission completed at its cap (to the company and its
prospectors), as pure functions of models and a translator: no I/O, so they are
unit-tested in both languages."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import StringConstraints
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData, MissionCardCb, MissionListCb, ReviewCb
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from bot.kit.views import mission_label, result_details
from services import notices
from storage.models import MissionSummary, Result, ResultStatus

PAGE_SIZE = 5
# Telegram's limit on a caption, counted in UTF-16 code units of the visible text.
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]+>")

Screen = tuple[Html, InlineKeyboardMarkup | None]


class ReviewNextCb(CallbackData):
    """The next page of results waiting for review, after result `after`."""

    prefix = "rvn"
    mission_id: int
    after: int


class ValidateCb(CallbackData):
    prefix = "rvy"
    result_id: int


class RejectCb(CallbackData):
    """Reject a result: asks for the reason first."""

    prefix = "rvx"
    result_id: int


# Up to a page of result ids, dash-separated; digits bounded so SQLite can hold each.
ShownIds = Annotated[str, StringConstraints(pattern=r"^\d{1,15}(-\d{1,15}){0,4}$")]


class ValidateShownCb(CallbackData):
    """Validate exactly the results of one page."""

    prefix = "rva"
    mission_id: int
    ids: ShownIds

    @property
    def result_ids(self) -> list[int]:
        return [int(part) for part in self.ids.split("-")]


class ExportListCb(CallbackData):
    """The company's missions to export, at `page`."""

    prefix = "exl"
    page: int = 0


class ExportMissionCb(CallbackData):
    prefix = "exm"
    mission_id: int


@dataclass(frozen=True)
class ResultView:
    """A result with what its card names: the mission's title and the prospector's code."""

    result: Result
    title: str
    code: str


def visible_length(text: str) -> int:
    """How long Telegram counts an HTML message: its visible text in UTF-16 code units."""
    return len(html.unescape(_TAG.sub("", text)).encode("utf-16-le")) // 2


def fits_caption(text: str) -> bool:
    return visible_length(text) <= CAPTION_LIMIT


def result_card(t: Translator, view: ResultView) -> Html:
    """Everything the company needs to decide, never the prospector's Telegram identity."""
    result = view.result
    return t(
        "review.card",
        result_id=result.id,
        mission_id=result.mission_id,
        title=view.title,
        code=view.code,
        details=result_details(t, result),
    )


def card_keyboard(t: Translator, result_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(t.plain("button.validate"), ValidateCb(result_id=result_id)),
                button(t.plain("button.reject"), RejectCb(result_id=result_id)),
            ]
        ]
    )


def outcome(t: Translator, result: Result, amount_cents: int | None) -> Html | None:
    """What became of a result, in place of its buttons; None while it waits."""
    if result.status is ResultStatus.VALIDATED and amount_cents is not None:
        return t("review.outcome_validated", amount=t.money(amount_cents))
    if result.status is ResultStatus.REJECTED:
        return t("review.outcome_rejected", reason=result.reason or "")
    return None


def decided_card(t: Translator, view: ResultView, decided: Html, *, caption: bool) -> Html:
    """The card with its outcome below. A caption that would grow past Telegram's limit
    gives up the end of the notes: the decision matters more now."""
    text = _with_outcome(t, view, decided)
    overflow = visible_length(text) - CAPTION_LIMIT
    if not caption or overflow <= 0:
        return text
    notes = view.result.notes
    kept = max(len(notes) - overflow - 1, 0)
    clipped = notes[:kept] + "…" if kept else ""
    shorter = ResultView(view.result.model_copy(update={"notes": clipped}), view.title, view.code)
    return _with_outcome(t, shorter, decided)


def _with_outcome(t: Translator, view: ResultView, decided: Html) -> Html:
    return Html(f"{result_card(t, view)}\n\n{decided}")


def _way_back(t: Translator, mission_id: int) -> list[InlineKeyboardButton]:
    """Back to the mission the results were asked for; from /review (every mission's), to
    the company's missions."""
    if not mission_id:
        return [button(t.plain("button.home_missions"), MissionListCb())]
    return [button(t.plain("button.back_mission"), MissionCardCb(mission_id=mission_id))]


def nothing_to_review(t: Translator, mission_id: int) -> Screen:
    return t("review.none"), keyboard([_way_back(t, mission_id)])


def page_footer(
    t: Translator, mission_id: int, shown: Sequence[int], waiting: int, *, more: bool
) -> Screen:
    """Under a page of cards: validate them all at once, or go on to the next ones; and the
    page's way back, once for all its cards."""
    ids = "-".join(str(result_id) for result_id in shown)
    validate_all = ValidateShownCb(mission_id=mission_id, ids=ids)
    rows = [[button(t.plain("button.validate_shown", count=len(shown)), validate_all)]]
    rows.append(_next(t, mission_id, max(shown)) if more else [])
    rows.append(_way_back(t, mission_id))
    text = t("review.footer", shown=t.count("count.results", len(shown)), waiting=waiting)
    return text, keyboard([row for row in rows if row])


def _next(t: Translator, mission_id: int, after: int) -> list[InlineKeyboardButton]:
    return [button(t.plain("button.next"), ReviewNextCb(mission_id=mission_id, after=after))]


def validated_shown(
    t: Translator, count: int, mission_id: int, after: int, *, more: bool
) -> Screen:
    """The footer once its page is validated: how many were, and the way on."""
    rows = [_next(t, mission_id, after) if more else [], _way_back(t, mission_id)]
    text = t("review.validated_shown", validated=t.count("count.validated", count))
    return text, keyboard([row for row in rows if row])


def export_filename(mission_id: int) -> str:
    return f"mission-{mission_id}-results.csv"


def export_sent(t: Translator, mission_id: int, title: str) -> Screen:
    """The picker once a mission is picked: which file follows, and the way back to pick
    another. Putting it in place of the picker is what makes a tap act once."""
    back = button(t.plain("button.back_list"), ExportListCb())
    return t("export.sent", mission_id=mission_id, title=title), keyboard([[back]])


def export_list(
    t: Translator, summaries: Sequence[MissionSummary], page: int, total: int
) -> Screen:
    if total == 0:
        return t("export.none"), None
    rows = [
        [button(mission_label(t, s.mission), ExportMissionCb(mission_id=s.mission.id))]
        for s in summaries
    ]
    pages = -(-total // PAGE_SIZE)
    rows.append(pager(t, page, pages, lambda p: ExportListCb(page=p)))
    text = t("export.pick", page=page + 1, pages=pages)
    return text, keyboard([row for row in rows if row])


# --- notices ------------------------------------------------------------------------------


def submitted_notice(notice: notices.ResultSubmitted, t: Translator) -> Outbound:
    """A new result to review; its proof, if any, is the message, with the text as caption."""
    text = t(
        "review.notify_submitted",
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        code=notice.code,
    )
    review = button(t.plain("button.review"), ReviewCb(mission_id=notice.mission_id))
    markup = keyboard([[review]])
    proof = notice.proof
    if proof is None:
        return text_message(text, markup)
    kind = proof.kind.value
    return Outbound(f"send_{kind}", {kind: proof.file_id, "caption": text}, markup)


def completed_notice(notice: notices.MissionCompleted, t: Translator) -> Outbound:
    values = {"mission_id": notice.mission_id, "title": notice.title, "cap": notice.cap}
    if not notice.to_company:
        return text_message(t("review.notify_completed_prospector", **values))
    card = button(t.plain("button.open_mission"), MissionCardCb(mission_id=notice.mission_id))
    return text_message(t("review.notify_completed_company", **values), keyboard([[card]]))
