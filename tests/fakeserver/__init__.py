"""A faithful local Moonshot-compatible HTTP server for tests and benchmarks.

`FakeMoonshot` serves the chat, models, token-estimate and balance endpoints on 127.0.0.1;
`Reply` scripts a successful answer and `Fault` injects one of Moonshot's real failures.
"""

from __future__ import annotations

from .catalog import DEFAULT_MODELS, ModelInfo
from .faults import Fault
from .reply import Balance, RecordedRequest, Reply
from .server import FakeMoonshot
from .validate import estimate_prompt_tokens

__all__ = [
    "DEFAULT_MODELS",
    "Balance",
    "FakeMoonshot",
    "Fault",
    "ModelInfo",
    "RecordedRequest",
    "Reply",
    "estimate_prompt_tokens",
]
