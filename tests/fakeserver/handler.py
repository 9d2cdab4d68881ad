"""HTTP/1.1 handler: records each request, asks `app.dispatch` for a response, writes it.

JSON answers use Content-Length and keep-alive.  Streams use chunked transfer encoding; each
SSE event is flushed as soon as it is produced when there is a delay, gate or fault, and
batched into 64 KiB chunks otherwise.  `drop`/`stall` end a stream by shutting the socket down
without the terminating zero-length chunk, so the client sees an incomplete chunked body.
"""

from __future__ import annotations

import socket
import struct
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from .app import dispatch, parse_json
from .reply import RecordedRequest
from .wire import CloseResponse, HttpResponse, Response, StreamResponse, error_body

if TYPE_CHECKING:
    from .server import FakeMoonshot

BATCH_BYTES = 64 * 1024
MALFORMED_EVENT = b"data: {not json\n\n"


class FakeHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its `FakeMoonshot` (handler threads are daemons)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeMoonshot) -> None:
        self.fake = fake
        super().__init__(address, Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients hanging up (normal for cancelled streams)."""
        if self.fake.stopping.is_set() or isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: FakeHTTPServer

    # ---- plumbing ------------------------------------------------------------------------
    def version_string(self) -> str:
        return "cloudflare"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def setup(self) -> None:
        super().setup()
        self.server.fake.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake.track(self.connection, add=False)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # ---- request -------------------------------------------------------------------------
    def _handle(self) -> None:
        self._started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        req = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=raw,
            json=parse_json(raw),
        )
        fake = self.server.fake
        fake.record(req)
        response = dispatch(fake, req)
        try:
            self._send(response)
        except (ConnectionError, OSError):
            self.close_connection = True
        finally:
            if response.release is not None:
                response.release()

    def _send(self, response: Response) -> None:
        if isinstance(response, HttpResponse):
            self._send_http(response)
        elif isinstance(response, StreamResponse):
            self._send_stream(response)
        else:
            self._send_nothing(response)

    def _common_headers(self) -> None:
        fake = self.server.fake
        elapsed = (time.perf_counter() - self._started) * 1000
        self.send_header("Msh-Request-Id", str(uuid.uuid4()))
        self.send_header("X-Msh-Trace-Id", uuid.uuid4().hex)
        self.send_header("Msh-Gid", "enterprise-tier-0")
        self.send_header("Msh-Uid", fake.uid)
        self.send_header("Msh-Org-Id", fake.org_id)
        self.send_header("Msh-Trace-Mode", "on")
        self.send_header("Server-Timing", f"inner; dur={elapsed:.0f}")
        self.send_header("Vary", "Origin")
        for name, value in fake.extra_headers.items():
            self.send_header(name, value)

    def _send_http(self, r: HttpResponse) -> None:
        if r.delay > 0 and self.server.fake.stopping.wait(r.delay):
            self._abort()
            return
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        self._common_headers()
        for name, value in r.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(r.body)

    def _send_nothing(self, r: CloseResponse) -> None:
        if r.delay > 0:
            self.server.fake.stopping.wait(r.delay)
        self._abort(reset=r.reset)

    def _abort(self, reset: bool = False) -> None:
        """Close the connection mid-response (FIN, or RST if ``reset``)."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.rfile.close()  # drop the makefile reference so close() is real
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- streaming -----------------------------------------------------------------------
    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%X\r\n%b\r\n" % (len(data), data))

    def _send_stream(self, r: StreamResponse) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        for name, value in r.fault.headers if r.fault is not None else ():
            self.send_header(name, value)
        self.end_headers()
        buf: list[bytes] = [r.head]
        size = len(r.head)
        sent = 0
        cut_pending = r.cut_at is not None
        for chars, event in r.pieces:
            if cut_pending and r.cut_at is not None and sent >= r.cut_at:
                cut_pending = False
                self._chunk(b"".join(buf))
                buf, size = [], 0
                if not self._cut(r):
                    return
            buf.append(event)
            size += len(event)
            sent += chars
            if r.delay > 0:
                self._chunk(b"".join(buf))
                buf, size = [], 0
                if self.server.fake.stopping.wait(r.delay):
                    self._abort()
                    return
            elif size >= BATCH_BYTES:
                self._chunk(b"".join(buf))
                buf, size = [], 0
        if cut_pending:
            self._chunk(b"".join(buf))
            buf = []
            if not self._cut(r):
                return
        buf.append(r.tail)
        self._chunk(b"".join(buf))
        self.wfile.write(b"0\r\n\r\n")

    def _cut(self, r: StreamResponse) -> bool:
        """Apply the gate or stream fault once ``cut_at`` characters are out; True = go on."""
        fake = self.server.fake
        if r.gate is not None:
            if fake.wait_for(r.gate):
                return True
            self._abort()
            return False
        fault = r.fault
        assert fault is not None
        if fault.kind == "malformed":
            self._chunk(MALFORMED_EVENT)
            return True
        if fault.kind == "sse_error":
            event = b"data: %b\n\n" % error_body(fault.error_type, fake.fill(fault.message))
            self._chunk(event)
            self.wfile.write(b"0\r\n\r\n")
            return False
        if fault.kind == "stall":
            fake.stopping.wait(fault.seconds)
        self._abort(reset=fault.reset)
        return False
