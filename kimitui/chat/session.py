"""The chat session: sends a message with the full history and owns the rules.

``ChatSession.send(text)`` appends the user's message, streams the reply as
``StreamEvent``s and records how it ended. It decides what is resent, when a
partial reply is kept, when to wait and retry (rate limits, overload, flaky
servers) and when to move a fixed-size ``moonshot-v1`` model up to a larger
context window. It knows nothing of Textual or the ``openai`` SDK, so print
mode, the TUI and tests all drive it the same way.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.chat.events import (
    Finished,
    ModelSwitched,
    ReasoningDelta,
    Retrying,
    StreamEvent,
    TextDelta,
)
from kimitui.chat.recorder import ConversationRecorder, NullRecorder
from kimitui.errors import (
    ContextOverflow,
    KimituiError,
    ModelNotFound,
    Overloaded,
    ProviderError,
    RateLimited,
    ServerError,
    StreamIncomplete,
    Unreachable,
)
from kimitui.providers.base import ChatProvider

LARGER_MODEL = {
    "moonshot-v1-8k": "moonshot-v1-32k",
    "moonshot-v1-32k": "moonshot-v1-128k",
    "moonshot-v1-8k-vision-preview": "moonshot-v1-32k-vision-preview",
    "moonshot-v1-32k-vision-preview": "moonshot-v1-128k-vision-preview",
}
"""Where a fixed-size model goes when the conversation outgrows its window."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long the session waits before resending.

    Attributes:
        max_attempts: retries allowed for one message, all causes together.
        base_delay: first backoff in seconds; doubles each attempt.
        max_delay: cap for one wait.
    """

    max_attempts: int = 4
    base_delay: float = 2.0
    max_delay: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter between half and all of the step."""
        step: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return step * (0.5 + random.random() / 2)


Sleep = Callable[[float], Awaitable[None]]


class ChatSession:
    """Sends messages in one conversation through one provider."""

    def __init__(
        self,
        conversation: Conversation,
        provider: ChatProvider,
        *,
        stream: bool = True,
        retry_policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        recorder: ConversationRecorder | None = None,
    ) -> None:
        self.conversation = conversation
        self.provider = provider
        self.stream = stream
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        self.recorder: ConversationRecorder = recorder or NullRecorder()
        """Told of every change to the conversation (the store saves through it)."""

    async def send(self, text: str) -> AsyncGenerator[StreamEvent, None]:
        """Send ``text`` with the whole history and yield the reply's events.

        The user message is recorded first. On success the reply is recorded
        as complete. If the consumer stops early (Escape), the partial reply is
        kept as interrupted. If the request fails, the user message is marked
        failed (still shown, retryable, not resent) and the error is raised.

        Raises:
            kimitui.errors.ProviderError: when the request fails for good.
        """
        user = ChatMessage("user", text)
        self.conversation.messages.append(user)
        # Recorded before the request goes out, so a crash never loses what was typed.
        self.recorder.message_added(self.conversation, user)
        reply = ChatMessage("assistant", "", MessageState.STREAMING, model=self.conversation.model)
        self.conversation.messages.append(reply)
        self.recorder.message_added(self.conversation, reply)
        try:
            # aclosing: when the consumer stops, the provider's stream (and its
            # HTTP connection) is closed now, not whenever it is collected.
            async with aclosing(self._attempts(reply)) as attempts:
                async for event in attempts:
                    yield event
        except BaseException as error:
            # CancelledError (the UI's Escape) and GeneratorExit (the consumer
            # stopped iterating) keep the partial reply; anything else fails it.
            stopped = isinstance(error, asyncio.CancelledError | GeneratorExit)
            self._settle(user, reply, stopped_by_user=stopped)
            if (
                isinstance(error, ProviderError)
                and not isinstance(error, StreamIncomplete)
                and reply.content
            ):
                raise StreamIncomplete(f"The reply was cut off: {error}") from error
            raise

    async def retry(self) -> AsyncGenerator[StreamEvent, None]:
        """Resend the last failed message, dropping its failed attempt from the history."""
        failed = self.conversation.last_failed_user_message()
        if failed is None:
            raise KimituiError("There is no failed message to retry.")
        index = self.conversation.messages.index(failed)
        dropped = self.conversation.messages[index:]
        del self.conversation.messages[index:]
        for message in dropped:
            self.recorder.message_removed(self.conversation, message)
        async with aclosing(self.send(failed.content)) as events:
            async for event in events:
                yield event

    async def _attempts(self, reply: ChatMessage) -> AsyncGenerator[StreamEvent, None]:
        attempt = 0
        while True:
            try:
                events = self.provider.stream(
                    self.conversation.wire_messages(),
                    model=self.conversation.model,
                    temperature=self.conversation.temperature,
                    stream=self.stream,
                )
                buffer = _ReplyBuffer(reply)
                try:
                    async with aclosing(events):
                        async for event in events:
                            if isinstance(event, TextDelta):
                                buffer.add_text(event.text)
                            elif isinstance(event, ReasoningDelta):
                                buffer.add_reasoning(event.text)
                            elif isinstance(event, Finished):
                                buffer.sync()
                                reply.model = event.model
                                reply.state = MessageState.COMPLETE
                            if isinstance(event, TextDelta | ReasoningDelta | Finished):
                                self.recorder.message_changed(self.conversation, reply)
                            yield event
                finally:
                    # Whatever ends the stream, the message holds all text received.
                    buffer.sync()
                if reply.state is not MessageState.COMPLETE:
                    raise StreamIncomplete("The stream ended before the reply was finished.")
                return
            except ContextOverflow as error:
                if reply.content or reply.reasoning:
                    raise
                larger = LARGER_MODEL.get(self.conversation.model)
                if larger is None:
                    raise ContextOverflow(
                        f"The conversation is too long for {self.conversation.model}. "
                        "Start a new conversation (or switch to a larger model).",
                        limit=error.limit,
                        requested=error.requested,
                    ) from error
                old, self.conversation.model = self.conversation.model, larger
                reply.model = larger
                self.recorder.model_changed(self.conversation)
                yield ModelSwitched(old, larger, f"Too long for {old}, switching to {larger}.")
            except ModelNotFound as error:
                raise await self._with_available_models(error) from error
            except (RateLimited, Overloaded, ServerError, Unreachable) as error:
                attempt += 1
                if (
                    reply.content
                    or reply.reasoning
                    or not error.retryable
                    or attempt > self.retry_policy.max_attempts
                ):
                    raise
                delay = self._delay_for(error, attempt)
                yield Retrying(_retry_reason(error), delay, attempt, self.retry_policy.max_attempts)
                await self._sleep(delay)

    async def _with_available_models(self, error: ModelNotFound) -> ModelNotFound:
        """The same error, naming the models the server does offer (best effort)."""
        try:
            models = await self.provider.list_models()
        except ProviderError:
            return error
        available = tuple(sorted(model.id for model in models))
        if not available:
            return error
        return ModelNotFound(
            f"{error} Available models: {', '.join(available)}.",
            model=error.model,
            available=available,
            request_id=error.request_id,
        )

    def _delay_for(self, error: ProviderError, attempt: int) -> float:
        if isinstance(error, RateLimited) and error.retry_after is not None:
            # Moonshot names the wait in the message; add a little so the
            # retry lands after the window, not on its edge.
            return error.retry_after + 0.5
        return self.retry_policy.backoff(attempt)

    def _settle(self, user: ChatMessage, reply: ChatMessage, *, stopped_by_user: bool) -> None:
        """Record how an unfinished exchange ended."""
        if reply.content:
            reply.state = MessageState.INTERRUPTED if stopped_by_user else MessageState.INCOMPLETE
            self.recorder.message_changed(self.conversation, reply)
            if reply.state is MessageState.INCOMPLETE:
                user.state = MessageState.FAILED
                self.recorder.message_changed(self.conversation, user)
        else:
            # Nothing arrived: there is no reply to keep, and the user message
            # stays visible and retryable but is not resent.
            reply.state = MessageState.FAILED
            self.conversation.messages.remove(reply)
            self.recorder.message_removed(self.conversation, reply)
            user.state = MessageState.FAILED
            self.recorder.message_changed(self.conversation, user)


class _ReplyBuffer:
    """Collects a streaming reply's text without quadratic copying.

    ``message.content += delta`` copies the whole reply on every delta; here
    deltas are kept as parts and copied into the message at most every
    ``SYNC_INTERVAL`` seconds (for the recorder, which saves about once a
    second) and whenever the stream ends.
    """

    SYNC_INTERVAL = 0.2

    def __init__(self, message: ChatMessage) -> None:
        self.message = message
        self.text: list[str] = [message.content]
        self.reasoning: list[str] = [message.reasoning]
        self.synced_at = time.monotonic()

    def add_text(self, text: str) -> None:
        self.text.append(text)
        self._maybe_sync()

    def add_reasoning(self, text: str) -> None:
        self.reasoning.append(text)
        self._maybe_sync()

    def _maybe_sync(self) -> None:
        if time.monotonic() - self.synced_at >= self.SYNC_INTERVAL:
            self.sync()

    def sync(self) -> None:
        self.message.content = "".join(self.text)
        self.message.reasoning = "".join(self.reasoning)
        self.text = [self.message.content]
        self.reasoning = [self.message.reasoning]
        self.synced_at = time.monotonic()


def _retry_reason(error: ProviderError) -> str:
    if isinstance(error, RateLimited):
        return "Rate limited"
    if isinstance(error, Overloaded):
        return "Kimi is overloaded"
    if isinstance(error, Unreachable):
        return "Cannot reach the server"
    return "The server failed"
