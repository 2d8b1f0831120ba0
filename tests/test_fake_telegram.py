"""The fake Bot API must accept what Telegram accepts and refuse what it refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import http.client
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fake_telegram import (
    EntityParseError,
    FakeRequest,
    FakeTelegram,
    FakeTelegramServer,
    parse_telegram_html,
)
from tests.fake_telegram import api as fake_api

USER = 1001


@pytest.fixture
def api() -> FakeTelegram:
    fake = FakeTelegram()
    fake.add_user(USER, "Ann", username="ann", language_code="en")
    fake.user_sends_text(USER, "/start")
    return fake


@pytest.fixture
async def bot(api: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(
        api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api)
    ) as client:
        yield client


def rejects(fragment: str) -> pytest.RaisesExc[BadRequest]:
    # PTB capitalizes Telegram's description (str.capitalize lowercases the rest).
    return pytest.raises(BadRequest, match="(?i)" + re.escape(fragment))


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# ------------------------------------------------------------------------- HTML parsing


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("<b>bold</b> <i>it</i> <u>u</u> <s>s</s>", "bold it u s"),
        ('<a href="https://x.org/?a=1&amp;b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("<blockquote expandable>q</blockquote>", "q"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&lt;b&gt; &amp; &quot;q&quot; &#39; &#x27; 🎉 a > b", "<b> & \"q\" ' ' 🎉 a > b"),
        ("<B>upper</b>", "upper"),
    ],
)
def test_html_accepts_telegram_markup(source: str, plain: str) -> None:
    assert parse_telegram_html(source) == plain


@pytest.mark.parametrize(
    ("source", "description"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("abc</b>", "Unexpected end tag at byte offset 3"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ("x <", "Unclosed start tag at byte offset 2"),
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("&lt", 'Character "&" must be escaped as "&amp;" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a>x</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
        ('<a href="x&y">x</a>', 'Character "&" must be escaped as "&amp;" at byte offset 10'),
    ],
)
def test_html_rejects_what_telegram_rejects(source: str, description: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_telegram_html(source)
    assert caught.value.description == description


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_escaped_text_always_parses_back(text: str) -> None:
    assert parse_telegram_html(html.escape(text)) == text


# ------------------------------------------------------------------------- sending


async def test_get_me_and_plain_send(api: FakeTelegram, bot: Bot) -> None:
    assert bot.username == "callboard_test_bot"
    assert (await bot.get_me()).id == 123456
    sent = await bot.send_message(USER, '&lt;b&gt; &amp; "quotes" 🎉', parse_mode="HTML")
    assert sent.text == '<b> & "quotes" 🎉'
    stored = api.last_bot_message(USER)
    assert stored is not None and stored.text == sent.text and stored.kind == "text"
    assert stored.html == '&lt;b&gt; &amp; "quotes" 🎉'
    assert api.sent_count() == 1 and api.sent_count("sendMessage") == 1
    assert api.calls[-1] == ("sendMessage", api.calls[-1][1])
    assert api.calls[-1][1]["chat_id"] == USER


@pytest.mark.parametrize("text", ["<b>bold", "<b><i>x</b></i>", "<foo>x</foo>", "a & b"])
async def test_malformed_html_is_bad_request(bot: Bot, text: str) -> None:
    with rejects("can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")


async def test_text_length_limits(bot: Bot) -> None:
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with rejects("message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with rejects("message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    with rejects("unsupported parse_mode"):
        await bot.send_message(USER, "x", parse_mode="markdown3")
    with rejects("message caption is too long"):
        await bot.send_photo(USER, b"png", caption="c" * 1025)


async def test_callback_data_limit_is_in_bytes(api: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("a" * 64))
    await bot.send_message(USER, "ok", reply_markup=keyboard("é" * 32))
    with rejects("BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "no", reply_markup=keyboard("é" * 32 + "a"))
    with rejects("BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "no", reply_markup=keyboard("a" * 65))
    assert api.sent_count("sendMessage") == 2


async def test_button_shape_is_checked(api: FakeTelegram, bot: Bot) -> None:
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="ftp://example.org")]])
    with rejects("unsupported URL protocol"):
        await bot.send_message(USER, "x", reply_markup=bad_url)
    text_only = json.dumps({"inline_keyboard": [[{"text": "x"}]]})
    status, body = api.handle(
        api.token, "sendMessage", {"chat_id": str(USER), "text": "x", "reply_markup": text_only}
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: text buttons are unallowed in the inline keyboard",
    )
    reply_keyboard = ReplyKeyboardMarkup([["Yes", "No"]])
    sent = await bot.send_message(USER, "choose", reply_markup=reply_keyboard)
    assert sent.reply_markup is None  # reply keyboards are not part of the message


async def test_unknown_chat_and_blocked_user(api: FakeTelegram, bot: Bot) -> None:
    with rejects("chat not found"):
        await bot.send_message(999, "hi")
    api.add_user(7, "Silent")
    with rejects("chat not found"):
        await bot.send_message(7, "hi")
    api.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    api.unblock(USER)
    await bot.send_message(USER, "hi again")


async def test_replies_must_reference_existing_messages(api: FakeTelegram, bot: Bot) -> None:
    start = api.messages(USER)[0]
    reply = await bot.send_message(USER, "hi", reply_to_message_id=start.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "/start"
    with rejects("message to be replied not found"):
        await bot.send_message(USER, "hi", reply_parameters=ReplyParameters(424242))
    lenient = ReplyParameters(424242, allow_sending_without_reply=True)
    assert (await bot.send_message(USER, "hi", reply_parameters=lenient)).reply_to_message is None


# ------------------------------------------------------------------------- editing


async def test_edit_rules(api: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with rejects("message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", USER, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    edited = await bot.edit_message_text("<b>v1</b>", USER, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, object) and api.messages(USER)[-1].reply_markup is None
    await bot.edit_message_text("v1", USER, sent.message_id)  # same text, formatting dropped
    with rejects("message to edit not found"):
        await bot.edit_message_text("x", USER, 9999)
    with rejects("message can't be edited"):
        await bot.edit_message_text("x", USER, api.messages(USER)[0].message_id)
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("b"))
    with rejects("message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("b"))
    stored = api.last_bot_message(USER)
    assert stored is not None and stored.edited and stored.buttons() == [("b", "b", None)]


async def test_media_edits_and_delete(api: FakeTelegram, bot: Bot) -> None:
    photo = await bot.send_photo(USER, b"\x89PNG", caption="first")
    with rejects("there is no text in the message to edit"):
        await bot.edit_message_text("x", USER, photo.message_id)
    await bot.edit_message_caption(USER, photo.message_id, caption="second")
    with rejects("message is not modified"):
        await bot.edit_message_caption(USER, photo.message_id, caption="second")
    assert await bot.delete_message(USER, photo.message_id)
    with rejects("message to delete not found"):
        await bot.delete_message(USER, photo.message_id)


# ------------------------------------------------------------------------- media


async def test_media_uploads_and_file_ids(api: FakeTelegram, bot: Bot) -> None:
    photo = await bot.send_photo(USER, InputFile(b"png-bytes", filename="a.png"))
    again = await bot.send_photo(USER, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    user_photo = api.user_sends_photo(USER, caption="mine")["message"]
    await bot.send_photo(USER, user_photo["photo"][-1]["file_id"])
    await bot.send_document(USER, b"%PDF", filename="cv.pdf")
    await bot.send_voice(USER, b"OggS")
    with rejects("wrong file identifier"):
        await bot.send_photo(USER, "not-a-known-file-id")
    kinds = [m.kind for m in api.bot_messages(USER)]
    assert kinds == ["photo", "photo", "photo", "document", "voice"]


async def test_copy_message(api: FakeTelegram, bot: Bot) -> None:
    api.add_user(2002, "Bob")
    api.user_sends_text(2002, "/start")
    doc = api.user_sends_document(USER, "cv.pdf", caption="my cv")["message"]
    copied = await bot.copy_message(
        2002, USER, doc["message_id"], caption="<i>cv</i>", parse_mode="HTML"
    )
    stored = api.last_bot_message(2002)
    assert stored is not None and stored.message_id == copied.message_id
    assert (stored.kind, stored.caption) == ("document", "cv")
    assert stored.file_id == doc["document"]["file_id"]
    with rejects("message to copy not found"):
        await bot.copy_message(2002, USER, 31337)


# ------------------------------------------------------------------------- reactions


@pytest.mark.parametrize(
    "emoji",
    ["👍", "👎", "❤", "🔥", "👌", "✍", "🙏", "🤝", "👀", "🎉", "\u2764\u200d\U0001f525"],
)
async def test_a_listed_emoji_is_a_reaction(api: FakeTelegram, bot: Bot, emoji: str) -> None:
    start = api.messages(USER)[0]
    assert await bot.set_message_reaction(USER, start.message_id, ReactionTypeEmoji(emoji))
    assert api.messages(USER)[0].reactions == [emoji]


async def test_reactions_replace_the_bots_earlier_ones_and_are_no_message(
    api: FakeTelegram, bot: Bot
) -> None:
    start = api.messages(USER)[0].message_id
    sent = await bot.send_message(USER, "hi")
    await bot.set_message_reaction(USER, start, "👍")
    await bot.set_message_reaction(USER, sent.message_id, [ReactionTypeEmoji("🔥")], is_big=True)
    await bot.set_message_reaction(USER, start, "❤")
    assert [m.reactions for m in api.messages(USER)] == [["❤"], ["🔥"]]
    await bot.set_message_reaction(USER, start)
    assert api.messages(USER)[0].reactions == []
    assert api.sent_count() == 1
    assert api.sent_count("setMessageReaction") == 4


async def test_reactions_telegram_refuses(api: FakeTelegram, bot: Bot) -> None:
    start = api.messages(USER)[0].message_id
    with rejects("chat not found"):
        await bot.set_message_reaction(999, start, "👍")
    with rejects("message to react not found"):
        await bot.set_message_reaction(USER, 4242, "👍")
    # With the variation selector, an emoji not on the list, not an emoji, a custom emoji.
    invalid = [ReactionTypeEmoji(e) for e in ("❤️", "🙂", "ok")]
    for reaction in [*invalid, ReactionTypeCustomEmoji("5368324170671202286")]:
        with rejects("REACTION_INVALID"):
            await bot.set_message_reaction(USER, start, reaction)
    with rejects("REACTIONS_TOO_MANY"):
        await bot.set_message_reaction(USER, start, ["👍", "🔥"])
    one = {"chat_id": str(USER), "message_id": str(start), "reaction": '{"type": "emoji"}'}
    assert api.handle(api.token, "setMessageReaction", one)[0] == 400, "not in an array"
    api.user_deletes(USER, start)
    with rejects("message to react not found"):
        await bot.set_message_reaction(USER, start, "👍")
    with pytest.raises(ValueError):
        api.user_deletes(USER, start)
    assert [method for method, _ in api.refusals] == ["setMessageReaction"] * 9


# ------------------------------------------------------------------------- updates


async def test_updates_offset_and_redelivery(api: FakeTelegram, bot: Bot) -> None:
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["/start"]
    update = api.user_sends_text(USER, "hello", reply_to_message_id=1)
    second = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.update_id for u in second] == [update["update_id"]]
    assert second[0].message is not None and second[0].message.reply_to_message is not None
    api.duplicate_update(update)
    third = await bot.get_updates(offset=second[-1].update_id + 1)
    assert [u.update_id for u in third] == [update["update_id"]]
    assert await bot.get_updates(offset=third[-1].update_id + 1) == ()


async def test_callback_queries(api: FakeTelegram, bot: Bot) -> None:
    api.take_updates()
    sent = await bot.send_message(USER, "pick", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError):
        api.user_taps(USER, sent.message_id, "maybe")
    with pytest.raises(ValueError):
        api.user_taps(USER, 1, "yes")  # a user message has no buttons
    api.user_taps(USER, sent.message_id, "yes")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.data == "yes"
    with rejects("MESSAGE_TOO_LONG"):
        await update.callback_query.answer("x" * 201)
    await update.callback_query.answer("Saved", show_alert=True)
    with rejects("query is too old"):
        await update.callback_query.answer()
    assert api.callback_answers(USER) == [{"text": "Saved", "show_alert": True, "url": None}]


async def test_answers_are_counted_per_query_and_refusals_recorded(
    api: FakeTelegram, bot: Bot
) -> None:
    api.take_updates()
    sent = await bot.send_message(USER, "pick", reply_markup=keyboard("yes", "no"))
    api.user_taps(USER, sent.message_id, "yes")
    api.user_taps(USER, sent.message_id, "no")
    api.user_taps(USER, sent.message_id, "yes")
    once, twice, never = [u.callback_query for u in await bot.get_updates()]
    assert once and twice and never
    await once.answer()
    await twice.answer()
    with rejects("query is too old"):
        await twice.answer("Again")
    assert api.answer_counts() == {once.id: 1, twice.id: 2, never.id: 0}
    with rejects("message is not modified"):
        await bot.edit_message_text(
            "pick", USER, sent.message_id, reply_markup=keyboard("yes", "no")
        )
    assert [(method, text.split(":")[1].strip()) for method, text in api.refusals] == [
        (
            "answerCallbackQuery",
            "query is too old and response timeout expired or query ID is invalid",
        ),
        ("editMessageText", "message is not modified"),
    ]


async def test_edited_messages_and_updates_of_other_kinds(api: FakeTelegram, bot: Bot) -> None:
    api.take_updates()
    api.user_edits_text(USER, 1, "/help")
    with pytest.raises(ValueError):
        api.user_edits_text(USER, 99, "nothing there")
    api.queue_update({"channel_post": {
        "message_id": 5, "date": 1, "chat": {"id": -100, "type": "channel"}, "text": "news",
    }})  # fmt: skip
    edited, post = await bot.get_updates()
    assert edited.edited_message is not None and edited.edited_message.text == "/help"
    assert edited.edited_message.edit_date is not None
    assert edited.edited_message.entities[0].type == "bot_command"
    assert post.channel_post is not None and post.channel_post.text == "news"
    assert api.messages(USER)[0].text == "/help"


async def test_commands_per_scope(api: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    scope = BotCommandScopeChat(USER)
    await bot.set_my_commands([BotCommand("jobs", "My jobs")], scope=scope, language_code="ru")
    assert api.commands() == [{"command": "start", "description": "Start"}]
    assert api.commands({"type": "chat", "chat_id": USER}, "ru")[0]["command"] == "jobs"
    assert api.commands({"type": "chat", "chat_id": USER}) == []
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="ru")] == [
        "jobs"
    ]
    with rejects("BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    with rejects("BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand("ok", "d" * 257)])
    await bot.delete_my_commands()
    assert api.commands() == []


# ------------------------------------------------------------------------- faults


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_and_server_errors(api: FakeTelegram, bot: Bot) -> None:
    api.set_flood(USER, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "hi")
    retry_after = caught.value.retry_after  # int or timedelta depending on PTB_TIMEDELTA
    assert retry_after == 7 or getattr(retry_after, "total_seconds", lambda: 0)() == 7
    await bot.send_message(USER, "hi")
    api.fail_next("sendMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(USER, "hi")
    await bot.send_message(USER, "hi")
    api.per_chat_limit = 1.0
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "too fast")


class SteppedClock:
    """Stands in for the fake's `time` module, so the tests move its second by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    @staticmethod
    def time() -> float:
        return time.time()  # message dates keep the real clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SteppedClock:
    stepped = SteppedClock()
    monkeypatch.setattr(fake_api, "time", stepped)
    return stepped


def started_chats(api: FakeTelegram, count: int) -> list[int]:
    """Users who wrote to the bot before, without updates to process."""
    ids = [5000 + n for n in range(count)]
    for user_id in ids:
        api.add_user(user_id, f"U{user_id}", started=True)
    return ids


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_overall_limit_refuses_sends_past_it_within_one_second(
    api: FakeTelegram, bot: Bot, clock: SteppedClock
) -> None:
    api.overall_limit = 3
    chats = started_chats(api, 5)
    for chat_id in chats[:3]:
        await bot.send_message(chat_id, "fits")
        clock.now += 0.25
    # Three in the last 0.75 s: the fourth, to yet another chat, is one too many.
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chats[3], "too many")
    retry_after = caught.value.retry_after
    assert retry_after == 1 or getattr(retry_after, "total_seconds", lambda: 0)() == 1
    assert "too many" not in [m.text for m in api.bot_messages(chats[3])]
    # Edits are not new messages and do not count.
    message = api.bot_messages(chats[0])[-1]
    await bot.edit_message_text("edited", chat_id=chats[0], message_id=message.message_id)
    # The window slides: once the first send is a second old, one more fits, not two.
    clock.now += 0.25
    await bot.send_message(chats[3], "now it fits")
    with pytest.raises(RetryAfter):
        await bot.send_message(chats[4], "but this does not")


async def test_overall_limit_is_off_by_default(api: FakeTelegram, bot: Bot) -> None:
    chats = started_chats(api, 60)
    for chat_id in chats:
        await bot.send_message(chat_id, "no limit")
    assert all(api.last_bot_message(c) is not None for c in chats)


async def test_paid_broadcasts_are_not_counted_in_the_overall_limit(
    api: FakeTelegram, bot: Bot, clock: SteppedClock
) -> None:
    api.overall_limit = 2
    chats = started_chats(api, 10)
    await bot.send_message(chats[0], "free")
    await bot.send_message(chats[1], "free")
    for chat_id in chats[2:9]:
        await bot.send_message(chat_id, "paid", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(chats[9], "free again")


async def test_paid_broadcasts_have_their_own_limit(api: FakeTelegram, clock: SteppedClock) -> None:
    api.overall_limit = 30
    (chat_id,) = started_chats(api, 1)
    params = {"chat_id": str(chat_id), "text": "paid", "allow_paid_broadcast": "true"}
    statuses = [api.handle(api.token, "sendMessage", params)[0] for _ in range(1001)]
    assert statuses == [200] * 1000 + [429]


async def test_wrong_token_and_unknown_method(api: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", request=FakeRequest(api)):
            pass
    assert api.handle(api.token, "noSuchMethod", {})[0] == 404
    assert api.handle(api.token, "GETME", {})[0] == 200


# ------------------------------------------------------------------------- over HTTP


@pytest.fixture
def server(api: FakeTelegram) -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(api) as running:
        yield running


async def test_http_round_trip(api: FakeTelegram, server: FakeTelegramServer) -> None:
    assert server.base_file_url.endswith("/file/bot")
    async with Bot(api.token, base_url=server.base_url) as client:
        assert (await client.get_me()).username == "callboard_test_bot"
        sent = await client.send_message(
            USER, "<b>hi</b>", parse_mode="HTML", reply_markup=keyboard("go")
        )
        assert sent.reply_markup == keyboard("go")
        photo = await client.send_photo(
            USER, InputFile(b"\x89PNG-data", filename="p.png"), caption="pic"
        )
        assert photo.caption == "pic" and photo.photo
        assert api.calls[-1][1]["photo"] == b"\x89PNG-data"
        with rejects("can't parse entities"):
            await client.send_message(USER, "<b>", parse_mode="HTML")


async def test_http_long_poll(api: FakeTelegram, server: FakeTelegramServer) -> None:
    async with Bot(api.token, base_url=server.base_url) as client:
        start = await client.get_updates(timeout=1)
        offset = start[-1].update_id + 1
        began = time.monotonic()
        assert await client.get_updates(offset=offset, timeout=dt.timedelta(seconds=0.3)) == ()
        assert time.monotonic() - began >= 0.25
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, api.user_sends_text, USER, "late")
        (update,) = await client.get_updates(offset=offset, timeout=5)
        assert update.message is not None and update.message.text == "late"


def get_me(connection: http.client.HTTPConnection, token: str) -> dict[str, object]:
    connection.request("POST", f"/bot{token}/getMe", b"", {"Content-Length": "0"})
    response = connection.getresponse()
    answer: dict[str, object] = json.loads(response.read())
    return answer


def test_http_accepts_200_connections_opened_at_once(
    api: FakeTelegram, server: FakeTelegramServer
) -> None:
    """A burst of users makes the bot open many connections together: none may be refused
    or lost (the listen backlog was 5)."""
    connections = 200
    everyone_connected = threading.Barrier(connections)

    def call() -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.connect()
            everyone_connected.wait(timeout=30)
            return get_me(connection, api.token)["ok"] is True
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=connections) as pool:
        answers = list(pool.map(lambda _: call(), range(connections)))
    assert answers == [True] * connections


def test_http_keeps_a_connection_alive_across_calls(
    api: FakeTelegram, server: FakeTelegramServer
) -> None:
    """Sequential calls reuse one connection, each answered as soon as it is handled.
    Were headers and body sent in two writes without TCP_NODELAY, every call would wait
    for the client's delayed ACK (about 40 ms on Linux): 100 calls would take 4 s or more.
    The bound below is 30 ms a call, generous for a call the fake handles in well under 1 ms."""
    calls = 100
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.connect()
        opened = connection.sock
        assert get_me(connection, api.token)["ok"] is True  # warm-up
        began = time.monotonic()
        answers = [get_me(connection, api.token) for _ in range(calls)]
        elapsed = time.monotonic() - began
        assert connection.sock is opened  # http.client reconnects silently if it was closed
    finally:
        connection.close()
    assert all(answer["ok"] is True for answer in answers)
    assert elapsed < calls * 0.03, f"{calls} calls took {elapsed:.2f} s"


def test_http_unknown_path_leaves_the_connection_usable(
    api: FakeTelegram, server: FakeTelegramServer
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/elsewhere", b"a=1&b=2", {"Content-Length": "7"})
        response = connection.getresponse()
        assert response.status == 404
        response.read()
        assert get_me(connection, api.token)["ok"] is True
    finally:
        connection.close()


async def test_stop_closes_kept_alive_connections(api: FakeTelegram) -> None:
    server = FakeTelegramServer(api).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        assert get_me(connection, api.token)["ok"] is True
        server.stop()
        connection.auto_open = False  # no silent reconnection: the kept connection must fail
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            get_me(connection, api.token)
    finally:
        connection.close()


async def test_stop_interrupts_long_poll(api: FakeTelegram) -> None:
    server = FakeTelegramServer(api).start()
    api.take_updates()
    async with Bot(api.token, base_url=server.base_url) as client:
        poll = asyncio.create_task(client.get_updates(timeout=30, read_timeout=35))
        await asyncio.sleep(0.2)
        began = time.monotonic()
        await asyncio.to_thread(server.stop)
        assert time.monotonic() - began < 2
        assert await asyncio.wait_for(poll, 5) == ()


async def test_application_polls_in_process(api: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Welcome</b>", reply_markup=keyboard("go"))

    app = (
        Application.builder()
        .bot(Bot(api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api)))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(drop_pending_updates=True)
        api.user_sends_text(USER, "/start")
        for _ in range(200):
            if api.bot_messages(USER):
                break
            await asyncio.sleep(0.01)
        await app.updater.stop()
        await app.stop()
    reply = api.last_bot_message(USER)
    assert reply is not None and reply.text == "Welcome" and reply.reply_to_message_id is None
    assert reply.buttons() == [("go", "go", None)]
