"""The typed events a reply is made of, from the provider to the UI.

A provider turns the wire protocol into ``ProviderEvent``s; the chat session
passes them on and adds its own (retries, model switches) to form the
``StreamEvent``s the UI and print mode consume. All are frozen dataclasses so
they can be logged, compared in tests and shared across tasks safely.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the reply's visible text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of a thinking model's reasoning (``reasoning_content``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts for one request, as the server reported them."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Finished:
    """The server finished the reply.

    Attributes:
        finish_reason: ``stop``, ``length`` (cut by ``max_tokens``) or ``tool_calls``.
        model: the model that actually answered (``moonshot-v1-auto`` names one).
    """

    finish_reason: str
    model: str


@dataclass(frozen=True, slots=True)
class Retrying:
    """The session will resend the request after ``delay`` seconds.

    Attributes:
        reason: a sentence for the user ("Rate limited", "Kimi is overloaded").
        delay: seconds until the retry.
        attempt: 1 for the first retry.
        max_attempts: how many retries the policy allows in all.
    """

    reason: str
    delay: float
    attempt: int
    max_attempts: int


@dataclass(frozen=True, slots=True)
class ModelSwitched:
    """The session moved the conversation to a larger model and resends."""

    old: str
    new: str
    reason: str


ProviderEvent = TextDelta | ReasoningDelta | Usage | Finished
"""What a provider yields while streaming one request."""

StreamEvent = ProviderEvent | Retrying | ModelSwitched
"""What ``ChatSession.send`` yields: provider events plus session decisions."""
