"""Loopback HTTP front-end so a real ``python -m bot`` process can talk to the fake."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from .api import FakeTelegram

_PATH = re.compile(r"^/bot([^/]+)/([^/]+)$")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
_PART_NAME = re.compile(r'[;\s]name="([^"]*)"')
_PART_FILENAME = re.compile(r"filename\*?=")


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections a burst opens at once; the client then
    # waits to retry them, and a loaded machine can push that past its connect timeout.
    request_queue_size = 1024
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        # Kept-alive connections outlive shutdown(), which only stops accepting new ones:
        # stop() closes them so a client still holding one is not answered by a stopped server.
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            connections, self._open = self._open, set()
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have hung up already
                connection.shutdown(socket.SHUT_RDWR)


class FakeTelegramServer:
    """Serves a :class:`FakeTelegram` on 127.0.0.1 at a free port."""

    def __init__(self, api: FakeTelegram | None = None) -> None:
        self.api = api or FakeTelegram()
        # Seconds every request waits before the fake answers it, as a slow Telegram would.
        self.latency = 0.0
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def requests_in_progress(self) -> int:
        """Requests received and not yet answered (a killed client's may still be)."""
        with self._busy_lock:
            return self._busy

    def _track(self, delta: int) -> None:
        with self._busy_lock:
            self._busy += delta

    def start(self) -> FakeTelegramServer:
        handler = type("Handler", (_Handler,), {"api": self.api, "server_front": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        # A short poll interval keeps stop() prompt.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.api.wake_waiters()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    api: FakeTelegram
    server_front: FakeTelegramServer
    # Keep-alive: a client reuses its connections instead of opening one per call.
    protocol_version = "HTTP/1.1"
    # The response is buffered and flushed at once (headers and body in one write), and sent
    # without waiting for Nagle's algorithm: otherwise the body waits for the client's
    # delayed ACK of the headers, about 40 ms a call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:
        return None  # keep pytest output readable

    def _dispatch(self) -> None:
        self.server_front._track(+1)
        try:
            time.sleep(self.server_front.latency)
            self._answer()
        finally:
            self.server_front._track(-1)

    def _answer(self) -> None:
        # The body is read whatever the path: on a kept-alive connection, what is left
        # unread would be taken for the next request.
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        match = _PATH.match(url.path)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body_params, files = self._parse_body(body)
            params.update(body_params)
            token, method = match.groups()
            status, answer = self.api.handle(token, method, params, files)
        except Exception as exc:  # a bug in the fake must not hang the client
            status, answer = 500, {"ok": False, "error_code": 500, "description": repr(exc)}
        self._reply(status, answer)

    def _parse_body(self, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            boundary = _BOUNDARY.search(content_type)
            return _parse_multipart(body, boundary.group(1) if boundary else "")
        if content_type.startswith("application/json"):
            decoded = json.loads(body or b"{}")
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}, {}
        return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}

    def _reply(self, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The bot stopped while its long poll was open, as a real client may.
            self.close_connection = True


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, bytes]]:
    params: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = _PART_NAME.search(headers)
        if name is None:
            continue
        data = data.removesuffix(b"\r\n")
        if _PART_FILENAME.search(headers):
            files[name.group(1)] = data
        else:
            params[name.group(1)] = data.decode("utf-8")
    return params, files
