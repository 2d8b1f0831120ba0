"""Payout statements through the real application and the fake Telegram: the statement
sent to both sides as a CSV document, /payouts, *Mark as paid* with the payment reference,
reminders, the prospector's receipt both ways, forged and stale buttons, the buckets of
/earnings.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris; the statement run and the
reminders are played by calling the rules directly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from handlers.payouts.screens import MarkPaidCb, ReceiptCb
from services import payouts, results
from services.results import Submitted
from storage.clock import ManualClock
from storage.models import Receipt, ResultDetails
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    START,
    answer_stays,
    button_labels,
    onboard_company,
    onboard_prospector,
    rows,
    spaced,
)
from tests.results_helpers import world

pytestmark = pytest.mark.frozen_clock

ADMIN = 999
NUMBER = "CB-2026-000001"
CAPTIONS = {
    "en": {
        "company": (
            f"🧾 Payout statement {NUMBER}\nProspector: P-0001\n"
            "Period: Mar 10, 2026, 10:00 – Mar 10, 2026, 10:00\n2 validated results\n"
            "Gross €80.00 · fee €0.00 · net €80.00 to pay\nDue by Mar 17, 2026, 10:00.\n\n"
            "Pay by bank transfer, then tap Mark as paid with your payment reference. "
            "The entries are in the attached CSV."
        ),
        "prospector": (
            f"🧾 Payout statement {NUMBER}\nCompany: Acme SAS\n"
            "Period: Mar 10, 2026, 10:00 – Mar 10, 2026, 10:00\n2 validated results\n"
            "Gross €80.00 · fee €0.00 · net €80.00 for you\nDue by Mar 17, 2026, 10:00."
        ),
        "mark": f"✅ Mark as paid · {NUMBER}",
    },
    "fr": {
        "company": (
            f"🧾 Relevé de paiement {NUMBER}\nProspecteur : P-0001\n"
            "Période : 10 mars 2026, 10:00 – 10 mars 2026, 10:00\n2 résultats validés\n"
            "Brut 80,00 € · frais 0,00 € · net 80,00 € à payer\nÉchéance : 17 mars 2026, 10:00."
        ),
        "prospector": (
            f"🧾 Relevé de paiement {NUMBER}\nEntreprise : Acme SAS\n"
            "Période : 10 mars 2026, 10:00 – 10 mars 2026, 10:00\n2 résultats validés\n"
            "Brut 80,00 € · frais 0,00 € · net 80,00 € pour vous\nÉchéance : 17 mars 2026, 10:00."
        ),
        "mark": f"✅ Marquer payé · {NUMBER}",
    },
}


@dataclass
class Issued:
    company: FakeUser
    prospector: FakeUser


async def validated(bot: BotHarness, company: FakeUser, prospector: FakeUser, count: int) -> None:
    """`count` results of the prospector's, validated by the company."""
    deps = bot.services.deps
    found = await rows(bot, "SELECT id FROM assignments WHERE prospector_id = ?", [prospector.id])
    assignment = found[0]["id"]
    earlier = len(await rows(bot, "SELECT id FROM results"))
    ids = []
    for n in range(earlier, earlier + count):
        details = ResultDetails(
            contact_name="Marie Curie",
            contact_company="Radium SA",
            phone=f"06 12 34 56 7{n}",
            appointment_at=None,
            notes="Call back after 5pm",
            proof=None,
        )
        submitted = await results.submit(deps, prospector.id, assignment, details)
        assert isinstance(submitted, Submitted)
        ids.append(submitted.result_id)
    assert await results.validate(deps, company.id, ids) == count
    await bot.settle()


async def issued(bot: BotHarness, language: str = "en") -> Issued:
    """Acme's statement of two results of Jo's at €40, issued to both."""
    w = await world(bot, language, pay="lead", rate="40")
    await validated(bot, w.company, w.prospector, 2)
    assert await payouts.issue_statements(bot.services.deps, START) == 1
    await bot.settle()
    return Issued(w.company, w.prospector)


def untagged(html: str) -> str:
    """The caption as the reader sees it: no markup, ordinary spaces."""
    return spaced(re.sub(r"</?[bi]>", "", html))


async def outbox_params(bot: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    found = await rows(
        bot, "SELECT method, params FROM outbox WHERE chat_id = ? ORDER BY id", [chat_id]
    )
    return [{"method": row["method"], **json.loads(row["params"])} for row in found]


async def statement_row(bot: BotHarness) -> dict[str, Any]:
    return (await rows(bot, "SELECT * FROM statements WHERE id = 1"))[0]


async def mark_paid(company: FakeUser, reference: str = "VIR-2026-0042") -> None:
    await company.tap("Mark as paid")
    await company.send(reference)


# --- the statement -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_a_statement_is_sent_to_both_sides_as_a_csv_document(
    bot: BotHarness, language: str
) -> None:
    s = await issued(bot, language)
    words = CAPTIONS[language]
    for user, side in ((s.company, "company"), (s.prospector, "prospector")):
        sent = (await outbox_params(bot, user.id))[-1]
        assert sent["method"] == "send_document"
        assert sent["filename"] == f"{NUMBER}.csv"
        assert untagged(sent["caption"]).startswith(words[side])
        lines = sent["document_text"].lstrip("\ufeff").splitlines()
        assert lines[0] == "result_id,mission_id,mission,contact_name,validated_at,amount,fee,net"
        assert lines[1:] == [
            f"{n},1,Book meetings with SaaS vendors,Marie Curie,2026-03-10T10:00+01:00,"
            "40.00,0.00,40.00"
            for n in (1, 2)
        ]
        assert spaced(user.last_text).startswith(words[side])
    assert button_labels(s.company) == [words["mark"]]
    assert button_labels(s.prospector) == []


# --- /payouts and marking paid ------------------------------------------------------------------


async def test_payouts_lists_the_due_statement_then_says_it_is_overdue(
    bot: BotHarness, clock: ManualClock
) -> None:
    s = await issued(bot)
    await s.company.send("/payouts")
    assert spaced(s.company.last_text) == (
        "🧾 Payouts — due, then paid in the last 30 days (page 1/1)\n\n"
        f"🕒 {NUMBER} · P-0001 · €80.00\nDue by Mar 17, 2026, 10:00"
    )
    assert button_labels(s.company) == [CAPTIONS["en"]["mark"]]
    clock.advance(timedelta(days=8))
    await s.company.send("/payouts")
    assert "⚠️ CB-2026-000001 · P-0001 · €80.00\nOverdue: it was due Mar 17, 2026, 10:00" in (
        spaced(s.company.last_text)
    )
    await s.prospector.send("/payouts")
    assert s.prospector.last_text == "This command is for companies."
    beta = await onboard_company(bot, "Beta")
    await beta.send("/start")
    await beta.tap("Payouts")
    assert "No statement to pay" in beta.last_text


async def test_marking_paid_asks_a_valid_reference_and_tells_the_prospector(
    bot: BotHarness,
) -> None:
    s = await issued(bot)
    await s.company.tap("Mark as paid")
    assert "Your payment reference" in s.company.last_text
    await answer_stays(s.company, " ", "1 to 100 characters (yours has 0)")
    await answer_stays(s.company, "x" * 101, "1 to 100 characters (yours has 101)")
    await s.company.send("VIR-2026-0042")
    assert s.company.last_text == (
        f"✅ Statement {NUMBER} is marked paid, reference VIR-2026-0042. The reminders stop; "
        "the prospector is asked to confirm the receipt."
    )
    row = await statement_row(bot)
    assert (row["status"], row["payment_reference"], row["next_reminder_at"]) == (
        "paid",
        "VIR-2026-0042",
        None,
    )
    await bot.settle()
    assert spaced(s.prospector.last_text) == (
        f"💶 Acme SAS marked statement {NUMBER} paid: €80.00, reference VIR-2026-0042.\n"
        "Did the payment arrive?"
    )
    assert button_labels(s.prospector) == ["✅ Confirm receipt", "🚩 Nothing arrived"]
    await s.company.send("/payouts")
    assert (
        f"✅ {NUMBER} · P-0001 · €80.00\nPaid Mar 10, 2026, 10:00, reference VIR-2026-0042 · "
        "receipt not confirmed yet"
    ) in spaced(s.company.last_text)
    assert button_labels(s.company) == []
    # The Mark as paid under the statement itself is stale now.
    await s.company.tap("Mark as paid")
    assert s.company.alerts[-1] == "This statement is already marked paid."


async def test_marking_paid_in_french(bot: BotHarness) -> None:
    s = await issued(bot, "fr")
    await s.company.tap("Marquer payé")
    await answer_stays(s.company, "x" * 101, "entre 1 et 100 caractères (la vôtre en fait 101)")
    await s.company.send("VIR-42")
    assert s.company.last_text.startswith(
        f"✅ Le relevé {NUMBER} est marqué payé, référence VIR-42."
    )


async def test_reminders_carry_mark_as_paid(bot: BotHarness, clock: ManualClock) -> None:
    s = await issued(bot)
    clock.advance(timedelta(days=6))
    assert await payouts.send_due_reminders(bot.services.deps) == 1
    await bot.settle()
    assert spaced(s.company.last_text) == (
        f"⏰ Statement {NUMBER} (P-0001, €80.00) is due tomorrow, Mar 17, 2026, 10:00."
    )
    assert button_labels(s.company) == [CAPTIONS["en"]["mark"]]
    await mark_paid(s.company)
    clock.advance(timedelta(days=2))
    assert await payouts.send_due_reminders(bot.services.deps) == 0


# --- receipts ------------------------------------------------------------------------------------


async def test_the_prospector_confirms_the_receipt_once(bot: BotHarness) -> None:
    s = await issued(bot)
    await mark_paid(s.company)
    await bot.settle()
    notice = s.prospector.messages[-1]
    await s.prospector.tap("Confirm receipt")
    assert spaced(s.prospector.last_text) == (
        f"✅ You confirmed receiving €80.00 for statement {NUMBER} (reference VIR-2026-0042). "
        "Thank you."
    )
    assert s.prospector.messages[-1].message_id == notice.message_id
    assert button_labels(s.prospector) == []
    # A double tap: the second comes from the same (now edited) message.
    confirm = ReceiptCb(statement_id=1, receipt=Receipt.CONFIRMED).pack()
    await s.prospector.tap_forged(confirm, notice.message_id)
    assert s.prospector.alerts[-1] == "You already answered for this payment."
    assert (await statement_row(bot))["receipt"] == "confirmed"
    await s.company.send("/payouts")
    assert "receipt confirmed" in s.company.last_text
    assert await outbox_params(bot, ADMIN) == []


async def test_nothing_arrived_alerts_the_admins_with_the_reference(bot: BotHarness) -> None:
    s = await issued(bot)
    await mark_paid(s.company)
    await bot.settle()
    await s.prospector.tap("Nothing arrived")
    assert "did not arrive. The admins are told" in s.prospector.last_text
    assert (await statement_row(bot))["receipt"] == "missing"
    await bot.settle()
    # The admin never wrote to the bot: the alert is in the default language, French.
    alerts = await outbox_params(bot, ADMIN)
    assert [spaced(a["text"]) for a in alerts] == [
        f"🚩 Paiement non reçu : P-0001 indique que le paiement du relevé <b>{NUMBER}</b> "
        "n'est pas arrivé.\nEntreprise : Acme SAS · net 80,00 € · référence VIR-2026-0042."
    ]
    await s.company.send("/payouts")
    assert "reported not received" in s.company.last_text


# --- refusals ------------------------------------------------------------------------------------


async def test_another_companys_or_forged_buttons_change_nothing(bot: BotHarness) -> None:
    s = await issued(bot)
    beta = await onboard_company(bot, "Beta")
    ann = await onboard_prospector(bot, "Ann", notify=False)
    before = await statement_row(bot)
    for user, data in (
        (beta, MarkPaidCb(statement_id=1).pack()),
        (s.prospector, MarkPaidCb(statement_id=1).pack()),
        (s.company, MarkPaidCb(statement_id=77).pack()),
        (s.company, "ppd:v1:x"),
        # Not paid yet: there is no receipt to give.
        (s.prospector, ReceiptCb(statement_id=1, receipt=Receipt.CONFIRMED).pack()),
        (s.prospector, "prc:v1:1:maybe"),
    ):
        await user.tap_forged(data)
        assert user.alerts[-1] == STALE, data
    await mark_paid(s.company)
    paid = await statement_row(bot)
    for data in (
        ReceiptCb(statement_id=1, receipt=Receipt.MISSING).pack(),
        ReceiptCb(statement_id=1, receipt=Receipt.CONFIRMED).pack(),
    ):
        await ann.tap_forged(data)
        assert ann.alerts[-1] == STALE
    await s.company.tap_forged(ReceiptCb(statement_id=1, receipt=Receipt.MISSING).pack())
    assert s.company.alerts[-1] == STALE
    assert await statement_row(bot) == paid
    assert before["status"] == "due" and paid["receipt"] is None
    assert await outbox_params(bot, ADMIN) == []


# --- /earnings -----------------------------------------------------------------------------------


async def test_earnings_show_where_the_money_stands(bot: BotHarness, clock: ManualClock) -> None:
    s = await issued(bot)
    jo = s.prospector
    await validated(bot, s.company, jo, 1)
    await jo.send("/earnings")
    assert (
        "⏳ Not yet on a statement: €40.00\n🧾 On statements due: €80.00\n📈 All time: €120.00"
    ) in spaced(jo.last_text)
    clock.advance(timedelta(days=8))
    await jo.send("/earnings")
    assert "⚠️ Overdue: €80.00\n📈 All time" in spaced(jo.last_text)
    await mark_paid(s.company)
    await jo.send("/language")
    await jo.tap("Français")
    await jo.send("/earnings")
    assert (
        "⏳ Pas encore sur un relevé : 40,00 €\n✅ Payé ce mois-ci : 80,00 €\n"
        "📈 Depuis le début : 120,00 €"
    ) in spaced(jo.last_text)
