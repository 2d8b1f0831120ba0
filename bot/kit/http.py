"""`AiohttpRequest`: the bot's HTTP client to Telegram, on aiohttp.

PTB's default client (httpx) costs 1.5-2 ms of CPU per call on this project's machines,
most of it in its connection pool; aiohttp costs 0.3 ms for the same call. Every update
makes one or two calls, so the client was the larger part of the bot's CPU in a burst
(docs/architecture.md, "The HTTP client"). The class keeps PTB's contract: timeouts per
call with the instance's as defaults, `TimedOut` for any timeout (waiting for a free
connection included) and `NetworkError` for anything else that kept the call from an
answer; statuses and bodies go back to PTB untouched, which reads Telegram's errors."""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Calls to Telegram over at most `connections` kept-alive connections.

    `pool_timeout` is how long a call waits for a free connection, `connect_timeout` how
    long opening one may take, `read_timeout` how long Telegram may stay silent, and
    `write_timeout` bounds sending the request (`media_write_timeout` when it carries a
    file). None means no limit, as in PTB. `on_answer` is shown the body of every answer
    with status 200 before PTB reads it."""

    def __init__(
        self,
        connections: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        on_answer: Callable[[bytes], None] | None = None,
    ) -> None:
        self._connections = connections
        self._on_answer = on_answer
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_of_url: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._connections,
            limit_per_host=0,
            # Telegram's certificate checked against the same authorities as PTB's client.
            ssl=ssl.create_default_context(cafile=certifi.where()),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            # Telegram sets no cookies; nothing to keep between calls.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        # HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as PTB's default client reads them, but read
        # once: aiohttp's `trust_env` reads them, and ~/.netrc, on every call, which doubled
        # the bot's CPU per update in a burst.
        self._proxies = urllib.request.getproxies()
        self._proxy_of_url.clear()

    async def shutdown(self) -> None:
        if self._session is None:
            return
        session, self._session = self._session, None
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, self._media_write_timeout if has_files else self._write_timeout),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        if status == 200 and self._on_answer is not None:
            self._on_answer(body)
        return status, body

    def _proxy(self, url: str) -> str | None:
        """The proxy for `url` from the environment, worked out once per URL (PTB calls a
        handful: one per API method)."""
        if url not in self._proxy_of_url:
            parts = urlsplit(url)
            bypassed = urllib.request.proxy_bypass(parts.hostname or "")
            self._proxy_of_url[url] = None if bypassed else self._proxies.get(parts.scheme)
        return self._proxy_of_url[url]

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        # aiohttp's `connect` covers waiting for a free connection and opening one; the
        # whole call is bounded by the sum of its parts, which is what bounds the write.
        parts = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB encodes them; a multipart form when the call uploads a file."""
    if request_data is None:
        return None
    parameters = request_data.json_parameters
    if not request_data.contains_files:
        return parameters
    form = aiohttp.FormData()
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mime_type = part
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
