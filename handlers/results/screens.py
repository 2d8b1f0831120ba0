"""What prospectors see of their results: the mission picker of /submit, a result's summary
before sending, the notices of its review, the dispute button, /earnings; pure functions of
models and a translator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData, MyMissionsCb, SubmitResultCb
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, cut_to_fit, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from bot.kit.views import contact_lines
from handlers.results.drafts import ResultDraft
from services import notices
from services.results import DisputeOutcome, SubmitRefusal, Submittable
from storage.models import Earning, PayoutSummary, ProofKind

PAGE_SIZE = 5

Screen = tuple[Html, InlineKeyboardMarkup | None]

SUBMIT_REFUSALS = key_table(
    {
        SubmitRefusal.NOT_ACTIVE: "result.refused.not_active",
        SubmitRefusal.MISSION_CLOSED: "result.refused.mission_closed",
        SubmitRefusal.CAP_REACHED: "result.refused.cap_reached",
        SubmitRefusal.DUPLICATE: "result.refused.duplicate",
    }
)
DISPUTE_OUTCOMES = key_table(
    {
        DisputeOutcome.OPENED: "dispute.opened",
        DisputeOutcome.WINDOW_CLOSED: "dispute.window_closed",
        DisputeOutcome.ALREADY: "dispute.already",
        DisputeOutcome.NOT_ALLOWED: "dispute.not_allowed",
    }
)
PROOF_KIND = key_table({kind: f"media.{kind.value}" for kind in ProofKind})
# The fields a result's summary can change, by step name.
FIELD_NAMES = key_table(
    {
        "contact_name": "field.result.contact_name",
        "contact_company_b2b": "field.result.contact_company",
        "contact_company_b2c": "field.result.contact_company",
        "phone": "field.result.phone",
        "appointment": "field.result.appointment",
        "notes": "field.result.notes",
        "proof": "field.result.proof",
    }
)


class PickerPageCb(CallbackData):
    """A page of /submit's mission picker."""

    prefix = "sbp"
    page: int


class DisputeCb(CallbackData):
    """Dispute a rejected result."""

    prefix = "rdp"
    result_id: int


class EarningsCb(CallbackData):
    """/earnings, at `page`."""

    prefix = "ern"
    page: int = 0


def pages_of(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


# --- submitting ---------------------------------------------------------------------------------


def picker(t: Translator, submittable: Sequence[Submittable], page: int) -> Screen:
    """One button per mission the prospector can submit a result on, five a page."""
    shown = submittable[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[_pick_button(t, item)] for item in shown]
    pages = pages_of(len(submittable))
    rows.append(pager(t, page, pages, lambda p: PickerPageCb(page=p)))
    rows.append([button(t.plain("button.back_mine"), MyMissionsCb())])
    text = t("result.pick", page=page + 1, pages=pages)
    return text, keyboard([row for row in rows if row])


def _pick_button(t: Translator, item: Submittable) -> InlineKeyboardButton:
    def label(title: str) -> str:
        return t.plain("button.result_for", mission_id=item.mission.id, title=title)

    submit = SubmitResultCb(assignment_id=item.assignment.id)
    return button(cut_to_fit(label, item.mission.title), submit)


def intro(t: Translator, draft: ResultDraft) -> Html:
    return t("result.intro", mission_id=draft.mission_id, title=draft.title)


def summary(draft: ResultDraft, t: Translator) -> Html:
    """The result as it will be sent, for the prospector to check."""
    lines = contact_lines(t, draft.details())
    if draft.proof is not None:
        lines.append(t("result.line.proof", kind=t.plain(PROOF_KIND[draft.proof.kind])))
    return t(
        "result.summary",
        mission_id=draft.mission_id,
        title=draft.title,
        lines=Html("\n".join(lines)),
    )


# --- notices ------------------------------------------------------------------------------------


def validated_notice(notice: notices.ResultValidated, t: Translator) -> Outbound:
    text = t(
        "notify.result_validated",
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        amount=t.money(notice.amount_cents),
    )
    return text_message(text, keyboard([[button(t.plain("button.earnings"), EarningsCb())]]))


def rejected_notice(notice: notices.ResultRejected, t: Translator) -> Outbound:
    """The company's reason, and the Dispute button while the window is open."""
    text = t(
        "notify.result_rejected",
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        reason=notice.reason,
        until=t.datetime(notice.dispute_until),
    )
    dispute = DisputeCb(result_id=notice.result_id)
    return text_message(text, keyboard([[button(t.plain("button.dispute"), dispute)]]))


# Both sides are told of an automatic validation; each reads its own wording.
_AUTO_VALIDATED = key_table(
    {False: "notify.result_auto_validated", True: "notify.result_auto_validated_company"}
)


def auto_validated_notice(notice: notices.ResultAutoValidated, t: Translator) -> Outbound:
    text = t(
        _AUTO_VALIDATED[notice.to_company],
        result_id=notice.result_id,
        mission_id=notice.mission_id,
        title=notice.title,
        amount=t.money(notice.amount_cents),
    )
    return text_message(text)


# --- earnings -----------------------------------------------------------------------------------


def earnings(
    t: Translator, found: Sequence[Earning], summaries: Mapping[int, PayoutSummary], page: int
) -> Screen:
    """Validated amounts per company with where their money stands, five a page, and the
    total of them all."""
    back = [button(t.plain("button.back_mine"), MyMissionsCb())]
    if not found:
        return t("earnings.none"), keyboard([back])
    shown = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [_earning_row(t, earning, summaries.get(earning.company_id)) for earning in shown]
    pages = pages_of(len(found))
    text = t(
        "earnings.list",
        page=page + 1,
        pages=pages,
        rows=Html("\n\n".join(rows)),
        total=_amounts(
            t,
            sum(e.results for e in found),
            sum(e.gross_cents for e in found),
            sum(e.fee_cents for e in found),
            sum(e.net_cents for e in found),
        ),
    )
    paging = pager(t, page, pages, lambda p: EarningsCb(page=p))
    return text, keyboard([row for row in (paging, back) if row])


def _earning_row(t: Translator, earning: Earning, summary: PayoutSummary | None) -> Html:
    amounts = _amounts(
        t, earning.results, earning.gross_cents, earning.fee_cents, earning.net_cents
    )
    row = t("earnings.row", company=earning.company_name, amounts=amounts)
    return row if summary is None else Html(f"{row}\n{_buckets(t, summary)}")


def _buckets(t: Translator, summary: PayoutSummary) -> Html:
    """Where the net amount stands; the empty buckets are left out, all time never is."""
    buckets = (
        ("earnings.unstatemented", summary.unstatemented_cents),
        ("earnings.due", summary.due_cents),
        ("earnings.overdue", summary.overdue_cents),
        ("earnings.paid_this_month", summary.paid_this_month_cents),
    )
    lines = [t(key, amount=t.money(cents)) for key, cents in buckets if cents]
    lines.append(t("earnings.all_time", amount=t.money(summary.all_time_cents)))
    return Html("\n".join(lines))


def _amounts(t: Translator, results: int, gross: int, fee: int, net: int) -> Html:
    return t(
        "earnings.amounts",
        results=t.count("count.results", results),
        gross=t.money(gross),
        fee=t.money(fee),
        net=t.money(net),
    )
