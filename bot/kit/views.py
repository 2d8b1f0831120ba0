"""How missions and results look in messages, for companies, prospectors and admins
alike."""

from __future__ import annotations

from datetime import date

from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import cut_to_fit
from bot.kit.labels import APPROVAL, MISSION_STATUS, PAY_MODEL, TARGET
from storage.models import Mission, MissionFields, Result, ResultDetails


def rate_line(t: Translator, fields: MissionFields) -> Html:
    return t(
        "mission.rate", rate=t.money(fields.rate_cents), pay=t.plain(PAY_MODEL[fields.pay_model])
    )


def deadline_text(t: Translator, deadline: date | None) -> Html:
    return t("mission.deadline", date=t.date(deadline)) if deadline else t("mission.no_deadline")


def fields_card(t: Translator, fields: MissionFields) -> Html:
    """Every field, as in the preview before publishing."""
    return t(
        "mission.preview",
        title=fields.title,
        brief=fields.brief,
        rate=rate_line(t, fields),
        slots=fields.slots,
        cap=t.number(fields.result_cap) if fields.result_cap else t.plain("mission.no_cap"),
        deadline=deadline_text(t, fields.deadline),
        target=t.plain(TARGET[fields.target]),
        approval=t.plain(APPROVAL[fields.approval]),
    )


def mission_label(t: Translator, mission: Mission) -> str:
    """A button naming a mission; a long title is cut to keep the button readable."""

    def label(title: str) -> str:
        return t.plain("button.mission", mission_id=mission.id, title=title)

    return cut_to_fit(label, mission.title)


def browse_row(t: Translator, mission: Mission) -> Html:
    return t(
        "browse.row",
        mission_id=mission.id,
        title=mission.title,
        rate=rate_line(t, mission),
        slots_left=t.count("count.slots_left", mission.slots_left),
        deadline=deadline_text(t, mission.deadline),
    )


def mission_details(t: Translator, mission: Mission, company_name: str) -> Html:
    """What a prospector sees before taking a mission."""
    return t(
        "browse.details",
        mission_id=mission.id,
        title=mission.title,
        company=company_name,
        brief=mission.brief,
        rate=rate_line(t, mission),
        slots_left=t.count("count.slots_left", mission.slots_left),
        deadline=deadline_text(t, mission.deadline),
        target=t.plain(TARGET[mission.target]),
        approval=t.plain(APPROVAL[mission.approval]),
        status=t.plain(MISSION_STATUS[mission.status]),
    )


def company_card(t: Translator, mission: Mission, applicants: int) -> Html:
    """The company's own view of a mission, with its counters."""
    return t(
        "mission.card",
        mission_id=mission.id,
        status=t.plain(MISSION_STATUS[mission.status]),
        fields=fields_card(t, mission),
        active=mission.active_count,
        slots=mission.slots,
        applicants=applicants,
    )


def contact_lines(t: Translator, details: ResultDetails) -> list[Html]:
    """What a prospector reports of a call, one line per field filled in."""
    lines = [t("result.contact", name=details.contact_name)]
    if details.contact_company:
        lines.append(t("result.contact_company", company=details.contact_company))
    lines.append(t("result.phone", phone=details.phone))
    if details.appointment_at:
        lines.append(t("result.appointment", moment=t.datetime(details.appointment_at)))
    if details.notes:
        lines.append(t("result.notes", notes=details.notes))
    return lines


def result_details(t: Translator, result: Result) -> Html:
    """A submitted result: what was reported, and when."""
    submitted = t("result.submitted", moment=t.datetime(result.submitted_at))
    return Html("\n".join([*contact_lines(t, result), submitted]))


def proof_caption(t: Translator, result: Result) -> Html:
    """The caption of a proof sent apart from its result's card: which result it proves."""
    return t("result.proof_of", result_id=result.id, mission_id=result.mission_id)
