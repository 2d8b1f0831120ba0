"""The company's mission screens and the notices companies receive, as pure functions of
models and a translator: no I/O, so they are unit-tested in both languages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import (
    ApproveCb,
    CallbackData,
    DeclineCb,
    DetailsCb,
    MissionCardCb,
    MissionListCb,
    ReviewCb,
    ThreadListCb,
)
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.labels import MISSION_STATUS, PAY_MODEL, SPOKEN_LANGUAGE
from bot.kit.links import mission_payload
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from bot.kit.views import company_card, mission_label
from services import notices
from services.assignments import Decision
from services.missions import EDITABLE
from storage.models import (
    Assignment,
    AssignmentStatus,
    Mission,
    MissionStatus,
    MissionSummary,
    Priority,
    ProspectorProfile,
    ResultCounts,
)

PAGE_SIZE = 5
# Missions that take no more changes: closed by the company or the deadline, or completed.
FINISHED = (MissionStatus.CLOSED, MissionStatus.COMPLETED)
FIELD_LABELS = key_table({field: f"field.{field}" for field in EDITABLE})


class NewMissionCb(CallbackData):
    """The home screen's *New mission*, and the way out of an empty missions list."""

    prefix = "nn"


class MissionActionCb(CallbackData):
    """A company's action on the card of one of its missions."""

    prefix = "ma"
    action: Literal["pause", "resume", "close", "close_ok", "edit", "share"]
    mission_id: int


class PeopleCb(CallbackData):
    """A mission's applicants (with Approve / Decline) or active prospectors, at `page`."""

    prefix = "mp"
    mission_id: int
    status: Literal["applied", "active"]
    page: int = 0


class EditFieldCb(CallbackData):
    """Start editing one field of a live mission."""

    prefix = "me"
    mission_id: int
    field: Literal["title", "brief", "rate_cents", "slots", "result_cap", "deadline"]


Screen = tuple[Html, InlineKeyboardMarkup | None]


def mission_list(
    t: Translator, summaries: Sequence[MissionSummary], page: int, total: int
) -> Screen:
    if total == 0:
        post = button(t.plain("button.home_newmission"), NewMissionCb())
        return t("missions.none"), keyboard([[post]])
    rows = [
        t(
            "missions.row",
            mission_id=s.mission.id,
            title=s.mission.title,
            status=t.plain(MISSION_STATUS[s.mission.status]),
            active=s.mission.active_count,
            slots=s.mission.slots,
            applicants=t.count("count.applicants", s.applicants),
        )
        for s in summaries
    ]
    buttons = [
        [button(mission_label(t, s.mission), MissionCardCb(mission_id=s.mission.id))]
        for s in summaries
    ]
    pages = -(-total // PAGE_SIZE)
    buttons.append(pager(t, page, pages, lambda p: MissionListCb(page=p)))
    text = t("missions.list", page=page + 1, pages=pages, rows=Html("\n\n".join(rows)))
    return text, keyboard([row for row in buttons if row])


def card(t: Translator, mission: Mission, applicants: int, counts: ResultCounts) -> Screen:
    """The company's card; its results and what they are worth, once there are some."""
    text = company_card(t, mission, applicants)
    if counts.pending or counts.validated or counts.rejected:
        results = t(
            "mission.card_results",
            pending=counts.pending,
            validated=counts.validated,
            amount=t.money(counts.validated_cents),
            rejected=counts.rejected,
        )
        text = Html(f"{text}\n{results}")
    return text, card_keyboard(t, mission, counts.pending)


def card_keyboard(t: Translator, mission: Mission, pending: int) -> InlineKeyboardMarkup:
    """The card's actions; *Results to review* while some wait, whatever the status."""

    def act(action: str, label: str) -> InlineKeyboardButton:
        data = MissionActionCb.model_validate({"action": action, "mission_id": mission.id})
        return button(t.plain(label), data)

    def people(status: Literal["applied", "active"], label: str) -> InlineKeyboardButton:
        return button(t.plain(label), PeopleCb(mission_id=mission.id, status=status))

    review = button(
        t.plain("button.results_to_review", count=pending), ReviewCb(mission_id=mission.id)
    )
    rows: list[list[InlineKeyboardButton]] = []
    if mission.status not in FINISHED:
        rows.append([people("applied", "button.applicants"), people("active", "button.active")])
        toggle = (
            act("pause", "button.pause")
            if mission.status is MissionStatus.OPEN
            else act("resume", "button.resume")
        )
        rows.append([toggle, act("edit", "button.edit"), act("close", "button.close")])
        rows.append([review] if pending else [])
        threads = ThreadListCb(mission_id=mission.id)
        rows.append([button(t.plain("button.threads"), threads), act("share", "button.share")])
    else:
        rows.append([people("active", "button.active")])
        rows.append([review] if pending else [])
    rows.append([button(t.plain("button.back_list"), MissionListCb())])
    return keyboard([row for row in rows if row])


def _back_to_card(t: Translator, mission_id: int) -> InlineKeyboardButton:
    return button(t.plain("button.back"), MissionCardCb(mission_id=mission_id))


def people(
    t: Translator,
    mission: Mission,
    status: AssignmentStatus,
    found: Sequence[tuple[Assignment, ProspectorProfile]],
    page: int,
    total: int,
) -> Screen:
    """Applicants (with Approve / Decline) or active prospectors: only their public code
    and profile, never a Telegram identity."""
    applied = status is AssignmentStatus.APPLIED
    lines, rows = [], []
    for assignment, profile in found:
        lines.append(
            t(
                "people.row",
                code=profile.code,
                name=profile.display_name,
                experience=t.count("count.years", profile.experience_years),
                rate=t.money(assignment.agreed_rate_cents or mission.rate_cents),
            )
        )
        if applied:
            rows.append(answer_buttons(t, assignment.id, profile.code))
    pages = max(1, -(-total // PAGE_SIZE))
    kind: Literal["applied", "active"] = "applied" if applied else "active"
    rows.append(
        pager(t, page, pages, lambda p: PeopleCb(mission_id=mission.id, status=kind, page=p))
    )
    rows.append([_back_to_card(t, mission.id)])
    body = Html("\n".join(lines)) if lines else t("people.none")
    key = "people.applicants" if applied else "people.active"
    text = t(key, mission_id=mission.id, title=mission.title, rows=body)
    return text, keyboard([row for row in rows if row])


def answer_buttons(t: Translator, assignment_id: int, code: str) -> list[InlineKeyboardButton]:
    """Approve / Decline of one application: the same two buttons on the applicants screen
    and under the application's notice."""
    return [
        button(t.plain("button.approve", code=code), ApproveCb(assignment_id=assignment_id)),
        button(t.plain("button.decline", code=code), DeclineCb(assignment_id=assignment_id)),
    ]


def decided(t: Translator, decision: Decision) -> Html:
    """What an application's notice shows once answered."""
    if decision.rate_cents is None:
        return t("decision.card_declined")
    return t("decision.card_approved", rate=t.money(decision.rate_cents))


def close_confirm(t: Translator, mission: Mission) -> Screen:
    confirm = MissionActionCb(action="close_ok", mission_id=mission.id)
    markup = keyboard(
        [[button(t.plain("button.close_confirm"), confirm), _back_to_card(t, mission.id)]]
    )
    return t("mission.close_confirm", title=mission.title), markup


def edit_pick(t: Translator, mission: Mission) -> Screen:
    buttons = [
        button(
            t.plain(FIELD_LABELS[field]),
            EditFieldCb.model_validate({"mission_id": mission.id, "field": field}),
        )
        for field in EDITABLE
    ]
    rows = fitted(buttons)
    rows.append([_back_to_card(t, mission.id)])
    return t("mission.edit_pick", title=mission.title), keyboard(rows)


def share(t: Translator, mission: Mission, bot_username: str) -> Html:
    link = f"https://t.me/{bot_username}?start={mission_payload(mission.id)}"
    return t("mission.share", title=mission.title, link=link)


# --- notices ------------------------------------------------------------------------------


def application_notice(notice: notices.ApplicationReceived, t: Translator) -> Outbound:
    text = t(
        "notify.application",
        code=notice.code,
        name=notice.display_name,
        experience=t.count("count.years", notice.experience_years),
        languages=", ".join(t.plain(SPOKEN_LANGUAGE[code]) for code in notice.languages),
        mission_id=notice.mission_id,
        title=notice.title,
    )
    return text_message(text, keyboard([answer_buttons(t, notice.assignment_id, notice.code)]))


def started_notice(notice: notices.ProspectorStarted, t: Translator) -> Outbound:
    text = t(
        "notify.started",
        code=notice.code,
        mission_id=notice.mission_id,
        title=notice.title,
        rate=t.money(notice.rate_cents),
    )
    return text_message(text)


def left_notice(notice: notices.ProspectorLeft, t: Translator) -> Outbound:
    text = t("notify.left", code=notice.code, mission_id=notice.mission_id, title=notice.title)
    return text_message(text)


def withdrawn_notice(notice: notices.ApplicationWithdrawn, t: Translator) -> Outbound:
    text = t("notify.withdrew", code=notice.code, mission_id=notice.mission_id, title=notice.title)
    return text_message(text)


def deadline_notice(notice: notices.MissionPastDeadline, t: Translator) -> Outbound:
    text = t("notify.deadline_closed", mission_id=notice.mission_id, title=notice.title)
    return text_message(text)


def alert_notice(notice: notices.NewMissionAlert, t: Translator) -> Outbound:
    text = t(
        "alert.new_mission",
        title=notice.title,
        rate=t.money(notice.rate_cents),
        pay=t.plain(PAY_MODEL[notice.pay_model]),
    )
    details = button(t.plain("button.details"), DetailsCb(mission_id=notice.mission_id))
    return text_message(text, keyboard([[details]]), Priority.BROADCAST)
