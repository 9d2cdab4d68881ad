"""The chat screen: status bar, transcript and prompt, and the one reply worker.

A submitted message becomes ``ChatSession.send`` in an exclusive worker that
renders the events as they arrive. Escape cancels the worker (the session
keeps the partial reply, marked interrupted), ctrl+r resends a failed
message, and ctrl+n or a persona command starts a fresh conversation. The
provider is built only when the first message is sent, so nothing touches the
network, or imports the SDK, before the first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.chat.events import (
    Finished,
    ModelSwitched,
    ReasoningDelta,
    Retrying,
    StreamEvent,
    TextDelta,
    Usage,
)
from kimitui.chat.session import ChatSession
from kimitui.config import Settings
from kimitui.errors import KimituiError, redact
from kimitui.personas import Persona
from kimitui.providers.base import ChatProvider
from kimitui.ui.widgets.message import AssistantMessage
from kimitui.ui.widgets.prompt import PromptInput
from kimitui.ui.widgets.retry_countdown import RetryCountdown
from kimitui.ui.widgets.status_bar import StatusBar
from kimitui.ui.widgets.transcript import Transcript

PLACEHOLDER = "Message Kimi · Enter to send · ctrl+j for a new line"


class ChatScreen(Screen[None]):
    """One conversation with one persona; owns the worker that streams replies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_reply", "Stop", id="chat.cancel"),
        Binding("ctrl+r", "retry", "Retry", id="chat.retry"),
        Binding("ctrl+n", "new_conversation", "New chat", id="chat.new"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Stop the reply being streamed; its text so far is kept. |
    | ctrl+r | Send the last failed message again. |
    | ctrl+n | Start a new conversation with the same persona. |
    """

    transcript = getters.query_one(Transcript)
    prompt = getters.query_one(PromptInput)
    status_bar = getters.query_one(StatusBar)

    streaming: var[bool] = var(False)
    """True while a reply worker runs."""

    def __init__(
        self,
        settings: Settings,
        provider: Callable[[], ChatProvider],
        *,
        notice: str | None = None,
    ) -> None:
        """Create the screen; nothing is sent until the user submits a message.

        Args:
            settings: the resolved settings (persona, model, personas, stream).
            provider: returns the chat provider, building it on first use.
            notice: a line to show at the top of the transcript (e.g. where a key was saved).
        """
        super().__init__()
        self._settings = settings
        self._provider = provider
        self._notice = notice
        self._persona = settings.active_persona()
        self._conversation = self._new_conversation(self._persona)
        self._session: ChatSession | None = None
        self._countdown: RetryCountdown | None = None

    @property
    def settings(self) -> Settings:
        """The settings the screen was built with."""
        return self._settings

    @property
    def conversation(self) -> Conversation:
        """The conversation shown."""
        return self._conversation

    @property
    def persona(self) -> Persona:
        """The active persona."""
        return self._persona

    def compose(self) -> ComposeResult:
        """Status bar, transcript, prompt, footer."""
        yield StatusBar()
        yield Transcript()
        yield PromptInput(id="prompt-input", placeholder=PLACEHOLDER)
        yield Footer()

    async def on_mount(self) -> None:
        """Show the persona, its greeting and any start-up notice; focus the prompt."""
        self._show_conversation()
        if self._notice:
            await self.transcript.add_notice(self._notice)
        await self._greet()
        self.prompt.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer Stop only while streaming, and Retry only after a failure."""
        if action == "cancel_reply":
            return self.streaming
        if action == "retry":
            return not self.streaming and self._conversation.last_failed_user_message() is not None
        return True

    def watch_streaming(self) -> None:
        """The footer's Stop and Retry depend on it."""
        self.refresh_bindings()

    @on(PromptInput.Submitted)
    def send_prompt(self, event: PromptInput.Submitted) -> None:
        """Send the input's text, unless it is blank or a reply is still streaming."""
        text = event.text.strip()
        if not text:
            return
        if self.streaming:
            self.notify(
                "Kimi is still replying. Press Esc to stop it first.",
                severity="warning",
                markup=False,
            )
            return
        self.prompt.clear()
        self._start_reply(text, retry=False)

    def action_cancel_reply(self) -> None:
        """Stop the reply being streamed."""
        self.workers.cancel_group(self, "reply")

    def action_retry(self) -> None:
        """Send the last failed message again."""
        failed = self._conversation.last_failed_user_message()
        if failed is None or self.streaming:
            return
        if self.prompt.text.strip() == failed.content.strip():
            # It was put back in the input when it failed; don't leave a duplicate.
            self.prompt.clear()
        self._start_reply(failed.content, retry=True)

    async def action_new_conversation(self) -> None:
        """Start over with the same persona."""
        await self.start_conversation(self._persona)

    async def start_conversation(self, persona: Persona, *, notice: str | None = None) -> None:
        """Drop the current conversation and start a fresh one with ``persona``.

        Args:
            persona: the persona (system prompt, model, temperature) to use.
            notice: a line to show first, such as which persona is now active.
        """
        self.workers.cancel_group(self, "reply")
        self._persona = persona
        # Swapped before any await: a cancelled worker still finishing sees
        # that its conversation is gone and leaves the new transcript alone.
        self._conversation = self._new_conversation(persona)
        self._session = None
        self._countdown = None
        self.streaming = False
        self.refresh_bindings()
        self.status_bar.reset_usage()
        self._show_conversation()
        await self.transcript.clear()
        if notice:
            await self.transcript.add_notice(notice)
        await self._greet()
        self.prompt.focus()

    def _new_conversation(self, persona: Persona) -> Conversation:
        return Conversation(
            system_prompt=persona.system,
            model=self._settings.model_for(persona),
            persona=persona.name,
            temperature=self._settings.temperature_for(persona),
        )

    def _show_conversation(self) -> None:
        self.status_bar.persona = self._persona.name
        self.status_bar.model = self._conversation.model
        self.status_bar.state = "ready"

    async def _greet(self) -> None:
        if self._persona.greeting:
            await self.transcript.add_greeting(self._persona.greeting)

    def _session_for_send(self) -> ChatSession:
        if self._session is None:
            self._session = ChatSession(
                self._conversation, self._provider(), stream=self._settings.stream
            )
        return self._session

    def _start_reply(self, text: str, *, retry: bool) -> None:
        self.streaming = True
        self.status_bar.state = "waiting"
        self._stream_reply(text, retry=retry)

    @work(exclusive=True, group="reply", exit_on_error=False, description="Stream a reply")
    async def _stream_reply(self, text: str, *, retry: bool) -> None:
        """Send ``text`` (or resend the failed message) and render the reply as it streams."""
        conversation = self._conversation
        await self.transcript.add_user(text)
        view = await self.transcript.start_reply()
        outcome = MessageState.INCOMPLETE
        failure: str | None = None
        try:
            session = self._session_for_send()
            events = session.retry() if retry else session.send(text)
            try:
                async for event in events:
                    await self._show_event(view, event)
            finally:
                # If we were cancelled between two events, closing the generator
                # tells the session now (not at garbage collection) that the
                # reply was stopped, so it is kept as interrupted.
                if isinstance(events, AsyncGenerator):
                    await events.aclose()
            outcome = MessageState.COMPLETE
        except asyncio.CancelledError:
            outcome = MessageState.INTERRUPTED
            raise
        except KimituiError as error:
            failure = str(error)
        except Exception as error:
            # A bug or an unmapped library error: say so and keep the app running.
            failure = redact(f"Unexpected error ({type(error).__name__}): {error}")
        finally:
            await self._settle(conversation, view, text, outcome, failure)

    async def _show_event(self, view: AssistantMessage, event: StreamEvent) -> None:
        if not isinstance(event, Retrying):
            await self._clear_countdown()
        if isinstance(event, TextDelta):
            self.status_bar.state = "streaming"
            await view.write(event.text)
        elif isinstance(event, ReasoningDelta):
            self.status_bar.state = "thinking"
            await view.write_reasoning(event.text)
        elif isinstance(event, Usage):
            self.status_bar.record_usage(event)
        elif isinstance(event, Finished):
            self.status_bar.answered_by = event.model
            if event.finish_reason == "length":
                await self.transcript.add_notice(
                    "The reply reached the length limit and was cut short.", kind="warning"
                )
        elif isinstance(event, Retrying):
            await self._clear_countdown()
            self.status_bar.state = "retrying"
            self._countdown = RetryCountdown(
                event.reason, event.delay, event.attempt, event.max_attempts
            )
            await self.transcript.add(self._countdown, before=view)
        elif isinstance(event, ModelSwitched):
            self.status_bar.model = event.new
            await self.transcript.add_notice(event.reason, kind="warning", before=view)

    async def _clear_countdown(self) -> None:
        if self._countdown is not None:
            countdown, self._countdown = self._countdown, None
            await countdown.remove()

    async def _settle(
        self,
        conversation: Conversation,
        view: AssistantMessage,
        text: str,
        outcome: MessageState,
        failure: str | None,
    ) -> None:
        """Show how the reply ended, and get the prompt ready for the next message."""
        if conversation is not self._conversation or not self.is_attached:
            # The conversation was replaced (or the app is closing): only stop streaming.
            await view.abandon()
            return
        await self._clear_countdown()
        if view.text or (view.thinking is not None and view.thinking.text):
            await view.finish(outcome)
        else:
            await view.abandon()
            await view.remove()
        stopped_early = outcome is MessageState.INTERRUPTED and not view.text
        if failure is not None:
            await self.transcript.add_notice(failure, kind="error")
        elif stopped_early:
            await self.transcript.add_notice("Stopped before Kimi replied.", kind="warning")
        if failure is not None or stopped_early:
            self.prompt.restore(text)
        self.status_bar.state = {
            MessageState.COMPLETE: "ready",
            MessageState.INTERRUPTED: "stopped",
        }.get(outcome, "failed")
        self.streaming = False
        self.prompt.focus()
