"""`FakeMoonshot`: a local, standard-library-only HTTP server that behaves like Moonshot's API.

Usage::

    with FakeMoonshot() as server:
        server.enqueue(Reply("Hi"), Fault.overloaded())
        client = openai.OpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0)

It serves on 127.0.0.1 from a daemon thread (one thread per connection) and records every
request.  See app.py for the order of checks and validate.py for the token estimate.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType

from .app import CHAT_PATH, SlidingWindow
from .catalog import Era, ModelInfo, resolve_models
from .faults import Fault
from .handler import FakeHTTPServer
from .reply import Balance, RecordedRequest, Reply

DEFAULT_TEXT = "Hello from the fake Kimi."


class FakeMoonshot:
    """A fake Moonshot API server; start with ``with`` or `start()`/`stop()`."""

    def __init__(
        self,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[str | ModelInfo] | None = None,
        era: Era = "B",
        *,
        rpm_limit: int | None = None,
        rpm_window: float = 60.0,
        concurrency_limit: int | None = None,
        default_reply: Reply | None = None,
        enforce_context: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        verbose: bool = False,
    ) -> None:
        if era not in ("A", "B"):
            raise ValueError(f"era must be 'A' or 'B', not {era!r}")
        self.api_key = api_key or f"sk-test-{secrets.token_hex(16)}"
        self.host = host
        self.models: dict[str, ModelInfo] = resolve_models(models)
        self.era: Era = era
        self._defaults = (rpm_limit, rpm_window, concurrency_limit, default_reply)
        self.rpm_limit = rpm_limit
        self.rpm_window = rpm_window
        self.concurrency_limit = concurrency_limit
        self.default_reply = default_reply or Reply(text=DEFAULT_TEXT)
        self.enforce_context = enforce_context
        self.extra_headers: dict[str, str] = dict(extra_headers or {})
        self.verbose = verbose
        self.balance = Balance()
        self.org_id = f"org-{secrets.token_hex(16)}"
        self.ak_id = f"ak-{secrets.token_hex(10)}"
        self.uid = secrets.token_hex(10)
        self.fingerprint = f"fpv0_{secrets.token_hex(4)}"
        self.rpm_counter = SlidingWindow()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._queue: deque[Reply | Fault] = deque()
        self._requests: list[RecordedRequest] = []
        self._active = 0
        self._connections: set[socket.socket] = set()
        self._httpd = FakeHTTPServer((host, port), self)
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    # ---- lifecycle -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def account(self) -> str:
        """The ``org-…<ak-…>`` pair used in rate-limit and quota messages."""
        return f"{self.org_id}<{self.ak_id}>"

    def fill(self, message: str) -> str:
        """Replace the ``{account}``/``{org}`` placeholders of a `Fault` message."""
        return message.replace("{account}", self.account).replace("{org}", self.org_id)

    def start(self) -> FakeMoonshot:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.01},
                name=f"FakeMoonshot:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, break open connections (stalled/gated streams end), free the port."""
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread (standalone use) until interrupted."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self.stopping.set()
            self._httpd.server_close()

    def __enter__(self) -> FakeMoonshot:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- scripting -----------------------------------------------------------------------
    def enqueue(self, *items: Reply | Fault) -> None:
        """Queue answers for the next chat requests (FIFO, one item per request)."""
        with self._lock:
            self._queue.extend(items)

    @property
    def pending(self) -> int:
        """Queued items not consumed yet."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Drop queued items and recorded requests."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()

    def reset(self) -> None:
        """Back to the constructor state (queue, records, RPM window, limits, balance,
        default reply) so one running server can be shared by many tests."""
        rpm_limit, rpm_window, concurrency_limit, default_reply = self._defaults
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.rpm_limit = rpm_limit
            self.rpm_window = rpm_window
            self.concurrency_limit = concurrency_limit
            self.default_reply = default_reply or Reply(text=DEFAULT_TEXT)
            self.balance = Balance()
            self.rpm_counter = SlidingWindow()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == CHAT_PATH]

    # ---- used by the app / handler -------------------------------------------------------
    def next_item(self) -> Reply | Fault:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default_reply

    def record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def acquire_slot(self) -> Callable[[], None] | None:
        """Take a concurrency slot; returns its release function, or None if all are busy."""
        with self._lock:
            if self.concurrency_limit is not None and self._active >= self.concurrency_limit:
                return None
            self._active += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released = True
                    self._active -= 1

        return release

    def wait_for(self, gate: threading.Event) -> bool:
        """Wait until ``gate`` is set (True) or the server stops (False)."""
        while not gate.wait(0.05):
            if self.stopping.is_set():
                return False
        return True

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
