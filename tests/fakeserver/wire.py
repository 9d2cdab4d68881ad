"""Wire-level helpers: compact JSON, error envelopes and the response objects the handler sends.

`dispatch` (app.py) turns a request into one of `HttpResponse`, `StreamResponse` or
`CloseResponse`; the HTTP handler (handler.py) only knows how to put those on the socket.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .faults import JSON_CT, Fault


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as Moonshot sends it (no spaces, non-ASCII kept)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def error_body(error_type: str, message: str) -> bytes:
    """``{"error":{"message":…,"type":…}}`` with ``message`` first, no code/param."""
    return dumps({"error": {"message": message, "type": error_type}})


def url_not_found_body(method: str, ua: str, url: str) -> bytes:
    return dumps(
        {
            "code": 5,
            "error": "url.not_found",
            "message": "没找到对象",
            "method": method,
            "scode": "0x5",
            "status": False,
            "ua": ua,
            "url": url,
        }
    )


@dataclass
class HttpResponse:
    """A complete (non-streamed) answer; ``delay`` seconds pass before it is sent."""

    status: int
    body: bytes
    content_type: str = JSON_CT
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    release: Callable[[], None] | None = None


@dataclass
class StreamResponse:
    """A 200 SSE answer.

    ``head`` (role chunks) is sent first, then each ``(chars, event)`` of ``pieces`` with
    ``delay`` seconds between them, then ``tail`` (final chunks, usage chunk, ``[DONE]``).
    When ``cut_at`` characters have been streamed, the handler waits for ``gate`` or applies
    the stream ``fault`` (pieces are pre-split so that a piece never straddles ``cut_at``).
    """

    head: bytes
    pieces: list[tuple[int, bytes]]
    tail: bytes
    delay: float = 0.0
    cut_at: int | None = None
    gate: threading.Event | None = None
    fault: Fault | None = None
    release: Callable[[], None] | None = None


@dataclass
class CloseResponse:
    """No answer at all: wait ``delay`` seconds, then close the connection (RST if ``reset``)."""

    delay: float = 0.0
    reset: bool = False
    release: Callable[[], None] | None = None


Response = HttpResponse | StreamResponse | CloseResponse


def error_response(error_type: str, message: str, status: int) -> HttpResponse:
    return HttpResponse(status, error_body(error_type, message))
