"""What the repositories return."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    COMPANY = "company"
    PROSPECTOR = "prospector"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class User(Model):
    id: int
    role: Role | None
    language: str
    language_chosen: bool
    first_name: str
    username: str | None
    created_at: datetime
    last_seen_at: datetime
    banned_at: datetime | None
    ban_notice_at: datetime | None
    blocked_at: datetime | None

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class CompanyDetails(Model):
    """What a company fills in; validated before it gets here."""

    name: str
    sector: str
    siren: str | None


class CompanyProfile(CompanyDetails):
    user_id: int


class ProspectorDetails(Model):
    """What a prospector fills in; their public number is given at sign-up."""

    display_name: str
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    experience_years: int
    bio: str
    notify_new_missions: bool


class ProspectorProfile(ProspectorDetails):
    user_id: int
    number: int

    @property
    def code(self) -> str:
        return prospector_code(self.number)


def prospector_code(number: int) -> str:
    return f"P-{number:04d}"


class Priority(IntEnum):
    NOTIFICATION = 0
    REMINDER = 1
    BROADCAST = 2


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"


class QueuedMessage(Model):
    """A message to queue in the outbox: a Bot API method and its parameters."""

    chat_id: int
    method: str
    params: dict[str, Any]
    priority: Priority = Priority.NOTIFICATION
    thread_id: int | None = None


class OutboxMessage(Model):
    id: int
    chat_id: int
    priority: Priority
    method: str
    params: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before: datetime
    message_id: int | None
    error: str | None


class PayModel(StrEnum):
    APPOINTMENT = "appointment"
    LEAD = "lead"
    SALE = "sale"


class Target(StrEnum):
    B2B = "b2b"
    B2C = "b2c"


class Approval(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class MissionStatus(StrEnum):
    """A mission being written lives in the company's wizard until published; a stored
    mission is open, paused or closed."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    # The cap of validated results is reached.
    COMPLETED = "completed"


class MissionFields(Model):
    """What a company fills in; validated before it gets here."""

    title: str
    brief: str
    pay_model: PayModel
    rate_cents: int
    slots: int
    result_cap: int | None
    deadline: date | None
    target: Target
    approval: Approval


class Mission(MissionFields):
    id: int
    company_id: int
    status: MissionStatus
    active_count: int
    published_at: datetime | None
    closed_reason: str | None

    @property
    def slots_left(self) -> int:
        return max(0, self.slots - self.active_count)


class MissionSummary(Model):
    """A row of a company's /missions list."""

    mission: Mission
    applicants: int


class AssignmentStatus(StrEnum):
    NEGOTIATING = "negotiating"
    APPLIED = "applied"
    ACTIVE = "active"
    ENDED = "ended"
    DECLINED = "declined"
    LEFT = "left"


class Assignment(Model):
    id: int
    mission_id: int
    prospector_id: int
    status: AssignmentStatus
    agreed_rate_cents: int | None


class BrowseFilters(Model):
    pay_model: PayModel | None = None
    min_rate_cents: int | None = None
    target: Target | None = None


# The audiences an admin may broadcast to.
BroadcastAudience = Literal["everyone", "companies", "prospectors", "active_prospectors"]
BROADCAST_AUDIENCES: tuple[BroadcastAudience, ...] = (
    "everyone", "companies", "prospectors", "active_prospectors"
)  # fmt: skip
AudienceKind = Literal["new_mission_alert", BroadcastAudience]


class Audience(Model):
    """Who a fan-out goes to; never a banned user nor one blocking the bot.

    `new_mission_alert`: prospectors who asked for new-mission alerts and work in `target`'s
    market. `everyone`: every user, signed up or not; `companies`, `prospectors`: those of
    the role; `active_prospectors`: prospectors seen since `active_since` (fixed when the
    campaign is created, so that expanding it later selects the same people). Whoever is in
    `excluded` is left out whatever the kind (a broadcast's admins, kept with the campaign
    for the same reason)."""

    kind: AudienceKind
    target: Target | None = None
    active_since: datetime | None = None
    excluded: tuple[int, ...] = ()


class CampaignStatus(StrEnum):
    EXPANDING = "expanding"
    DONE = "done"
    CANCELLED = "cancelled"


class CampaignMessage(Model):
    """A campaign's message in one language, as an outbox row holds it: a Bot API method
    and its parameters without chat_id (buttons as a dict)."""

    method: str
    params: dict[str, Any]


class Campaign(Model):
    """A message to a whole audience, turned into outbox rows in user id order; `cursor` is
    the last user id done and `queued` how many rows were made so far."""

    id: int
    audience: Audience
    priority: Priority
    status: CampaignStatus
    cursor: int
    queued: int


class CampaignProgress(Model):
    """How far a campaign's delivery went: its rows by outcome, and the rows still pending
    (in flight included)."""

    status: CampaignStatus
    queued: int
    sent: int
    blocked: int
    failed: int
    pending: int


class BroadcastStatus(StrEnum):
    SENDING = "sending"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Broadcast(Model):
    """An admin's message copied to an audience (see migration 0010)."""

    id: int
    campaign_id: int
    admin_id: int
    audience: BroadcastAudience
    source_chat_id: int
    source_message_id: int
    paid: bool
    recipients: int
    status: BroadcastStatus
    progress_message_id: int | None
    progress_at: datetime
    started_at: datetime
    ended_at: datetime | None
    sent: int | None
    blocked: int | None
    failed: int | None


class Thread(Model):
    id: int
    mission_id: int
    prospector_id: int
    company_id: int

    def other_side(self, user_id: int) -> int:
        return self.company_id if user_id == self.prospector_id else self.prospector_id

    def has_member(self, user_id: int) -> bool:
        return user_id in (self.prospector_id, self.company_id)


class ThreadSummary(Model):
    """A row of /threads: the thread, what to call it, and how much is unread."""

    thread: Thread
    mission_title: str
    prospector_number: int
    company_name: str
    unread: int

    @property
    def prospector_code(self) -> str:
        return prospector_code(self.prospector_number)


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    OFFER = "offer"


class ThreadMessage(Model):
    id: int
    thread_id: int
    sender_id: int
    kind: MessageKind
    body: str
    file_id: str | None
    offer_id: int | None
    created_at: datetime


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"
    # Taken back when the prospector left the mission.
    WITHDRAWN = "withdrawn"


class Offer(Model):
    id: int
    thread_id: int
    author_id: int
    amount_cents: int
    status: OfferStatus


class ResultStatus(StrEnum):
    PENDING = "pending"
    VALIDATED = "validated"
    REJECTED = "rejected"


class ProofKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"


class Reviewer(StrEnum):
    COMPANY = "company"
    AUTO = "auto"
    DISPUTE = "dispute"


class Proof(Model):
    kind: ProofKind
    file_id: str


class ResultDetails(Model):
    """What a prospector reports of a call; validated before it gets here."""

    contact_name: str
    contact_company: str | None
    phone: str
    appointment_at: datetime | None
    notes: str
    proof: Proof | None


class Result(ResultDetails):
    id: int
    assignment_id: int
    mission_id: int
    prospector_id: int
    status: ResultStatus
    submitted_at: datetime
    review_due_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: Reviewer | None
    reason: str | None
    dispute_due_at: datetime | None


class DisputeStatus(StrEnum):
    OPEN = "open"
    VALIDATED = "validated"
    KEPT_REJECTED = "kept_rejected"


class Dispute(Model):
    id: int
    result_id: int
    explanation: str
    status: DisputeStatus
    opened_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    note: str | None


class ResultCounts(Model):
    pending: int = 0
    validated: int = 0
    rejected: int = 0
    validated_cents: int = 0


class Earning(Model):
    """What one company owes a prospector for validated results."""

    company_id: int
    company_name: str
    results: int
    gross_cents: int
    fee_cents: int
    net_cents: int


class StatementStatus(StrEnum):
    DUE = "due"
    PAID = "paid"


class ReminderKind(StrEnum):
    BEFORE = "before"  # a day before the due time
    DUE = "due"  # at the due time
    OVERDUE = "overdue"  # every REMINDER_INTERVAL_HOURS after it


class Receipt(StrEnum):
    CONFIRMED = "confirmed"
    MISSING = "missing"


class Statement(Model):
    id: int
    company_id: int
    prospector_id: int
    period_start: datetime
    period_end: datetime
    entries: int
    gross_cents: int
    fee_cents: int
    net_cents: int
    issued_at: datetime
    due_at: datetime
    status: StatementStatus
    paid_at: datetime | None
    paid_by: int | None
    payment_reference: str | None
    receipt: Receipt | None
    receipt_at: datetime | None
    next_reminder_at: datetime | None
    next_reminder: ReminderKind | None
    overdue_reminders: int
    escalated_at: datetime | None
    company_name: str
    prospector_number: int

    @property
    def prospector_code(self) -> str:
        return prospector_code(self.prospector_number)

    @property
    def number(self) -> str:
        """The statement's public number, e.g. `CB-2026-000123`."""
        return f"CB-{self.issued_at.year}-{self.id:06d}"


class StatementGroup(Model):
    """Validated ledger entries of one company for one prospector, not yet on a statement."""

    company_id: int
    prospector_id: int
    entries: int
    gross_cents: int
    fee_cents: int
    net_cents: int
    first_at: datetime
    last_at: datetime


class PayoutSummary(Model):
    """What one company owes a prospector, by where the money stands."""

    company_id: int
    company_name: str
    unstatemented_cents: int = 0
    due_cents: int = 0
    overdue_cents: int = 0
    paid_this_month_cents: int = 0
    all_time_cents: int = 0


class AuditAction(StrEnum):
    BROADCAST = "broadcast"
    BROADCAST_CANCEL = "broadcast_cancel"
    BAN = "ban"
    UNBAN = "unban"
    DISPUTE_DECISION = "dispute_decision"


class AuditEntry(Model):
    """One admin action as the audit log keeps it; `details` says what it affected."""

    id: int
    admin_id: int
    action: AuditAction
    subject_id: int | None
    details: dict[str, Any]
    created_at: datetime


class MarketFigures(Model):
    """The marketplace at a glance, for the admins' /stats. Amounts in cents: validated is
    the gross of every ledger entry; due and paid are the net of statements in that state."""

    companies: int
    prospectors: int
    without_role: int
    active_7_days: int
    active_30_days: int
    blocked: int
    banned: int
    open_missions: int
    paused_missions: int
    results: dict[ResultStatus, int]
    open_disputes: int
    validated_cents: int
    unstatemented_cents: int
    due_cents: int
    paid_cents: int
    # Pending outbox rows by priority.
    backlog: dict[Priority, int]
