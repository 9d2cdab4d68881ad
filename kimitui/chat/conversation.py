"""A conversation: its persona, model and messages, and what goes on the wire.

Every message the user saw is kept here, including failed and cut-off ones,
each with a ``state``. ``wire_messages()`` decides what the model is sent:
the persona's system prompt, then every exchange that produced a reply, in
order. Failed exchanges stay visible (and retryable) but are not resent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

Role = Literal["system", "user", "assistant"]


def new_id() -> str:
    """A fresh random identifier for a message or a conversation."""
    return uuid.uuid4().hex


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (how every timestamp is kept)."""
    return datetime.now(UTC)


class MessageState(StrEnum):
    """How a message ended."""

    COMPLETE = "complete"
    """A sent user message, or a reply the server finished."""
    STREAMING = "streaming"
    """A reply still arriving."""
    INTERRUPTED = "interrupted"
    """The user stopped the reply; the partial text is kept and resent."""
    INCOMPLETE = "incomplete"
    """The stream broke off; the partial text is shown but not resent."""
    FAILED = "failed"
    """A user message whose request failed; shown and retryable, not resent."""


@dataclass(slots=True)
class ChatMessage:
    """One message of the transcript."""

    role: Role
    content: str
    state: MessageState = MessageState.COMPLETE
    reasoning: str = ""
    """A thinking model's reasoning; shown, never resent."""
    model: str | None = None
    """For replies: the model that produced it."""
    id: str = field(default_factory=new_id, compare=False)
    """Stable identity, so a recorder can update the stored copy as text streams."""
    created_at: datetime = field(default_factory=utc_now, compare=False)
    """When the message was written (UTC)."""

    @property
    def on_wire(self) -> bool:
        """Whether this message is part of what the model is sent."""
        return self.state in (MessageState.COMPLETE, MessageState.INTERRUPTED) and bool(
            self.content
        )


@dataclass(slots=True)
class Conversation:
    """The messages of one chat, with the persona and model it uses."""

    system_prompt: str
    model: str
    persona: str = "kimi"
    temperature: float | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    id: str | None = None
    """The saved conversation's id; ``None`` until it is first saved (or never, incognito)."""

    def wire_messages(self) -> list[dict[str, str]]:
        """The messages to send: system prompt, then every kept exchange, in order."""
        wire: list[dict[str, str]] = []
        if self.system_prompt:
            wire.append({"role": "system", "content": self.system_prompt})
        wire.extend(
            {"role": message.role, "content": message.content}
            for message in self.messages
            if message.on_wire
        )
        return wire

    def last_failed_user_message(self) -> ChatMessage | None:
        """The most recent user message whose request failed, if it is the last exchange."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message if message.state is MessageState.FAILED else None
        return None
