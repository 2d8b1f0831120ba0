"""What each side sees of payout statements: the notices (a statement issued, reminders,
the payment, the admins' alerts), /payouts and the outcomes of marking paid and of a
receipt; pure functions of models and a translator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData, ReviewCb
from bot.kit.i18n import Html, Translator, enum_keys, key_table
from bot.kit.keyboards import button, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.outbox import TEXT_DOCUMENT
from bot.kit.screens import pager
from services import notices
from services.payouts import PaidOutcome, ReceiptOutcome
from storage.models import Priority, Receipt, ReminderKind, Statement, StatementStatus

PAGE_SIZE = 5

Screen = tuple[Html, InlineKeyboardMarkup | None]

# Each side reads the statement from its own end: whom it pays, or who pays it.
_ISSUED = key_table({True: "payouts.issued_company", False: "payouts.issued_prospector"})
_REMINDERS = enum_keys(ReminderKind, "payouts.reminder")
PAID_OUTCOMES = key_table(
    {
        PaidOutcome.PAID: "payouts.marked_paid",
        PaidOutcome.ALREADY_PAID: "payouts.already_paid",
        PaidOutcome.NOT_ALLOWED: "payouts.not_allowed",
    }
)
RECEIPT_RECORDED = key_table(
    {Receipt.CONFIRMED: "payouts.receipt_confirmed", Receipt.MISSING: "payouts.receipt_missing"}
)
RECEIPT_REFUSALS = key_table(
    {
        ReceiptOutcome.ALREADY: "payouts.receipt_already",
        ReceiptOutcome.NOT_ALLOWED: "stale_action",
    }
)
_RECEIPT_STATUS = key_table(
    {
        None: "payouts.receipt_status.awaited",
        Receipt.CONFIRMED: "payouts.receipt_status.confirmed",
        Receipt.MISSING: "payouts.receipt_status.missing",
    }
)


class PayoutsCb(CallbackData):
    """/payouts, at `page`."""

    prefix = "pay"
    page: int = 0


class MarkPaidCb(CallbackData):
    """The company marks a statement paid (a reference is asked next)."""

    prefix = "ppd"
    statement_id: int


class ReceiptCb(CallbackData):
    """The prospector's word on a paid statement: it arrived, or it did not."""

    prefix = "prc"
    statement_id: int
    receipt: Receipt


def pages_of(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _mark_paid_button(t: Translator, statement_id: int, number: str) -> InlineKeyboardButton:
    return button(t.plain("button.mark_paid", number=number), MarkPaidCb(statement_id=statement_id))


# --- notices ------------------------------------------------------------------------------------


def issued_notice(notice: notices.StatementIssued, t: Translator) -> Outbound:
    """The statement as a CSV document, its summary as the caption; the company's copy
    carries *Mark as paid*."""
    caption = t(
        _ISSUED[notice.to_company],
        number=notice.number,
        other=notice.other,
        start=t.datetime(notice.period_start),
        end=t.datetime(notice.period_end),
        entries=t.count("count.entries", notice.entries),
        gross=t.money(notice.gross_cents),
        fee=t.money(notice.fee_cents),
        net=t.money(notice.net_cents),
        due=t.datetime(notice.due_at),
    )
    params = {TEXT_DOCUMENT: notice.csv, "filename": f"{notice.number}.csv", "caption": caption}
    markup = None
    if notice.to_company:
        markup = keyboard([[_mark_paid_button(t, notice.statement_id, notice.number)]])
    return Outbound("send_document", params, markup)


def reminder_notice(notice: notices.PaymentReminder, t: Translator) -> Outbound:
    text = t(
        _REMINDERS[notice.kind],
        number=notice.number,
        code=notice.code,
        net=t.money(notice.net_cents),
        due=t.datetime(notice.due_at),
    )
    markup = keyboard([[_mark_paid_button(t, notice.statement_id, notice.number)]])
    return text_message(text, markup, Priority.REMINDER)


def escalated_notice(notice: notices.PaymentEscalated, t: Translator) -> Outbound:
    text = t(
        "payouts.escalated",
        number=notice.number,
        company=notice.company_name,
        code=notice.code,
        net=t.money(notice.net_cents),
        due=t.datetime(notice.due_at),
        reminders=notice.overdue_reminders,
    )
    return text_message(text)


def paid_notice(notice: notices.StatementPaid, t: Translator) -> Outbound:
    text = t(
        "payouts.paid_notice",
        number=notice.number,
        company=notice.company_name,
        net=t.money(notice.net_cents),
        reference=notice.reference,
    )
    answers = [
        button(t.plain("button.receipt_confirmed"), _receipt(notice, Receipt.CONFIRMED)),
        button(t.plain("button.receipt_missing"), _receipt(notice, Receipt.MISSING)),
    ]
    return text_message(text, keyboard([answers]))


def _receipt(notice: notices.StatementPaid, receipt: Receipt) -> ReceiptCb:
    return ReceiptCb(statement_id=notice.statement_id, receipt=receipt)


def missing_notice(notice: notices.PaymentMissing, t: Translator) -> Outbound:
    text = t(
        "payouts.missing_notice",
        number=notice.number,
        company=notice.company_name,
        code=notice.code,
        net=t.money(notice.net_cents),
        reference=notice.reference,
    )
    return text_message(text)


# --- /payouts -----------------------------------------------------------------------------------


def payouts(
    t: Translator,
    statements: Sequence[Statement],
    codes: Mapping[int, str],
    now: datetime,
    page: int,
) -> Screen:
    """Statements due (overdue ones said so) then those paid lately, five a page; each due
    one with its *Mark as paid*."""
    if not statements:
        # Statements come from validated results: the way on is to review them.
        review = button(t.plain("button.home_review"), ReviewCb())
        return t("payouts.none"), keyboard([[review]])
    pages = pages_of(len(statements))
    shown = statements[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    blocks = [_statement_block(t, s, codes.get(s.prospector_id, "?"), now) for s in shown]
    rows = [
        [_mark_paid_button(t, s.id, s.number)] for s in shown if s.status is StatementStatus.DUE
    ]
    rows.append(pager(t, page, pages, lambda p: PayoutsCb(page=p)))
    text = t("payouts.list", page=page + 1, pages=pages, rows=Html("\n\n".join(blocks)))
    rows = [row for row in rows if row]
    return text, keyboard(rows) if rows else None


def _statement_block(t: Translator, statement: Statement, code: str, now: datetime) -> Html:
    values: dict[str, object] = {
        "number": statement.number,
        "code": code,
        "net": t.money(statement.net_cents),
        "due": t.datetime(statement.due_at),
    }
    if statement.status is StatementStatus.PAID:
        assert statement.paid_at is not None
        return t(
            "payouts.row_paid",
            **values,
            paid=t.datetime(statement.paid_at),
            reference=statement.payment_reference or "",
            receipt=t.plain(_RECEIPT_STATUS[statement.receipt]),
        )
    overdue = statement.due_at <= now
    return t("payouts.row_overdue" if overdue else "payouts.row_due", **values)


# --- marking paid and receipts --------------------------------------------------------------------


def marking(t: Translator, statement: Statement) -> Html:
    return t("payouts.marking", number=statement.number, net=t.money(statement.net_cents))


def receipt_recorded(t: Translator, statement: Statement, receipt: Receipt) -> Html:
    return t(
        RECEIPT_RECORDED[receipt],
        number=statement.number,
        net=t.money(statement.net_cents),
        reference=statement.payment_reference or "",
    )
