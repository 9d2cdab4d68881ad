"""A scripted, in-process `ChatProvider`: no network, every reply written by the caller.

Used by the session and store tests and by the headless benchmark
(``benchmarks/headless.py``), which drive the chat core or the real app with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from kimitui.chat.events import Finished, ProviderEvent, ReasoningDelta, TextDelta
from kimitui.providers.base import ModelInfo


class Request(NamedTuple):
    """One request the provider received."""

    messages: list[dict[str, str]]
    model: str


Step = Iterable[ProviderEvent] | Exception | Callable[[Request], Iterable[ProviderEvent]]
"""How one request is answered: these events, this error raised, or the events
a function makes of the request when it arrives (to look at the request or at
the world at that moment, or to answer with the requested model)."""


@dataclass
class ScriptedProvider:
    """Answers each request with the next step of ``script``."""

    script: list[Step]
    requests: list[Request] = field(default_factory=list)
    gate: asyncio.Event | None = None
    """When set, awaited before each reply's second event (the first has been taken)."""
    yield_every: int = 0
    """Hand control to the event loop after every this many events (0: never)."""
    closed: int = 0
    """Replies whose stream has ended: finished, closed early or cancelled."""
    started_at: float = 0.0
    """`time.perf_counter` when the latest request arrived."""
    last_text_at: float = 0.0
    """`time.perf_counter` just before the latest `TextDelta` was handed over."""

    async def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        model: str,
        temperature: float | None = None,
        stream: bool = True,
    ) -> AsyncGenerator[ProviderEvent, None]:
        """Record the request, then yield the next step's events or raise its error."""
        self.started_at = time.perf_counter()
        request = Request([dict(m) for m in messages], model)
        self.requests.append(request)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        events = step(request) if callable(step) else step
        try:
            for count, event in enumerate(events, 1):
                if count == 2 and self.gate is not None:
                    await self.gate.wait()
                if isinstance(event, TextDelta):
                    self.last_text_at = time.perf_counter()
                yield event
                if self.yield_every and count % self.yield_every == 0:
                    await asyncio.sleep(0)
        finally:
            self.closed += 1

    async def list_models(self) -> list[ModelInfo]:
        """No models are listed."""
        return []

    async def aclose(self) -> None:
        """Nothing to close."""


def reply(text: str, model: str = "kimi-test", reasoning: str = "") -> list[ProviderEvent]:
    """A complete reply in two text pieces (and optional reasoning first)."""
    events: list[ProviderEvent] = [ReasoningDelta(reasoning)] if reasoning else []
    half = len(text) // 2
    return [*events, TextDelta(text[:half]), TextDelta(text[half:]), Finished("stop", model)]
