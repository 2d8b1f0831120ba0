"""Payout statements: the notices of a statement issued, of reminders and of its payment;
/payouts for companies, *Mark as paid* with the payment reference; the prospector's
*Confirm receipt* / *Nothing arrived*; the admins' alerts."""

from __future__ import annotations

from bot.kit.commands import COMPANIES, Command
from bot.kit.context import HomeButton
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.payouts import listing, paying, receipts, screens
from handlers.payouts.screens import PayoutsCb, ReceiptCb
from services import notices
from storage.models import Role

FEATURE = Feature(
    name="payouts",
    commands=(Command("payouts", COMPANIES),),
    handlers=(
        (Stage.WIZARDS, paying.MARK_PAID),
        on_command("payouts", listing.show_payouts),
        on_button(PayoutsCb, listing.show_payouts),
        on_button(ReceiptCb, receipts.record),
    ),
    home_buttons=(HomeButton(Role.COMPANY, "button.home_payouts", PayoutsCb()),),
    notices={
        notices.StatementIssued: screens.issued_notice,
        notices.PaymentReminder: screens.reminder_notice,
        notices.PaymentEscalated: screens.escalated_notice,
        notices.StatementPaid: screens.paid_notice,
        notices.PaymentMissing: screens.missing_notice,
    },
)
