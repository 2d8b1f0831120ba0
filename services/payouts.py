"""Payout statements and reminders. The bot moves no money: on each scheduled run it
issues, per company and prospector, a statement of the validated entries not yet on one;
it reminds the company a day before the due time, at it, and every REMINDER_INTERVAL_HOURS
after, never in quiet hours; after MAX_OVERDUE_REMINDERS overdue reminders the admins are
alerted once. Marking a statement paid stops its reminders and asks the prospector to
confirm the receipt.

Everything due lives in the database (the runs, each statement's next reminder), and every
function here is idempotent: a late, repeated or missed tick catches up, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from services import notices
from services.export import csv_document, euros_cell, moment_cell
from services.ports import Deps
from services.schedule import next_allowed
from storage.clock import from_db
from storage.database import Transaction
from storage.models import (
    Receipt,
    ReminderKind,
    Statement,
    StatementGroup,
    StatementStatus,
)

# Reminders handled per transaction: a catch-up never holds the write lock for long.
REMINDER_BATCH = 500
BEFORE_DUE = timedelta(hours=24)
CSV_HEADER = ("result_id", "mission_id", "mission", "contact_name", "validated_at",
              "amount", "fee", "net")  # fmt: skip


# --- issuing -----------------------------------------------------------------------------------


async def issue_statements(deps: Deps, scheduled_for: datetime) -> int | None:
    """The run of `scheduled_for`: a statement per company and prospector with validated
    entries on none yet; both sides are told, with the entries as CSV. None if that run was
    done already."""
    async with deps.db.transaction() as tx:
        run_id = await deps.repos.statements.start_run(tx, scheduled_for)
        if run_id is None:
            return None
        groups = await deps.repos.statements.unstatemented(tx)
        for group in groups:
            await _issue(deps, tx, run_id, group)
        await deps.repos.statements.finish_run(tx, run_id, len(groups))
    return len(groups)


async def _issue(deps: Deps, tx: Transaction, run_id: int, group: StatementGroup) -> None:
    now = deps.clock.now()
    due_at = now + deps.rules.payment_terms
    first = (due_at - BEFORE_DUE, ReminderKind.BEFORE)
    if first[0] <= now:
        first = (due_at, ReminderKind.DUE)
    statements = deps.repos.statements
    statement_id = await statements.create(tx, run_id, group, due_at, first)
    statement = await statements.get(statement_id, tx)
    assert statement is not None
    table = await _csv(deps, tx, statement)
    for user_id, to_company, other in (
        (statement.prospector_id, False, statement.company_name),
        (statement.company_id, True, statement.prospector_code),
    ):
        issued = notices.StatementIssued(
            statement_id=statement.id,
            number=statement.number,
            net_cents=statement.net_cents,
            due_at=statement.due_at,
            to_company=to_company,
            other=other,
            entries=statement.entries,
            gross_cents=statement.gross_cents,
            fee_cents=statement.fee_cents,
            period_start=statement.period_start,
            period_end=statement.period_end,
            csv=table,
        )
        await deps.notifier.notify(tx, user_id, issued)


async def _csv(deps: Deps, tx: Transaction, statement: Statement) -> str:
    """The statement's entries, as the mission export writes its results."""
    rows = [
        [
            str(row["result_id"]),
            str(row["mission_id"]),
            row["title"],
            row["contact_name"],
            moment_cell(from_db(row["created_at"]), deps.rules.zone),
            euros_cell(row["gross_cents"]),
            euros_cell(row["fee_cents"]),
            euros_cell(row["net_cents"]),
        ]
        for row in await deps.repos.statements.entry_rows(statement.id, tx)
    ]
    return csv_document(CSV_HEADER, rows)


# --- reminders -----------------------------------------------------------------------------------


async def send_due_reminders(deps: Deps) -> int:
    """Send every reminder due now (a reminder missed while the bot was down is sent once,
    and the next is counted from now), postponing those that fall in quiet hours to the
    end of the quiet period; returns how many were sent."""
    sent = 0
    while True:
        async with deps.db.transaction() as tx:
            due = await deps.repos.statements.reminders_due(tx, deps.clock.now(), REMINDER_BATCH)
            told: list[tuple[int, notices.Notice]] = []
            for statement in due:
                told += await _remind(deps, tx, statement)
            await deps.notifier.notify_many(tx, told)
            sent += sum(isinstance(notice, notices.PaymentReminder) for _, notice in told)
        if len(due) < REMINDER_BATCH:
            return sent


async def _remind(
    deps: Deps, tx: Transaction, statement: Statement
) -> list[tuple[int, notices.Notice]]:
    """Move the statement's reminder on; what to tell whom (nothing in quiet hours)."""
    now = deps.clock.now()
    statements = deps.repos.statements
    kind = statement.next_reminder
    assert kind is not None
    if kind is ReminderKind.BEFORE and now >= statement.due_at:
        # Sent late (the bot was down past the due time): it is due now, said once; a
        # "before" here would schedule the "due" in the past, a second reminder at once.
        kind = ReminderKind.DUE
    allowed = next_allowed(now, deps.rules.zone, deps.rules.quiet_hours)
    if allowed > now:
        await statements.schedule_reminder(tx, statement.id, allowed, kind)
        return []
    reminder = notices.PaymentReminder(
        statement_id=statement.id,
        number=statement.number,
        net_cents=statement.net_cents,
        due_at=statement.due_at,
        kind=kind,
        code=statement.prospector_code,
    )
    told: list[tuple[int, notices.Notice]] = [(statement.company_id, reminder)]
    if kind is ReminderKind.BEFORE:
        await statements.schedule_reminder(tx, statement.id, statement.due_at, ReminderKind.DUE)
        return told
    overdue = kind is ReminderKind.OVERDUE
    escalate = (
        overdue
        and statement.escalated_at is None
        and statement.overdue_reminders + 1 >= deps.rules.max_overdue_reminders
    )
    if escalate:
        told += _escalation(deps, statement)
    await statements.schedule_reminder(
        tx,
        statement.id,
        now + deps.rules.reminder_interval,
        ReminderKind.OVERDUE,
        overdue_sent=overdue,
        escalated=escalate,
    )
    return told


def _escalation(deps: Deps, statement: Statement) -> list[tuple[int, notices.Notice]]:
    """The admins' one alert about a statement still unpaid after the overdue reminders."""
    alert = notices.PaymentEscalated(
        statement_id=statement.id,
        number=statement.number,
        net_cents=statement.net_cents,
        due_at=statement.due_at,
        company_name=statement.company_name,
        code=statement.prospector_code,
        overdue_reminders=statement.overdue_reminders + 1,
    )
    return [(admin_id, alert) for admin_id in sorted(deps.rules.admin_ids)]


# --- payment and receipt -------------------------------------------------------------------------


class PaidOutcome(StrEnum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    NOT_ALLOWED = "not_allowed"


async def company_statement(deps: Deps, company_id: int, statement_id: int) -> Statement | None:
    statement = await deps.repos.statements.get(statement_id)
    return statement if statement is not None and statement.company_id == company_id else None


async def mark_paid(deps: Deps, company_id: int, statement_id: int, reference: str) -> PaidOutcome:
    """The company says it paid, with its payment reference: the reminders stop and the
    prospector is asked to confirm the receipt."""
    async with deps.db.transaction() as tx:
        statement = await deps.repos.statements.get(statement_id, tx)
        if statement is None or statement.company_id != company_id:
            return PaidOutcome.NOT_ALLOWED
        if not await deps.repos.statements.mark_paid(tx, statement.id, company_id, reference):
            return PaidOutcome.ALREADY_PAID
        paid = notices.StatementPaid(
            statement_id=statement.id,
            number=statement.number,
            net_cents=statement.net_cents,
            due_at=statement.due_at,
            company_name=statement.company_name,
            reference=reference,
        )
        await deps.notifier.notify(tx, statement.prospector_id, paid)
    return PaidOutcome.PAID


class ReceiptOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"


async def record_receipt(
    deps: Deps, prospector_id: int, statement_id: int, receipt: Receipt
) -> ReceiptOutcome:
    """The prospector confirms the payment arrived, or says it did not (the admins are told,
    with the reference)."""
    async with deps.db.transaction() as tx:
        statement = await deps.repos.statements.get(statement_id, tx)
        if statement is None or statement.prospector_id != prospector_id:
            return ReceiptOutcome.NOT_ALLOWED
        if statement.status is not StatementStatus.PAID:
            return ReceiptOutcome.NOT_ALLOWED
        if not await deps.repos.statements.record_receipt(tx, statement.id, receipt):
            return ReceiptOutcome.ALREADY
        if receipt is Receipt.MISSING:
            missing = notices.PaymentMissing(
                statement_id=statement.id,
                number=statement.number,
                net_cents=statement.net_cents,
                due_at=statement.due_at,
                company_name=statement.company_name,
                code=statement.prospector_code,
                reference=statement.payment_reference or "",
            )
            for admin_id in sorted(deps.rules.admin_ids):
                await deps.notifier.notify(tx, admin_id, missing)
    return ReceiptOutcome.RECORDED
