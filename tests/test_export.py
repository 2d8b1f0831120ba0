"""/export: a company picks one of its missions and receives its results as a CSV document
a spreadsheet opens safely (UTF-8 with a BOM, RFC 4180 quoting, formulas neutralised),
naming prospectors by their public code only; another company's mission gets nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

import tests.fake_telegram.request as fake_request
from handlers.review.screens import ExportListCb, ExportMissionCb
from services import results
from tests.harness import BotHarness
from tests.helpers import STALE, button_labels, onboard_company, onboard_prospector, post_mission
from tests.results_support import submit, tables, working

pytestmark = pytest.mark.frozen_clock

Upload = tuple[str, bytes]


@pytest.fixture
def uploads(monkeypatch: pytest.MonkeyPatch) -> list[Upload]:
    """Every file the bot uploads to the fake Telegram: (file name, content)."""
    seen: list[Upload] = []
    read_files = fake_request._read_files

    def spy(multipart: dict[str, Any]) -> dict[str, bytes]:
        files = read_files(multipart)
        for name, field in multipart.items():
            if isinstance(field, tuple):
                seen.append((str(field[0]), files[name]))
        return files

    monkeypatch.setattr(fake_request, "_read_files", spy)
    return seen


async def test_export_sends_a_safe_csv_of_the_mission(
    bot: BotHarness, uploads: list[Upload]
) -> None:
    acme = await onboard_company(bot, "Acme")
    zorglub = bot.user("Zorglub", username="zorg_user")
    await zorglub.send("/start")
    await zorglub.tap("Prospector")
    await zorglub.send("Zed Caller")
    for label in ("French", "Done", "B2B", "Appointment setting", "Done"):
        await zorglub.tap(label)
    await zorglub.send("4")
    await zorglub.tap("Skip")
    await zorglub.tap("No")
    mission, taken = await working(bot, acme, [zorglub])
    tricky = 'Dupont, "Jean"\nJunior'
    first = await submit(bot, zorglub, taken[zorglub.id], 1, contact_name=tricky)
    second = await submit(
        bot, zorglub, taken[zorglub.id], 2, contact_name="=HYPERLINK(\"http://x\")",
        contact_company="+Évry & Fils",
    )  # fmt: skip
    await results.validate(bot.services.deps, acme.id, [first])
    await results.reject(bot.services.deps, acme.id, second, "Wrong number, sorry")

    await acme.send("/export")
    assert "Export results" in acme.last_text
    await acme.tap(f"#{mission.id} ·")
    document = acme.messages[-1]
    assert document.kind == "document"
    assert "Results of mission #1" in str(document.caption)
    [(filename, content)] = uploads
    assert filename == f"mission-{mission.id}-results.csv"

    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert '"Dupont, ""Jean""\nJunior"' in text, "RFC 4180 quoting"
    assert "\r\n" in text
    header, *lines = list(csv.reader(io.StringIO(text, newline="")))
    assert header[:3] == ["result_id", "submitted_at", "prospector"]
    assert [line[0] for line in lines] == [str(first), str(second)]
    assert lines[0][3] == tricky and lines[0][header.index("status")] == "validated"
    assert lines[0][header.index("amount")] == "40.00"
    assert lines[1][3] == '\'=HYPERLINK("http://x")'
    assert lines[1][4] == "'+Évry & Fils"
    assert lines[1][header.index("reason")] == "Wrong number, sorry"
    assert {line[2] for line in lines} == {"P-0001"}
    for identity in ("Zorglub", "zorg_user", "Acme", str(zorglub.id)):
        assert identity not in text, identity


async def test_export_lists_missions_by_page_and_refuses_other_companies(
    bot: BotHarness, uploads: list[Upload]
) -> None:
    acme = await onboard_company(bot, "Acme")
    rival = await onboard_company(bot, "Rival")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    for number in range(1, 7):
        await post_mission(bot, acme, title=f"Acme mission number {number}")
    await acme.send("/export")
    assert "(page 1/2)" in acme.last_text
    assert button_labels(acme)[-1] == "Next ›"
    await acme.tap("Next ›")
    assert "(page 2/2)" in acme.last_text
    assert button_labels(acme) == ["🔎 #1 · Acme mission number 1", "‹ Previous"]

    await rival.send("/export")
    assert rival.last_text == "You have no mission to export yet: /newmission to post one."
    before = await tables(bot)
    for data in (ExportMissionCb(mission_id=1).pack(), ExportListCb(page=0).pack()):
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    await rival.tap_forged(ExportMissionCb(mission_id=1).pack())
    assert rival.alerts[-1] == STALE
    await rival.tap_forged(ExportMissionCb(mission_id=99).pack())
    assert rival.alerts[-1] == STALE
    await jo.send("/export")
    assert jo.last_text == "This command is for companies."
    assert uploads == []
    assert bot.fake.sent_count("sendDocument") == 0
    assert await tables(bot) == before


async def test_a_double_tap_exports_once_and_the_list_comes_back(
    bot: BotHarness, uploads: list[Upload]
) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, title="Acme mission to export")
    await acme.send("/export")
    picker, data = acme.find_button(f"#{mission.id} ·")
    bot.fake.user_taps(acme.id, picker.message_id, data)
    bot.fake.user_taps(acme.id, picker.message_id, data)
    await bot.deliver()

    assert len(uploads) == 1 and bot.fake.sent_count("sendDocument") == 1
    assert picker.text == (
        f"📤 Export results\nMission #{mission.id} “Acme mission to export”: its CSV file follows."
    )
    assert [label for label, _, _ in picker.buttons()] == ["‹ List"]
    await acme.tap("‹ List")
    assert "Which mission?" in (picker.text or "")
    await acme.tap(f"#{mission.id} ·")
    assert len(uploads) == 2


async def test_an_export_button_forged_onto_the_file_is_refused_without_error(
    bot: BotHarness, uploads: list[Upload]
) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, title="Acme mission to export")
    await acme.send("/export")
    _picker, data = acme.find_button(f"#{mission.id} ·")
    await acme.tap(f"#{mission.id} ·")
    csv_file = acme.messages[-1]
    assert csv_file.kind == "document"

    await acme.tap_forged(data, message_id=csv_file.message_id)

    assert len(uploads) == 1
    assert acme.alerts[-1] == "This action is no longer available."
