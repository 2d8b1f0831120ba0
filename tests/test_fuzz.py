"""Fuzzing a live marketplace: thousands of random updates from more than fifty users — texts,
commands with junk arguments, deep links, edits, replies, taps on real buttons, forged and
mutated button data, files where text is expected, updates of kinds the bot never asked
for; and time moves on meanwhile, with the minute tick running beside the updates. The
bot must come through without an unhandled error, without a call Telegram would
refuse, and with every tapped button answered exactly once.

FUZZ_SEED and FUZZ_UPDATES run another or a longer fuzz locally, e.g.
`FUZZ_SEED=7 FUZZ_UPDATES=50000 pytest tests/test_fuzz.py`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from storage.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.fuzz import Captured, Fuzzer, market_state
from tests.helpers import running_bot
from tests.marketplace import build_market

SEED = int(os.environ.get("FUZZ_SEED", "20260310"))
UPDATES = int(os.environ.get("FUZZ_UPDATES", "10000"))
# Updates queued before the bot handles them all concurrently, as a polling batch would be.
BATCH = 64


async def test_fuzzed_updates_are_all_handled_cleanly(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    async with running_bot(fake, db_path, clock) as bot:
        market = await build_market(bot, companies=8, prospectors=40)
        assert len(market.users) >= 50
        fuzzer = Fuzzer(bot, market, clock, SEED)
        taps_before = len(fake.answer_counts())
        with Captured() as errors:
            started = time.monotonic()
            await fuzzer.run(UPDATES, BATCH)
            took = time.monotonic() - started
        findings = fuzzer.findings(errors)
        state = await market_state(bot)
    print(
        f"\nfuzz seed {SEED}: {UPDATES} updates from {len(market.users)} users in {took:.1f} s; "
        f"{len(fake.answer_counts()) - taps_before} taps; {dict(fuzzer.kinds)}\n"
        f"real buttons tapped: {dict(fuzzer.shown_taps.most_common())}\n"
        f"the market after: {state}"
    )
    assert findings.clean, f"seed {SEED}:\n{findings.report()}"
