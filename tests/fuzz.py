"""The fuzzer of tests/test_fuzz.py: random updates from the users of a live marketplace,
queued in batches through the fake Telegram, and what went wrong while the bot handled them.

Every input is drawn from one seeded `random.Random`, so a seed names a run; updates of
different users in a batch are handled concurrently, as the real bot would get them."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import string
import traceback
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from pydantic.fields import FieldInfo

# The composition imports every feature, so every codec is declared once it is imported.
import bot.app
from bot.kit import jobs
from bot.kit.callbacks import MAX_BYTES, VERSION, CallbackData
from bot.kit.context import CallboardContext
from storage.clock import ManualClock
from tests.fake_telegram import FakeMessage
from tests.fake_telegram.api import EDIT_METHODS, NOT_MODIFIED
from tests.harness import BotHarness, FakeUser
from tests.marketplace import Market

JSON = dict[str, Any]
PROJECT_PACKAGES = ("bot", "handlers", "services", "storage")


def codecs() -> list[type[CallbackData]]:
    """Every kind of button data the bot knows, wherever it is declared."""

    def walk(kind: type[CallbackData]) -> Iterator[type[CallbackData]]:
        for sub in kind.__subclasses__():
            if sub.__module__.split(".")[0] in PROJECT_PACKAGES:
                yield sub
            yield from walk(sub)

    return sorted(set(walk(CallbackData)), key=lambda kind: kind.prefix)


# --- what went wrong -------------------------------------------------------------------------


class ErrorRecorder(logging.Handler):
    """Every ERROR logged while the bot runs, keyed by exception type and the innermost
    function of the project it was raised in."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key, example = describe(record)
        self.counts[key] += 1
        self.examples.setdefault(key, example)


def describe(record: logging.LogRecord) -> tuple[str, str]:
    if not record.exc_info or record.exc_info[1] is None:
        return f"{record.name}: {record.getMessage()}", record.getMessage()
    error = record.exc_info[1]
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if any(f"/{package}/" in frame.filename for package in PROJECT_PACKAGES)
    ]
    where = f"{frames[-1].filename.rsplit('/', 2)[-2]}/{frames[-1].name}" if frames else "?"
    return f"{type(error).__name__} in {where}", f"{record.getMessage()}: {error!r}"


@dataclass
class Findings:
    errors: Counter[str]
    refusals: Counter[str]
    answers: Counter[str]
    examples: dict[str, str]

    @property
    def clean(self) -> bool:
        return not (self.errors or self.refusals or self.answers)

    def report(self) -> str:
        lines = []
        for title, counts in (
            ("unhandled errors (exception in the innermost project function)", self.errors),
            ("calls the fake Telegram refused (method: description)", self.refusals),
            ("callback queries not answered exactly once (times answered, button kind)",
             self.answers),
        ):  # fmt: skip
            lines.append(f"{sum(counts.values())} {title}")
            for key, count in counts.most_common():
                lines.append(f"  {count:6d}  {key}")
                lines.append(f"          e.g. {self.examples.get(key, '')[:300]}")
        return "\n".join(lines)


# --- random inputs ---------------------------------------------------------------------------

TEXTS = (
    "4", "0", "-4", "12,50", "€14.00", "1e9", "99999999999999999999", "3.5", "NaN", "Skip",
    "Done", "Passer", "2026-03-20 14:00", "31/02/2026", "demain 10h", "06 12 34 56 78",
    "+33612345678", "<b>bold</b>", "<script>x</script>", "a & b < c", "&amp;", "Zoë Ünïcode",
    "مرحبا", "emoji 🎉📞", "\u200b", "  padded  ", "line\nbreak", "@callboard_test_bot",
    "https://example.com", "Marie Curie", "Radium SA", "VIR-2026-0042", "732829320", "/",
    "yes", "Oui", "b2b", "title: x", "m1", "#1", "P-0001",
)  # fmt: skip
STEP_NAMES = (
    "role", "name", "sector", "siren", "display_name", "languages", "specialties",
    "experience", "bio", "notify", "proof", "reference", "title", "rate_cents", "amount",
    "contact_name", "phone", "reason", "explanation", "note", "nope", "",
)  # fmt: skip
# Which table an id field points into.
ID_TABLES = {
    "mission_id": "missions", "assignment_id": "assignments", "thread_id": "threads",
    "offer_id": "offers", "result_id": "results", "dispute_id": "disputes",
    "statement_id": "statements", "after": "results",
}  # fmt: skip
ODD_NUMBERS = ("0", "-1", "1", "7", "2147483648", str(2**53), str(2**53 + 1), "1" * 25, "x", "")


# Every so many batches time moves on (minutes to half a day) and the minute tick runs
# while the batch is handled, as the job queue would: deadlines pass, results are validated
# for want of a review, statements are issued and reminded.
TICK_EVERY = 8
# How often a user goes on with the screen in front of them rather than anything at all:
# enough for wizards of several steps to reach their end now and then.
FOCUS = 0.4


class Fuzzer:
    def __init__(self, harness: BotHarness, market: Market, clock: ManualClock, seed: int) -> None:
        self.bot = harness
        self.clock = clock
        self.fake = harness.fake
        self.market = market
        self.rng = random.Random(seed)
        self.commands = [command.name for command in bot.app.all_commands()]
        self.codecs = codecs()
        self.tapped: dict[str, str] = {}
        self.kinds: Counter[str] = Counter()
        # Prefixes of the real buttons tapped: how far into the flows the fuzz went.
        self.shown_taps: Counter[str] = Counter()
        self._serial = 10**6
        self._actions: list[tuple[Callable[[FakeUser], JSON | None], int]] = [
            (self.tap_shown, 30), (self.text, 10), (self.command, 12), (self.deep_link, 4),
            (self.edit, 6), (self.reply, 6), (self.forged_codec, 12), (self.mutated, 8),
            (self.media, 6), (self.other_kind, 6), (self.answer_prompt, 12),
        ]  # fmt: skip

    async def run(self, updates: int, batch: int) -> None:
        users = self.market.users
        done = 0
        for batches in itertools.count(1):
            if done >= updates:
                return
            size = min(batch, updates - done)
            for _ in range(size):
                self.one(self.rng.choice(users))
            done += size
            if batches % TICK_EVERY:
                await self.bot.deliver()
                continue
            self.clock.advance(timedelta(minutes=self.rng.randint(1, 720)))
            await asyncio.gather(self.bot.deliver(), self.tick())
            await self.bot.settle()

    async def tick(self) -> None:
        assert self.bot.app is not None
        await jobs.minute_tick(CallboardContext(self.bot.app))

    def one(self, user: FakeUser) -> None:
        actions, weights = zip(*self._actions, strict=True)
        # Mostly something at random; often carrying on with what is on screen (answering
        # its question or tapping one of its buttons); plain text when neither applies.
        choices = [self.rng.choices(actions, weights)[0], self.text]
        if self.rng.random() < FOCUS:
            choices.insert(0, self.rng.choice((self.answer_prompt, self.tap_newest)))
        for action in choices:
            queued = action(user)
            if queued is not None:
                break
        assert queued is not None
        self.kinds[action.__name__] += 1
        query = queued.get("callback_query")
        if query:
            self.tapped[query["id"]] = str(query["data"])

    def findings(self, errors: ErrorRecorder) -> Findings:
        refusals: Counter[str] = Counter()
        examples = dict(errors.examples)
        for method, description in self.fake.refusals:
            if method in EDIT_METHODS and description.endswith(NOT_MODIFIED):
                # An edit that changes nothing (a double tap re-rendering the same screen):
                # success for the bot (bot.kit.client), which cannot tell beforehand. Were it
                # left unhandled, it would be counted among the errors.
                continue
            refusals[f"{method}: {description}"] += 1
        answers: Counter[str] = Counter()
        for query_id, times in self.fake.answer_counts().items():
            if times != 1:
                data = self.tapped.get(query_id, "?")
                key = f"answered {times}×, {data.split(':')[0]}:…"
                answers[key] += 1
                examples.setdefault(key, data)
        return Findings(errors.counts, refusals, answers, examples)

    # --- messages ------------------------------------------------------------------------------

    def random_text(self) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return self.rng.choice(TEXTS)
        if roll < 0.5:
            # New phone numbers and amounts, so wizards that want them can be completed.
            return self.rng.choice(
                (f"06 {self.rng.randint(0, 99_99_99_99):08d}", str(self.rng.randint(1, 200)))
            )
        if roll < 0.7:
            labels = [
                label for message in self.shown_anywhere() for label, _, _ in message.buttons()
            ]
            return self.rng.choice(labels) if labels else "?"
        if roll < 0.95:
            alphabet = string.printable + "éàç€😀中\u202e"
            return "".join(self.rng.choices(alphabet, k=self.rng.randint(1, 80))).strip() or "."
        return "x" * self.rng.choice((300, 1001, 4096))

    def text(self, user: FakeUser) -> JSON:
        return self.fake.user_sends_text(user.id, self.random_text())

    def answer_prompt(self, user: FakeUser) -> JSON | None:
        """A sensible answer to the question on screen, so wizards get to their end."""
        question = user.last_text.lower() if user.messages else ""
        later = self.clock.now() + timedelta(days=self.rng.randint(1, 30))
        answers = (
            (("phone", "téléphone"), f"+336{self.rng.randint(0, 99_999_999):08d}"),
            (("appointment", "rendez-vous"), later.strftime("%Y-%m-%d 10:30")),
            (("deadline", "date limite"), later.strftime("%d/%m/%Y")),
            (("rate", "tarif", "amount", "montant"), f"{self.rng.randint(5, 90)},50"),
            (("how many", "combien", "maximum"), str(self.rng.randint(1, 20))),
            (("siren",), "732829320"),
            (("explain", "expliquez", "reason", "motif", "notes", "brief"),
             "The contact confirmed the meeting by e-mail the same day."),
            (("reference", "référence"), f"VIR-{self.rng.randint(1000, 9999)}"),
        )  # fmt: skip
        for fragments, answer in answers:
            if any(fragment in question for fragment in fragments):
                return self.fake.user_sends_text(user.id, answer)
        if user.messages[-1].buttons():
            return None
        if "?" in question or ":" in question:
            return self.fake.user_sends_text(user.id, self.rng.choice(("Marie Curie", "Radium SA")))
        return None

    def command(self, user: FakeUser) -> JSON:
        name = self.rng.choice([*self.commands, "start", "nope", "START"])
        mention = self.rng.choice(("", "", "@callboard_test_bot", "@other_bot"))
        args = self.rng.choice(("", "", self.random_text(), " ".join(ODD_NUMBERS)))
        return self.fake.user_sends_text(user.id, f"/{name}{mention} {args}".strip())

    def deep_link(self, user: FakeUser) -> JSON:
        missions = self.market.ids.get("missions", [1])
        payload = self.rng.choice(
            (
                f"m{self.rng.choice(missions)}", f"m{self.rng.choice(ODD_NUMBERS)}",
                "m" + "9" * 9, "m" + "9" * 10, "x" * 64, "x" * 65, "-_-", "../etc", "",
            )
        )  # fmt: skip
        return self.fake.user_sends_text(user.id, f"/start {payload}".strip())

    def edit(self, user: FakeUser) -> JSON | None:
        own = [m for m in self.fake.messages(user.id) if not m.from_bot and m.kind == "text"]
        if not own:
            return None
        message = self.rng.choice(own[-20:])
        text = self.rng.choice((self.random_text(), "/start", f"/{self.rng.choice(self.commands)}"))
        return self.fake.user_edits_text(user.id, message.message_id, text)

    def reply(self, user: FakeUser) -> JSON | None:
        messages = self.fake.messages(user.id)
        if not messages:
            return None
        target = self.rng.choice(messages[-30:])
        if self.rng.random() < 0.2:
            return self.fake.user_sends_photo(user.id, reply_to_message_id=target.message_id)
        return self.fake.user_sends_text(
            user.id, self.random_text(), reply_to_message_id=target.message_id
        )

    def media(self, user: FakeUser) -> JSON:
        caption = self.rng.choice((None, self.random_text()))
        kind = self.rng.choice(("photo", "document", "voice"))
        if kind == "photo":
            return self.fake.user_sends_photo(user.id, caption=caption)
        if kind == "document":
            return self.fake.user_sends_document(user.id, "notes.pdf", caption=caption)
        return self.fake.user_sends_voice(user.id, caption=caption)

    # --- buttons -------------------------------------------------------------------------------

    def shown_anywhere(self) -> list[FakeMessage]:
        return [m for m in self.fake.bot_messages(self.rng.choice(self.market.users).id)[-5:]]

    def tap_shown(self, user: FakeUser) -> JSON | None:
        """A button on screen, mostly on the newest messages, as people tap."""
        recent = [m for m in user.messages[-8:] if any(data for _, data, _ in m.buttons())]
        if not recent:
            return None
        message = recent[-1] if self.rng.random() < 0.6 else self.rng.choice(recent)
        data = self.rng.choice([data for _, data, _ in message.buttons() if data])
        self.shown_taps[data.split(":")[0]] += 1
        return self.fake.user_taps(user.id, message.message_id, data)

    def tap_newest(self, user: FakeUser) -> JSON | None:
        messages = user.messages
        shown = [data for _, data, _ in messages[-1].buttons() if data] if messages else []
        if not shown:
            return None
        data = self.rng.choice(shown)
        self.shown_taps[data.split(":")[0]] += 1
        return self.fake.user_taps(user.id, messages[-1].message_id, data)

    def forge_on(self, user: FakeUser, data: str) -> JSON | None:
        """`data` sent from any message of the bot's, with or without a keyboard."""
        messages = user.messages
        if not messages:
            return None
        message = self.rng.choice(messages[-10:])
        return self.fake.user_taps(user.id, message.message_id, data, forged=True)

    def forged_codec(self, user: FakeUser) -> JSON | None:
        kind = self.rng.choice(self.codecs)
        values = [self.value_for(name, info) for name, info in kind.model_fields.items()]
        required = sum(info.is_required() for info in kind.model_fields.values())
        values = values[: self.rng.randint(required, len(values))]
        data = ":".join([kind.prefix, VERSION, *values])
        return self.forge_on(user, truncated(data))

    def value_for(self, name: str, info: FieldInfo) -> str:
        """Mostly a value of the right type pointing at something that exists (often
        someone else's); sometimes anything."""
        if self.rng.random() < 0.1:
            return self.rng.choice(ODD_NUMBERS)
        annotation = info.annotation
        options = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Literal:
            return str(self.rng.choice(options))
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            return str(self.rng.choice(list(annotation)).value)
        if annotation is bool:
            return self.rng.choice(("True", "False", "1", "0"))
        if annotation is int:
            ids = self.market.ids.get(ID_TABLES.get(name, ""), [])
            if ids and self.rng.random() < 0.8:
                return str(self.rng.choice(ids))
            return str(self.rng.randint(0, 12))
        if name == "ids":
            ids = self.market.ids.get("results", [1])
            return "-".join(str(self.rng.choice(ids)) for _ in range(self.rng.randint(1, 5)))
        return self.rng.choice(STEP_NAMES)

    def mutated(self, user: FakeUser) -> JSON | None:
        shown = [data for m in self.shown_anywhere() for _, data, _ in m.buttons() if data]
        if not shown:
            return None
        data = self.rng.choice(shown)
        parts = data.split(":")
        roll = self.rng.random()
        if roll < 0.3:
            data = data[: self.rng.randint(0, len(data))]
        elif roll < 0.6:
            index = self.rng.randrange(len(parts))
            parts[index] = self.rng.choice((*ODD_NUMBERS, "v2", "ml", "💥"))
            data = ":".join(parts)
        elif roll < 0.8:
            data = f"{data}:{self.rng.choice(ODD_NUMBERS)}"
        else:
            data = "".join(self.rng.choices(string.printable, k=self.rng.randint(1, MAX_BYTES)))
        return self.forge_on(user, truncated(data))

    # --- updates of other kinds ----------------------------------------------------------------

    def other_kind(self, user: FakeUser) -> JSON:
        self._serial += 1
        serial = self._serial
        person = {"id": user.id, "is_bot": False, "first_name": user.first_name}
        private = {"id": user.id, "type": "private", "first_name": user.first_name}
        group = {"id": -4200 - serial % 3, "type": "group", "title": "Callers"}
        channel = {"id": -1001234567890, "type": "channel", "title": "News"}
        date = 1_773_000_000
        bot_member = {"user": self.fake.bot_user}
        kinds: list[JSON] = [
            {"poll": poll(serial)},
            {"poll_answer": {"poll_id": str(serial), "option_ids": [0],
                             "option_persistent_ids": ["a"], "user": person}},
            {"my_chat_member": {
                "chat": private, "from": person, "date": date,
                "old_chat_member": {**bot_member, "status": "member"},
                "new_chat_member": {**bot_member, "status": "kicked", "until_date": 0},
            }},
            {"channel_post": {"message_id": serial, "date": date, "chat": channel,
                              "text": "/start"}},
            {"edited_channel_post": {"message_id": serial, "date": date, "edit_date": date,
                                     "chat": channel, "text": "/help"}},
            {"message": {"message_id": serial, "date": date, "chat": group, "from": person,
                         "text": self.rng.choice(("/start", "/browse", "hello"))}},
            {"inline_query": {"id": str(serial), "from": person, "query": "m1", "offset": ""}},
            {"message_reaction": {
                "chat": private, "message_id": 1, "user": person, "date": date,
                "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }},
            {"message": {"message_id": serial, "date": date, "chat": private, "from": person,
                         "sticker": sticker(serial)}},
            {"message": {"message_id": serial, "date": date, "chat": private, "from": person,
                         "location": {"latitude": 48.85, "longitude": 2.35}}},
            {"message": {"message_id": serial, "date": date, "chat": private, "from": person,
                         "contact": {"phone_number": "+33612345678", "first_name": "Marie"}}},
            {"chat_join_request": {"chat": group, "from": person, "user_chat_id": user.id,
                                   "date": date}},
        ]  # fmt: skip
        return self.fake.queue_update(self.rng.choice(kinds))


async def market_state(harness: BotHarness) -> dict[str, dict[str, int]]:
    """How many rows of each table are in each status: how far the run took the market."""
    read = harness.services.db.read
    state = {}
    for table in ("missions", "assignments", "offers", "results", "disputes", "statements"):
        found = await read.fetch_all(
            f"SELECT status, COUNT(*) AS n FROM {table} GROUP BY status ORDER BY status", ()
        )
        state[table] = {str(row["status"]): int(row["n"]) for row in found}
    return state


def truncated(data: str) -> str:
    """Telegram carries at most 64 bytes of callback data."""
    return data.encode()[:MAX_BYTES].decode(errors="ignore")


def poll(serial: int) -> JSON:
    return {
        "id": str(serial), "question": "Best time to call?", "total_voter_count": 1,
        "options": [
            {"text": "9h", "voter_count": 1, "persistent_id": "a"},
            {"text": "14h", "voter_count": 0, "persistent_id": "b"},
        ],
        "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False,
    }  # fmt: skip


def sticker(serial: int) -> JSON:
    return {
        "file_id": f"sticker-{serial}", "file_unique_id": f"s{serial}", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False,
    }  # fmt: skip


@dataclass
class Captured:
    """The error recorder attached to the root logger for the duration of a run."""

    recorder: ErrorRecorder = field(default_factory=ErrorRecorder)

    def __enter__(self) -> ErrorRecorder:
        logging.getLogger().addHandler(self.recorder)
        return self.recorder

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.recorder)
