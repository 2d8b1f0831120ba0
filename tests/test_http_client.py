"""The bot's HTTP client (`bot.kit.http.AiohttpRequest`) against the fake Telegram over
loopback HTTP: what PTB sends arrives whole, and what goes wrong reaches PTB as the errors
it knows (its retries and the outbox's depend on them)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.kit.http import AiohttpRequest
from tests.fake_telegram import FakeTelegram, FakeTelegramServer

USER = 4242


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    fake = FakeTelegram()
    fake.add_user(USER, "Ann", language_code="en", started=True)
    with FakeTelegramServer(fake) as running:
        yield running


def bot_on(url: str, request: AiohttpRequest) -> Bot:
    return Bot(FakeTelegram().token, base_url=url, request=request, get_updates_request=request)


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    running = bot_on(server.base_url, AiohttpRequest(4, read_timeout=2.0))
    async with running:
        yield running


async def test_a_message_with_html_and_a_keyboard_arrives_as_sent(
    bot: Bot, server: FakeTelegramServer
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Oui", callback_data="m:v1:1")]])
    sent = await bot.send_message(
        USER, "<b>Café</b> &amp; co — 10 €", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Café & co — 10 €"
    message = server.api.last_bot_message(USER)
    assert message is not None and message.html == "<b>Café</b> &amp; co — 10 €"
    assert message.buttons() == [("✅ Oui", "m:v1:1", None)]


async def test_a_file_with_a_non_ascii_name_is_uploaded_whole_with_its_caption(
    bot: Bot, server: FakeTelegramServer
) -> None:
    content = bytes(range(256)) * 40  # binary, with CR/LF and NUL bytes inside
    await bot.send_document(USER, content, filename="relevé n°3.csv", caption="Relevé n°3")
    name, params = server.api.calls[-1]
    assert name == "sendDocument"
    assert params["caption"] == "Relevé n°3"
    assert content in params.values()
    assert server.api.last_bot_message(USER) is not None


async def test_telegrams_refusal_is_reported_by_ptb_as_telegram_said_it(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999_999, "to nobody")


async def test_many_calls_at_once_share_the_few_connections(
    bot: Bot, server: FakeTelegramServer
) -> None:
    sent = await asyncio.gather(*(bot.send_message(USER, f"n{n}") for n in range(40)))
    assert sorted(m.text for m in sent) == sorted(f"n{n}" for n in range(40))


async def test_a_telegram_slower_than_the_read_timeout_is_a_timeout(
    server: FakeTelegramServer,
) -> None:
    async with bot_on(server.base_url, AiohttpRequest(2, read_timeout=2.0)) as slow:
        server.latency = 0.3
        with pytest.raises(TimedOut):
            await slow.send_message(USER, "late", read_timeout=0.05)
        server.latency = 0.0
        assert (await slow.send_message(USER, "in time")).text == "in time"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_telegram_is_a_network_error() -> None:
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{_closed_port()}/botTOKEN/getMe")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_request_is_refused_before_initialize_and_after_shutdown() -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")


@pytest.fixture
def no_proxy_in_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


async def test_calls_go_through_the_proxy_the_environment_names(
    server: FakeTelegramServer, no_proxy_in_environment: pytest.MonkeyPatch
) -> None:
    # The fake answers a proxied call too: it reads the path of the absolute URL it is sent.
    no_proxy_in_environment.setenv("http_proxy", f"http://127.0.0.1:{server.port}")
    async with bot_on("http://api.telegram.invalid/bot", AiohttpRequest(2)) as proxied:
        assert (await proxied.send_message(USER, "via the proxy")).text == "via the proxy"


async def test_no_proxy_sends_calls_to_its_hosts_directly(
    server: FakeTelegramServer, no_proxy_in_environment: pytest.MonkeyPatch
) -> None:
    no_proxy_in_environment.setenv("http_proxy", f"http://127.0.0.1:{_closed_port()}")
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):  # the proxy is down
            await request.post(f"{server.base_url}{server.api.token}/getMe")
    finally:
        await request.shutdown()
    no_proxy_in_environment.setenv("no_proxy", "127.0.0.1")
    async with bot_on(server.base_url, AiohttpRequest(2)) as direct:
        assert (await direct.send_message(USER, "direct")).text == "direct"
