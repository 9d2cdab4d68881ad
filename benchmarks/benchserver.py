"""The repository's fake Moonshot server, instrumented for benchmarks.

`BenchServer` is a `tests.fakeserver.FakeMoonshot` whose stream handler
records when the chat request arrived, when each write left the server and
when the last byte of the stream was written. It also paces a stream after an
optional burst: the first ``burst_chars`` characters go out as fast as
possible, the rest one chunk every ``delay`` seconds (``delay=0`` streams
everything as fast as the socket takes it, in 64 KiB writes, exactly like the
stock server). With ``hold_after`` it stops after that many characters until
`BenchServer.hold` is set, so the last bytes can be sent to a client that has
caught up, and "last byte → final frame" measures finishing, not backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.fakeserver import FakeMoonshot, Reply
from tests.fakeserver.app import CHAT_PATH
from tests.fakeserver.handler import BATCH_BYTES, Handler
from tests.fakeserver.reply import RecordedRequest
from tests.fakeserver.wire import StreamResponse


@dataclass
class StreamLog:
    """Timestamps (``time.monotonic()``) of one streamed reply."""

    request: float = 0.0
    """When the chat request had been read."""
    first_byte: float = 0.0
    last_byte: float = 0.0
    """When the terminating chunk of the stream had been written."""
    released: float = 0.0
    """When a held stream was let go (see `BenchServer.hold_after`)."""
    writes: list[tuple[float, int]] = field(default_factory=list)
    """``(time, characters of reply text sent so far)`` after every write."""

    def sent_at(self, chars: int) -> float | None:
        """When the write that completed the first ``chars`` characters left."""
        for t, sent in self.writes:
            if sent >= chars:
                return t
        return None


class _BenchHandler(Handler):
    """Stream handler with timestamps and burst-then-paced sending (no faults)."""

    def _send_stream(self, r: StreamResponse) -> None:
        fake = self.server.fake
        assert isinstance(fake, BenchServer)
        if r.fault is not None or r.cut_at is not None:
            super()._send_stream(r)
            return
        log = fake.current
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        self.end_headers()
        clock = time.monotonic
        buf: list[bytes] = [r.head]
        size = len(r.head)
        sent = 0
        first = True
        delay, burst = fake.delay, fake.burst_chars
        hold_at = fake.hold_after
        next_at = 0.0
        for chars, event in r.pieces:
            if hold_at is not None and sent >= hold_at:
                # Hold the rest back until the benchmark sees the client has caught up.
                hold_at = None
                self._chunk(b"".join(buf))
                buf, size = [], 0
                log.writes.append((clock(), sent))
                fake.holding.set()
                if not fake.wait_for(fake.hold):
                    self._abort()
                    return
                log.released = clock()
                # Pacing starts afresh: the absolute schedule must not "catch up" the hold.
                next_at = 0.0
            buf.append(event)
            size += len(event)
            sent += chars
            paced = delay > 0 and sent > burst
            if paced or size >= BATCH_BYTES:
                if paced:
                    now = clock()
                    if next_at == 0.0:
                        next_at = now
                    # Absolute schedule: a late write does not push back the rest.
                    if next_at > now and fake.stopping.wait(next_at - now):
                        self._abort()
                        return
                    next_at += delay
                self._chunk(b"".join(buf))
                buf, size = [], 0
                t = clock()
                if first:
                    log.first_byte, first = t, False
                log.writes.append((t, sent))
        buf.append(r.tail)
        self._chunk(b"".join(buf))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        t = clock()
        if first:
            log.first_byte = t
        log.writes.append((t, sent))
        log.last_byte = t
        fake.stream_done.set()


class BenchServer(FakeMoonshot):
    """A `FakeMoonshot` that times its streams; set `reply`/`delay`/`burst_chars` per run."""

    def __init__(self) -> None:
        super().__init__(api_key="sk-bench-0123456789abcdef", enforce_context=False)
        self._httpd.RequestHandlerClass = _BenchHandler
        self.delay = 0.0
        """Seconds between chunks once paced (0: as fast as possible)."""
        self.burst_chars = 0
        """Characters sent as fast as possible before pacing starts."""
        self.hold_after: int | None = None
        """Stop after this many characters until `hold` is set (None: never)."""
        self.hold = threading.Event()
        """Set by the benchmark to let a held stream go on."""
        self.holding = threading.Event()
        """Set by the server once everything before `hold_after` has been written."""
        self.current = StreamLog()
        """The log of the stream in progress (or the last one)."""
        self.stream_done = threading.Event()
        self.requests_seen: list[tuple[float, str]] = []
        """``(time, path)`` of every request, to prove nothing is sent before the first frame."""
        self.on_chat_request: Callable[[], None] | None = None
        """Called on the handler thread when a chat request arrives (e.g. to sample CPU)."""

    def __enter__(self) -> BenchServer:
        self.start()
        return self

    def prepare(
        self,
        text: str,
        *,
        chunk_size: int = 4,
        delay: float = 0.0,
        burst: int = 0,
        hold_after: int | None = None,
    ) -> None:
        """Serve ``text`` to the next chat requests and reset the timing log."""
        self.default_reply = Reply(text=text, chunk_size=chunk_size)
        self.delay = delay
        self.burst_chars = burst
        self.hold_after = hold_after
        self.hold.clear()
        self.holding.clear()
        self.current = StreamLog()
        self.stream_done.clear()

    def record(self, req: RecordedRequest) -> None:
        now = time.monotonic()
        self.requests_seen.append((now, req.path))
        if req.method == "POST" and req.path == CHAT_PATH:
            self.current = StreamLog(request=now)
            self.stream_done.clear()
            if self.on_chat_request is not None:
                self.on_chat_request()
        # The stock server keeps every request body; a benchmark does not need them.
