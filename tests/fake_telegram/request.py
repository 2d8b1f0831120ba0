"""PTB request backend that calls the fake directly, without sockets."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from .api import FakeTelegram

_URL = re.compile(r"/bot([^/]+)/([^/?]+)$")


class FakeRequest(BaseRequest):
    """``BaseRequest`` that answers from a :class:`FakeTelegram` in the same process."""

    def __init__(self, api: FakeTelegram) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        match = _URL.search(url)
        if match is None:
            return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
        token, api_method = match.groups()
        params = dict(request_data.json_parameters) if request_data else {}
        files = _read_files(request_data.multipart_data) if request_data else {}
        long_poll = api_method.lower() == "getupdates"
        if long_poll:
            # Blocking the event loop for a long poll would freeze the bot under test.
            params["timeout"] = "0"
        status, body = self.api.handle(token, api_method, params, files)
        if long_poll and status == 200 and not body["result"]:
            # Yield briefly so an idle polling loop does not spin the CPU.
            await asyncio.sleep(0.01)
        return status, json.dumps(body).encode()


def _read_files(multipart: dict[str, Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, field in multipart.items():
        content = field[1] if isinstance(field, tuple) else field
        files[name] = content if isinstance(content, bytes) else content.read()
    return files
