"""Plain data types of the fake server: scripted replies, recorded requests, account balance."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    """A scripted successful completion.

    Streaming sends ``reasoning`` as ``delta.reasoning_content`` chunks first, then ``text`` as
    ``delta.content`` chunks of ``chunk_size`` characters, sleeping ``delay`` seconds between
    chunks (non-streamed answers ignore ``delay``).  ``gate_after``/``gate``: after that many
    streamed characters (reasoning + text) the stream pauses until ``gate`` is set (a
    non-streamed reply waits for the gate before answering).  ``model`` overrides the echoed
    model name.  ``context_limit``: if the estimated prompt tokens exceed it, answer with the
    context-overflow 400 instead.  ``cached_tokens`` adds the flat ``usage.cached_tokens``.
    """

    text: str
    reasoning: str = ""
    chunk_size: int = 4
    delay: float = 0.0
    model: str | None = None
    finish_reason: str = "stop"
    gate_after: int | None = None
    gate: threading.Event | None = field(default=None, compare=False)
    context_limit: int | None = None
    cached_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        if (self.gate is None) != (self.gate_after is None):
            raise ValueError("gate and gate_after must be given together")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (``headers`` keys are lower-case)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    json: Any  # parsed body, or None when absent / not JSON


@dataclass
class Balance:
    """Body of `GET /v1/users/me/balance`; chat is refused with a quota 429 when
    ``available_balance <= 0``."""

    available_balance: float = 49.58894
    voucher_balance: float = 46.58893
    cash_balance: float = 3.00001
