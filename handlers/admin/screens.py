"""The admins' screens (disputes, /stats, /ban and /unban answers, /audit) and the notices
about disputes and bans, as pure functions of models and a translator: no I/O, so they are
unit-tested in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData
from bot.kit.i18n import Html, Translator, enum_keys, key_table
from bot.kit.keyboards import button, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from bot.kit.views import result_details
from handlers.admin.broadcast_screens import AUDIENCE
from services import notices
from services.moderation import BanOutcome, Moderated, Subject
from storage.models import (
    AuditAction,
    AuditEntry,
    Dispute,
    DisputeStatus,
    MarketFigures,
    Priority,
    Result,
    ResultStatus,
    Role,
)

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


class AuditPageCb(CallbackData):
    """A page of the audit log, newest first."""

    prefix = "aud"
    page: int


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


# --- /stats -----------------------------------------------------------------------------------


def stats_text(t: Translator, figures: MarketFigures) -> Html:
    n, money = t.number, t.money
    users = figures.companies + figures.prospectors + figures.without_role
    return t(
        "stats.text",
        users=n(users),
        companies=n(figures.companies),
        prospectors=n(figures.prospectors),
        without_role=n(figures.without_role),
        active_7=n(figures.active_7_days),
        active_30=n(figures.active_30_days),
        blocked=n(figures.blocked),
        banned=n(figures.banned),
        open_missions=n(figures.open_missions),
        paused_missions=n(figures.paused_missions),
        pending=n(figures.results[ResultStatus.PENDING]),
        validated=n(figures.results[ResultStatus.VALIDATED]),
        rejected=n(figures.results[ResultStatus.REJECTED]),
        disputes=n(figures.open_disputes),
        validated_amount=money(figures.validated_cents),
        unstatemented_amount=money(figures.unstatemented_cents),
        due_amount=money(figures.due_cents),
        paid_amount=money(figures.paid_cents),
        notifications=n(figures.backlog[Priority.NOTIFICATION]),
        reminders=n(figures.backlog[Priority.REMINDER]),
        broadcasts=n(figures.backlog[Priority.BROADCAST]),
    )


# --- /ban and /unban --------------------------------------------------------------------------

_MODERATED = key_table(
    {
        BanOutcome.BANNED: "ban.done",
        BanOutcome.UNBANNED: "unban.done",
        BanOutcome.ALREADY_BANNED: "ban.already",
        BanOutcome.NOT_BANNED: "unban.not_banned",
    }
)
_REFUSED = key_table(
    {
        BanOutcome.UNKNOWN: "ban.unknown",
        BanOutcome.ADMIN: "ban.admin",
        BanOutcome.NOT_ALLOWED: "stale_action",
    }
)


def moderated(t: Translator, done: Moderated, typed: str) -> Html:
    """The admin's answer: who was (un)banned and what it affected, or why not (`typed` is
    the user id or code as the admin wrote it)."""
    subject = done.subject
    if subject is None:
        return t(_REFUSED[done.outcome], ref=typed)
    text = t(_MODERATED[done.outcome], name=subject.name, id=subject.user_id)
    lines = [text, *_effects(t, done, subject)]
    return Html("\n".join(lines))


def _effects(t: Translator, done: Moderated, subject: Subject) -> list[Html]:
    if done.outcome is BanOutcome.BANNED:
        if subject.role is Role.COMPANY:
            return [t.count("ban.missions_paused", len(done.missions_paused))]
        if subject.role is Role.PROSPECTOR:
            return [t.count("ban.applications_withdrawn", len(done.applications_withdrawn))]
    if done.outcome is BanOutcome.UNBANNED and subject.role is Role.COMPANY:
        return [t("unban.missions_stay_paused")]
    return []


def banned_notice(notice: notices.AccountBanned, t: Translator) -> Outbound:
    if notice.reason:
        return text_message(t("ban.notify_reason", reason=notice.reason))
    return text_message(t("guard.banned"))


def restored_notice(notice: notices.AccountRestored, t: Translator) -> Outbound:
    key = "unban.notify_company" if notice.to_company else "unban.notify"
    return text_message(t(key))


# --- /audit -----------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 20
# What an entry shows of names and free text, so a full page always fits one message.
NAME_LIMIT = 24
TEXT_LIMIT = 48

_ACTIONS = enum_keys(AuditAction, "audit.action")
_SUBJECTS = key_table(
    {
        AuditAction.BAN: "audit.subject_user",
        AuditAction.UNBAN: "audit.subject_user",
        AuditAction.DISPUTE_DECISION: "audit.subject_dispute",
        AuditAction.BROADCAST: "audit.subject_other",
        AuditAction.BROADCAST_CANCEL: "audit.subject_other",
    }
)
# Details every action's line already shows, or shown by `_details` in their own words.
_SHOWN = frozenset(
    {"name", "result_id", "mission_id", "reason", "validated", "missions_paused",
     "applications_withdrawn", "audience", "recipients", "paid", "sent", "dropped"}
)  # fmt: skip
_VERDICT = key_table({True: "audit.validated", False: "audit.kept_rejected"})


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    total: int
    # First names of the admins who acted, by id.
    admins: Mapping[int, str]


def audit_screen(t: Translator, shown: AuditPage) -> Screen:
    if not shown.entries:
        return t("audit.empty"), None
    first = shown.page * AUDIT_PAGE_SIZE + 1
    header = t(
        "audit.header",
        first=t.number(first),
        last=t.number(first + len(shown.entries) - 1),
        total=t.number(shown.total),
    )
    blocks = [audit_entry(t, entry, shown.admins.get(entry.admin_id)) for entry in shown.entries]
    pages = -(-shown.total // AUDIT_PAGE_SIZE)
    row = pager(t, shown.page, pages, lambda page: AuditPageCb(page=page))
    return Html("\n\n".join([header, *blocks])), keyboard([row]) if row else None


def audit_entry(t: Translator, entry: AuditEntry, admin_name: str | None) -> Html:
    details = entry.details
    subject = t(
        _SUBJECTS[entry.action],
        name=shorten(str(details.get("name", "?")), NAME_LIMIT),
        id=entry.subject_id if entry.subject_id is not None else "?",
        result_id=details.get("result_id", "?"),
    )
    lines = [
        t(
            "audit.entry",
            id=entry.id,
            when=t.datetime(entry.created_at),
            admin=shorten(admin_name or "?", NAME_LIMIT),
            admin_id=entry.admin_id,
            action=t.plain(_ACTIONS[entry.action]),
            subject=subject,
        ),
        *_details(t, details),
    ]
    return Html("\n".join(lines))


def _details(t: Translator, details: Mapping[str, Any]) -> list[Html]:
    shown = []
    if "validated" in details:
        shown.append(t(_VERDICT[bool(details["validated"])]))
    if details.get("missions_paused"):
        shown.append(t.count("audit.missions_paused", len(details["missions_paused"])))
    if details.get("applications_withdrawn"):
        count = len(details["applications_withdrawn"])
        shown.append(t.count("audit.applications_withdrawn", count))
    if details.get("audience") in AUDIENCE:
        shown.append(t("audit.audience", audience=t.plain(AUDIENCE[details["audience"]])))
    if "recipients" in details:
        shown.append(t.count("audit.recipients", int(details["recipients"])))
    if details.get("paid"):
        shown.append(t("audit.paid"))
    if "sent" in details:
        shown.append(t.count("audit.sent", int(details["sent"])))
    if details.get("dropped"):
        shown.append(t.count("audit.dropped", int(details["dropped"])))
    if details.get("reason"):
        shown.append(t("audit.reason", reason=shorten(str(details["reason"]), TEXT_LIMIT)))
    others = ", ".join(f"{key}: {details[key]}" for key in sorted(details) if key not in _SHOWN)
    if others:
        shown.append(t("audit.other_details", details=shorten(others, TEXT_LIMIT)))
    return [Html(" · ".join(shown))] if shown else []
