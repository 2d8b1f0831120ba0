"""A mission's results as a CSV document for its company (UTF-8 with a byte order mark so
spreadsheets read the accents, RFC 4180 quoting, a header row). No Telegram identity: a
prospector appears by their public code."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from services.ports import Deps
from storage.models import Result, prospector_code

HEADER = (
    "result_id", "submitted_at", "prospector", "contact_name", "contact_company", "phone",
    "appointment_at", "status", "reviewed_at", "reviewed_by", "reason", "amount", "fee",
)  # fmt: skip
# A spreadsheet runs a cell beginning with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def moment_cell(moment: datetime | None, zone: ZoneInfo) -> str:
    """In TIMEZONE, with its offset, as the company reads every other time."""
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""


def euros_cell(cents: int | None) -> str:
    """An amount as a spreadsheet reads it, `12.50`."""
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def csv_document(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """RFC 4180 text with a byte order mark (spreadsheets then read accents right), every
    cell neutralised against formulas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


async def mission_csv(deps: Deps, company_id: int, mission_id: int) -> bytes | None:
    """The CSV of a mission of the company's; None if it is not theirs."""
    mission = await deps.repos.missions.get(mission_id)
    if mission is None or mission.company_id != company_id:
        return None
    results = await deps.repos.results.for_mission(mission_id)
    amounts = await deps.repos.ledger.amounts_for_results(mission_id)
    numbers = await deps.repos.profiles.prospector_numbers({r.prospector_id for r in results})
    zone = deps.rules.zone
    rows = (
        _row(result, numbers.get(result.prospector_id), amounts.get(result.id), zone)
        for result in results
    )
    return csv_document(HEADER, rows).encode("utf-8")


def _row(
    result: Result, number: int | None, amount: tuple[int, int] | None, zone: ZoneInfo
) -> list[str]:
    """One result; `reviewed_by` says who validated or rejected it (company, auto for the
    review window, dispute for an admin), so a validated row keeping the reason of an
    overturned rejection reads right."""
    gross, fee = amount or (None, None)
    return [
        str(result.id),
        moment_cell(result.submitted_at, zone),
        prospector_code(number) if number is not None else "",
        result.contact_name,
        result.contact_company or "",
        result.phone,
        moment_cell(result.appointment_at, zone),
        result.status.value,
        moment_cell(result.reviewed_at, zone),
        result.reviewed_by.value if result.reviewed_by else "",
        result.reason or "",
        euros_cell(gross),
        euros_cell(fee),
    ]
