"""Shared pieces for the store tests: a scripted provider and quick conversations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.chat.events import Finished, ProviderEvent, ReasoningDelta, TextDelta
from kimitui.providers.base import ModelInfo

Step = list[ProviderEvent] | Exception


@dataclass
class ScriptedProvider:
    """Answers each request with the next scripted events (or raises the scripted error)."""

    script: list[Step]
    requests: list[list[dict[str, str]]] = field(default_factory=list)
    pause: float = 0.0
    """Seconds to wait before each event after the first."""

    async def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        model: str,
        temperature: float | None = None,
        stream: bool = True,
    ) -> AsyncIterator[ProviderEvent]:
        self.requests.append([dict(m) for m in messages])
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        for index, event in enumerate(step):
            if index and self.pause:
                await asyncio.sleep(self.pause)
            yield event

    async def list_models(self) -> list[ModelInfo]:
        return []

    async def aclose(self) -> None:
        pass


def reply(text: str, model: str = "kimi-test", reasoning: str = "") -> list[ProviderEvent]:
    """A complete reply in two text pieces (and optional reasoning first)."""
    events: list[ProviderEvent] = [ReasoningDelta(reasoning)] if reasoning else []
    half = len(text) // 2
    return [*events, TextDelta(text[:half]), TextDelta(text[half:]), Finished("stop", model)]


def conversation(*pairs: tuple[str, str], persona: str = "kimi") -> Conversation:
    """A finished conversation with one user/assistant exchange per pair."""
    messages: list[ChatMessage] = []
    for question, answer in pairs:
        messages.append(ChatMessage("user", question))
        messages.append(ChatMessage("assistant", answer, model="kimi-test"))
    return Conversation("be brief", "kimi-test", persona=persona, messages=messages)


def shape(conversation: Conversation) -> list[tuple[str, str, MessageState]]:
    """What a transcript shows: role, text and state of each message."""
    return [(m.role, m.content, m.state) for m in conversation.messages]
