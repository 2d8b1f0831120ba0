"""What prospectors see of missions: the /browse list and its filters, a mission's
details with what they can do on it, /mymissions; pure functions of models and a
translator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import (
    AskQuestionCb,
    BrowsePageCb,
    CallbackData,
    DetailsCb,
    MissionListCb,
    MyMissionsCb,
    ProposeRateCb,
    SubmitResultCb,
    ThreadOpenCb,
)
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.labels import ASSIGNMENT_STATUS, PAY_MODEL, TARGET
from bot.kit.notifier import Outbound, text_message
from bot.kit.screens import pager
from bot.kit.views import browse_row, mission_details, mission_label
from services import notices
from services.lifecycle import Action, Refusal, transition
from storage.models import (
    Assignment,
    AssignmentStatus,
    BrowseFilters,
    Mission,
    MissionStatus,
    Offer,
    PayModel,
    ResultCounts,
    Target,
)

PAGE_SIZE = 5
# Minimum-rate filter choices, in cents: tapping beats typing on a phone.
MIN_RATE_CHOICES = (500, 1000, 2000, 5000)

Screen = tuple[Html, InlineKeyboardMarkup | None]


class FiltersCb(CallbackData):
    prefix = "bf"


class FilterPayCb(CallbackData):
    prefix = "fp"
    pay_model: PayModel


class FilterTargetCb(CallbackData):
    prefix = "ft"
    target: Target


class FilterRateCb(CallbackData):
    prefix = "fr"
    min_rate_cents: int


class FilterClearCb(CallbackData):
    prefix = "fc"


class TakeCb(CallbackData):
    """Accept a mission at its posted rate."""

    prefix = "tk"
    mission_id: int


class MineDetailsCb(CallbackData):
    """A mission's details opened from /mymissions: its way back leads there."""

    prefix = "md"
    mission_id: int


class ListClearCb(CallbackData):
    """Clear every filter from an empty list, and show the list again."""

    prefix = "fl"


# Where a mission's details lead back to: the /browse list at a page, /mymissions, or —
# opened from a link or an alert, with no list behind it — the first page of /browse.
Back = BrowsePageCb | MyMissionsCb | None


class LeaveCb(CallbackData):
    """Ask to leave a mission (or withdraw an application): a confirmation follows."""

    prefix = "lv"
    assignment_id: int


class LeaveConfirmCb(CallbackData):
    prefix = "lc"
    assignment_id: int


def browse_page(
    t: Translator, missions: Sequence[Mission], page: int, has_next: bool, filters: BrowseFilters
) -> Screen:
    rows: list[list[InlineKeyboardButton]] = [
        [button(mission_label(t, m), DetailsCb(mission_id=m.id))] for m in missions
    ]
    rows.append(pager(t, page, page + 2 if has_next else page + 1, lambda p: BrowsePageCb(page=p)))
    rows.append([button(t.plain("button.filters"), FiltersCb())])
    body = Html("\n\n".join(browse_row(t, m) for m in missions)) if missions else None
    filtered = filters != BrowseFilters()
    key = "browse.page" if body else "browse.empty" if filtered else "browse.none_open"
    text = t(key, page=page + 1, filters=filters_summary(t, filters), rows=body or "")
    if filtered and not body:
        rows.append([button(t.plain("button.clear_all_filters"), ListClearCb())])
    return text, keyboard([row for row in rows if row])


def filters_summary(t: Translator, filters: BrowseFilters) -> Html:
    parts = []
    if filters.pay_model:
        parts.append(t.plain(PAY_MODEL[filters.pay_model]))
    if filters.target:
        parts.append(t.plain(TARGET[filters.target]))
    if filters.min_rate_cents:
        parts.append(t.plain("filters.min_rate", rate=t.money(filters.min_rate_cents)))
    return t("filters.summary", filters=", ".join(parts)) if parts else t("filters.none")


def filters_screen(t: Translator, filters: BrowseFilters) -> Screen:
    def option(label: str, chosen: bool, data: CallbackData) -> InlineKeyboardButton:
        return button(("✅ " if chosen else "") + label, data)

    pay_row = [
        option(t.plain(key), filters.pay_model == pay, FilterPayCb(pay_model=pay))
        for pay, key in PAY_MODEL.items()
    ]
    target_row = [
        option(t.plain(key), filters.target == target, FilterTargetCb(target=target))
        for target, key in TARGET.items()
    ]
    rate_row = [
        option(
            t.plain("filters.min_rate", rate=t.money(cents)),
            filters.min_rate_cents == cents,
            FilterRateCb(min_rate_cents=cents),
        )
        for cents in MIN_RATE_CHOICES
    ]
    markup = keyboard(
        [
            *fitted(pay_row, most=3),
            target_row,
            rate_row[:2],
            rate_row[2:],
            [
                button(t.plain("button.clear_filters"), FilterClearCb()),
                button(t.plain("button.show_results"), BrowsePageCb()),
            ],
        ]
    )
    return t("filters.title", filters=filters_summary(t, filters)), markup


def details(
    t: Translator,
    mission: Mission,
    company_name: str,
    assignment: Assignment | None,
    thread_id: int | None,
    back: Back,
) -> Screen:
    """A mission's details with only what the prospector can do on it: take it (or talk
    about it) while it is open with a slot free, or — once on it — submit results (while
    active), open its thread and leave; and always a way back. Why nothing can be done
    (declined before, paused, full) is said under the details."""
    text = mission_details(t, mission, company_name)
    note = details_note(t, mission, assignment)
    if note is not None:
        text = Html(f"{text}\n\n{note}")
    return text, details_keyboard(t, mission, assignment, thread_id, back)


def details_note(t: Translator, mission: Mission, assignment: Assignment | None) -> Html | None:
    status = assignment.status if assignment else None
    if status is AssignmentStatus.DECLINED:
        return t("accept.declined_before")
    if status in (AssignmentStatus.ACTIVE, AssignmentStatus.APPLIED):
        return None
    if mission.status is MissionStatus.PAUSED:
        return t("browse.paused_note")
    if mission.status is MissionStatus.OPEN and mission.slots_left == 0:
        return t("accept.full", mission_id=mission.id)
    return None


def details_keyboard(
    t: Translator,
    mission: Mission,
    assignment: Assignment | None,
    thread_id: int | None,
    back: Back,
) -> InlineKeyboardMarkup:
    status = assignment.status if assignment else None
    rows: list[list[InlineKeyboardButton]] = []
    taken = status in (AssignmentStatus.ACTIVE, AssignmentStatus.APPLIED)
    if taken and assignment is not None:
        if status is AssignmentStatus.ACTIVE:
            submit = SubmitResultCb(assignment_id=assignment.id)
            rows.append([button(t.plain("button.submit"), submit)])
        if thread_id is not None:
            opened = ThreadOpenCb(thread_id=thread_id, mission_id=mission.id)
            rows.append([button(t.plain("button.open_thread"), opened)])
        leave = button(t.plain("button.leave"), LeaveCb(assignment_id=assignment.id))
        rows.append([leave, back_button(t, back or MyMissionsCb())])
        return keyboard(rows)
    if mission.status is MissionStatus.OPEN and can_take(status):
        # Accepting (or applying) needs a free slot: an application to a full mission
        # could never be approved. A rate can still be discussed while a slot frees up.
        if mission.slots_left > 0:
            rows.append([button(t.plain("button.accept"), TakeCb(mission_id=mission.id))])
        rows.append(
            [
                button(t.plain("button.propose"), ProposeRateCb(mission_id=mission.id)),
                button(t.plain("button.ask"), AskQuestionCb(mission_id=mission.id)),
            ]
        )
    rows.append([back_button(t, back)])
    return keyboard(rows)


def link_onwards(t: Translator, company: bool) -> InlineKeyboardMarkup:
    """Where a link that leads nowhere lets the user go on: their missions for a company,
    the open missions for a prospector."""
    if company:
        return keyboard([[button(t.plain("button.home_missions"), MissionListCb())]])
    return keyboard([[button(t.plain("button.home_browse"), BrowsePageCb())]])


def back_button(t: Translator, back: Back) -> InlineKeyboardButton:
    if isinstance(back, MyMissionsCb):
        return button(t.plain("button.back_mine"), back)
    if isinstance(back, BrowsePageCb):
        return button(t.plain("button.back_list"), back)
    return button(t.plain("button.home_browse"), BrowsePageCb())


def can_take(status: AssignmentStatus | None) -> bool:
    """Whether accepting the posted rate could succeed from this status."""
    return not isinstance(transition(status, Action.START), Refusal)


def my_missions(
    t: Translator,
    mine: Sequence[tuple[Assignment, Mission, ResultCounts]],
    page: int,
    has_next: bool,
    offers: Mapping[int, Offer] | None = None,
) -> Screen:
    """Each mission with the prospector's results on it; an active one can take a result.
    `offers` are the offers pending on the missions being negotiated, by mission id."""
    if not mine and page == 0:
        return t("mine.none"), keyboard([[button(t.plain("button.home_browse"), BrowsePageCb())]])
    lines, rows = [], []
    for assignment, mission, counts in mine:
        offer = (offers or {}).get(mission.id)
        lines.append(my_mission_row(t, assignment, mission, counts, offer))
        rows.append(
            [
                button(
                    t.plain("button.mission_short", mission_id=mission.id),
                    MineDetailsCb(mission_id=mission.id),
                ),
                button(t.plain("button.leave"), LeaveCb(assignment_id=assignment.id)),
            ]
        )
        if assignment.status is AssignmentStatus.ACTIVE:
            label = t.plain("button.submit_for", mission_id=mission.id)
            rows.append([button(label, SubmitResultCb(assignment_id=assignment.id))])
    rows.append(pager(t, page, page + 2 if has_next else page + 1, lambda p: MyMissionsCb(page=p)))
    text = t("mine.list", page=page + 1, rows=Html("\n\n".join(lines)))
    return text, keyboard([row for row in rows if row])


def my_mission_row(
    t: Translator,
    assignment: Assignment,
    mission: Mission,
    counts: ResultCounts,
    offer: Offer | None = None,
) -> Html:
    """A mission of /mymissions; an active one with its results pending, validated and
    rejected; one being negotiated with the offer on the table, not the posted rate."""
    row = t(
        "mine.row",
        mission_id=mission.id,
        title=mission.title,
        status=t.plain(ASSIGNMENT_STATUS[assignment.status]),
        rate=rate_for(t, assignment, mission, offer),
    )
    if assignment.status is not AssignmentStatus.ACTIVE:
        return row
    results = t(
        "mine.results",
        pending=counts.pending,
        validated=counts.validated,
        rejected=counts.rejected,
    )
    return Html(f"{row}\n{results}")


def rate_for(t: Translator, assignment: Assignment, mission: Mission, offer: Offer | None) -> Html:
    if assignment.status is not AssignmentStatus.NEGOTIATING:
        return t.money(assignment.agreed_rate_cents or mission.rate_cents)
    if offer is None:
        return t("mine.no_offer")
    key = "mine.offer_yours" if offer.author_id == assignment.prospector_id else "mine.offer_theirs"
    return t(key, amount=t.money(offer.amount_cents))


def leave_confirm(t: Translator, mission: Mission, assignment: Assignment) -> Screen:
    markup = keyboard(
        [
            [
                button(
                    t.plain("button.leave_confirm"),
                    LeaveConfirmCb(assignment_id=assignment.id),
                ),
                button(t.plain("button.back"), MyMissionsCb()),
            ]
        ]
    )
    return t("mine.leave_confirm", title=mission.title), markup


# --- notices ----------------------------------------------------------------------------


def approved_notice(notice: notices.ApplicationApproved, t: Translator) -> Outbound:
    text = t(
        "notify.approved",
        mission_id=notice.mission_id,
        title=notice.title,
        rate=t.money(notice.rate_cents),
    )
    return text_message(text)


def declined_notice(notice: notices.ApplicationDeclined, t: Translator) -> Outbound:
    return text_message(t("notify.declined", mission_id=notice.mission_id, title=notice.title))


def closed_notice(notice: notices.MissionClosed, t: Translator) -> Outbound:
    text = t("notify.mission_closed", mission_id=notice.mission_id, title=notice.title)
    return text_message(text)
