"""Messages the rules send to users other than the one acting, as typed values.

Each is rendered by the Telegram layer in its recipient's language; the fields are what the
text needs, never a Telegram identity: prospectors appear by their public code, companies
by their name."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.models import MessageKind, PayModel, Proof, ReminderKind


class Notice(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Set on notices about a thread: a reply to the delivered message goes to that thread.
    thread_id: int | None = None


class MissionRef(Notice):
    mission_id: int
    title: str


class ProspectorStarted(MissionRef):
    """To the company: a prospector started on an automatic mission."""

    code: str
    rate_cents: int


class ApplicationReceived(MissionRef):
    """To the company: a prospector applied; the company answers with Approve / Decline."""

    assignment_id: int
    code: str
    display_name: str
    experience_years: int
    languages: tuple[str, ...]


class ApplicationApproved(MissionRef):
    rate_cents: int


class ApplicationDeclined(MissionRef):
    pass


class ProspectorLeft(MissionRef):
    """To the company: an active prospector left (their slot is free again)."""

    code: str


class ApplicationWithdrawn(MissionRef):
    """To the company: an applicant or negotiating prospector withdrew."""

    code: str


class MissionClosed(MissionRef):
    """To a prospector on the mission: it closed."""


class MissionPastDeadline(MissionRef):
    """To the company: the mission closed at its deadline."""


class NewMissionAlert(MissionRef):
    rate_cents: int
    pay_model: PayModel


class ThreadNotice(Notice):
    """Something said in a thread, shown under the thread's header as its recipient sees
    it (`other` is the sender's public name)."""

    mission_id: int
    other: str
    # Whether the recipient could make an offer in the thread when this was said: only
    # then is *Make an offer* shown under it.
    can_offer: bool = False


class MessageRelayed(ThreadNotice):
    """One message said in a thread; a long one arrives in `parts` messages, this being
    number `part` (media first, the rest of its caption as text)."""

    kind: MessageKind
    body: str
    file_id: str | None
    part: int = 1
    parts: int = 1


class ProspectorBrief(BaseModel):
    """What a company reads of a prospector before deciding: as with an application."""

    model_config = ConfigDict(frozen=True)

    display_name: str
    experience_years: int
    languages: tuple[str, ...]


class OfferReceived(ThreadNotice):
    offer_id: int
    amount_cents: int
    pay_model: PayModel
    # Set when the company receives the offer: who makes it.
    prospector: ProspectorBrief | None = None


class OfferAccepted(ThreadNotice):
    amount_cents: int


class OfferDeclined(ThreadNotice):
    amount_cents: int


class ResultNotice(MissionRef):
    result_id: int


class ResultSubmitted(ResultNotice):
    """To the company: a result to review, with its proof when there is one."""

    code: str
    proof: Proof | None


class ResultValidated(ResultNotice):
    """To the prospector: the company validated the result."""

    amount_cents: int


class ResultRejected(ResultNotice):
    """To the prospector: rejected, with the company's reason; it can be disputed until
    `dispute_until`."""

    reason: str
    dispute_until: datetime


class ResultAutoValidated(ResultNotice):
    """To both sides: not reviewed in time, so validated."""

    amount_cents: int
    to_company: bool


class DisputeOpened(ResultNotice):
    """To the admins: a prospector disputes a rejection."""

    dispute_id: int
    code: str
    company_name: str
    reason: str
    explanation: str


class DisputeDecided(ResultNotice):
    """To both sides: an admin decided the dispute."""

    validated: bool
    note: str
    admin_name: str
    to_company: bool


class MissionCompleted(MissionRef):
    """To the company and the prospectors on it: the cap of validated results is reached."""

    cap: int
    to_company: bool


class StatementNotice(Notice):
    statement_id: int
    number: str
    net_cents: int
    due_at: datetime


class StatementIssued(StatementNotice):
    """To both sides: a new statement, its entries attached as CSV."""

    to_company: bool
    other: str
    entries: int
    gross_cents: int
    fee_cents: int
    period_start: datetime
    period_end: datetime
    csv: str


class PaymentReminder(StatementNotice):
    """To the company: a statement due soon, due now, or overdue."""

    kind: ReminderKind
    code: str


class PaymentEscalated(StatementNotice):
    """To the admins, once: a statement still unpaid after the overdue reminders."""

    company_name: str
    code: str
    overdue_reminders: int


class StatementPaid(StatementNotice):
    """To the prospector: marked paid; confirm the receipt, or say nothing arrived."""

    company_name: str
    reference: str


class PaymentMissing(StatementNotice):
    """To the admins: the prospector says the payment did not arrive."""

    company_name: str
    code: str
    reference: str


class AccountBanned(Notice):
    """To the user an admin banned, once, at the ban (the account guard reminds them at
    most once a day after that)."""

    reason: str | None


class AccountRestored(Notice):
    """To the user an admin unbanned; a company's missions paused by the ban stay paused."""

    to_company: bool


class BroadcastCopy(Notice):
    """To everyone in a broadcast's audience: a copy of the admin's message, exactly as it
    was sent (the one notice that names Telegram messages: the message copied is the
    admin's own). `paid`: sent as one of Telegram's paid broadcasts."""

    from_chat_id: int
    message_id: int
    paid: bool


class BroadcastFinished(Notice):
    """To the admin who started a broadcast: nothing is left to send."""

    broadcast_id: int
    sent: int
    blocked: int
    failed: int
