"""The admins' dispute screens and the notices about disputes, as pure functions of models
and a translator: no I/O, so they are unit-tested in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.views import result_details
from services import notices
from storage.models import Dispute, DisputeStatus, Result

PAGE_SIZE = 5

Screen = tuple[Html, InlineKeyboardMarkup | None]

_VERDICTS = key_table(
    {
        DisputeStatus.VALIDATED: "dispute.outcome_validated",
        DisputeStatus.KEPT_REJECTED: "dispute.outcome_kept",
    }
)
# (told the company, validated) → what the decision's notice says.
_DECIDED = key_table(
    {
        (True, True): "dispute.notify_company_validated",
        (True, False): "dispute.notify_company_kept",
        (False, True): "dispute.notify_prospector_validated",
        (False, False): "dispute.notify_prospector_kept",
    }
)


class DisputesNextCb(CallbackData):
    """The next open disputes, after dispute `after`."""

    prefix = "adl"
    after: int


class DecideCb(CallbackData):
    """Decide a dispute: asks for the note to both sides first."""

    prefix = "add"
    dispute_id: int
    verdict: Literal["validate", "keep"]


@dataclass(frozen=True)
class DisputeView:
    """A dispute with its result and what its card names: the mission's title and both
    parties by their public names."""

    dispute: Dispute
    result: Result
    title: str
    company_name: str
    code: str


def decide_keyboard(t: Translator, dispute_id: int) -> InlineKeyboardMarkup:
    def decide(chosen: Literal["validate", "keep"], label: str) -> InlineKeyboardButton:
        return button(t.plain(label), DecideCb(dispute_id=dispute_id, verdict=chosen))

    return keyboard(
        [[decide("validate", "button.dispute_validate"), decide("keep", "button.dispute_keep")]]
    )


def dispute_card(t: Translator, view: DisputeView) -> Html:
    result = view.result
    return t(
        "dispute.card",
        result_id=result.id,
        mission_id=result.mission_id,
        title=view.title,
        company=view.company_name,
        code=view.code,
        details=result_details(t, result),
        reason=result.reason or "",
        explanation=view.dispute.explanation,
    )


def verdict(t: Translator, status: DisputeStatus, admin_name: str, note: str) -> Html:
    """A decided dispute's outcome line: what was decided, by whom, and the note."""
    return t(_VERDICTS[status], admin=admin_name, note=note)


def decided_card(t: Translator, view: DisputeView, decided: Html) -> Html:
    return Html(f"{dispute_card(t, view)}\n\n{decided}")


def none_open(t: Translator) -> Html:
    return t("dispute.none")


def page_footer(t: Translator, shown: int, open_total: int, last_id: int, *, more: bool) -> Screen:
    text = t("dispute.footer", shown=shown, open=open_total)
    if not more:
        return text, None
    return text, keyboard([[button(t.plain("button.next"), DisputesNextCb(after=last_id))]])


# --- notices ------------------------------------------------------------------------------


def opened_notice(notice: notices.DisputeOpened, t: Translator) -> Outbound:
    text = t(
        "dispute.notify_opened",
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        company=notice.company_name,
        code=notice.code,
        reason=notice.reason,
        explanation=notice.explanation,
    )
    return text_message(text, decide_keyboard(t, notice.dispute_id))


def decided_notice(notice: notices.DisputeDecided, t: Translator) -> Outbound:
    text = t(
        _DECIDED[(notice.to_company, notice.validated)],
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        admin=notice.admin_name,
        note=notice.note,
    )
    return text_message(text)
