"""The chat screen: status bar, transcript and prompt, and the one reply worker.

A submitted message becomes ``ChatSession.send`` in an exclusive worker that
renders the events as they arrive. Escape cancels the worker (the session
keeps the partial reply, marked interrupted), ctrl+r resends a failed
message, ctrl+n or a persona command starts a fresh conversation, and ctrl+o
opens the history, from which a saved conversation is shown and continued.
With a store, every session saves through the store's recorder. The screen
asks the app for the provider only when it sends, and nothing touches the
network before the first frame. The history, import and model screens (and
the export code) are imported when first used, not with the chat, and the
chat session and reply code when the first reply starts (the app's warm-up
usually has them loaded by then): none of them is on the first frame, and
importing is most of the start-up time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.config import Settings
from kimitui.errors import KimituiError, ModelNotFound, redact
from kimitui.personas import Persona
from kimitui.store import ConversationStore, StoreError
from kimitui.ui.heap import collection_held_until_drawn
from kimitui.ui.saved import last_reply_model, new_conversation, persona_for, show_saved
from kimitui.ui.widgets.key_bar import KeyBar
from kimitui.ui.widgets.prompt import PromptInput
from kimitui.ui.widgets.status_bar import StatusBar
from kimitui.ui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from kimitui.chat.session import ChatSession
    from kimitui.providers.base import ChatProvider
    from kimitui.store.export import Format
    from kimitui.ui.reply_events import ReplyEvents
    from kimitui.ui.screens.history import HistoryScreen

PLACEHOLDER = "Message Kimi · Enter to send · ctrl+j for a new line"


class ChatScreen(Screen[None]):
    """One conversation with one persona; owns the worker that streams replies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_reply", "Stop", id="chat.cancel"),
        Binding("ctrl+r", "retry", "Retry", id="chat.retry"),
        Binding("ctrl+n", "new_conversation", "New chat", id="chat.new"),
        Binding("ctrl+o", "history", "History", id="chat.history"),
        # Priority: the focused prompt would move its cursor by a page instead.
        Binding(
            "pageup",
            "scroll_transcript('up')",
            "Scroll",
            key_display="pgup/pgdn",
            priority=True,
            id="chat.page_up",
        ),
        Binding(
            "pagedown",
            "scroll_transcript('down')",
            "Scroll down",
            show=False,
            priority=True,
            id="chat.page_down",
        ),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Stop the reply being streamed; its text so far is kept. |
    | ctrl+r | Send the last failed message again. |
    | ctrl+n | Start a new conversation with the same persona. |
    | ctrl+o | Open the history of saved conversations. |
    | pageup, pagedown | Scroll the conversation a page, wherever the focus is. |
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
        store: ConversationStore | None = None,
        conversation: Conversation | None = None,
        pick: bool = False,
    ) -> None:
        """Create the screen; nothing is sent until the user submits a message.

        Args:
            settings: the resolved settings (persona, model, personas, stream).
            provider: returns the chat provider, building it on first use.
            notice: a line to show at the top of the transcript (e.g. where a key was saved).
            store: where conversations are saved; ``None`` saves nothing.
            conversation: a saved conversation to show and continue, instead of a new one.
            pick: open the history as soon as the screen is shown.
        """
        super().__init__()
        self._settings = settings
        self._provider = provider
        self._notice = notice
        self._store = store
        self._pick = pick
        if conversation is None:
            self._persona = settings.active_persona()
            self._conversation = new_conversation(settings, self._persona)
        else:
            self._persona = persona_for(settings, conversation)
            self._conversation = conversation
        self._session: ChatSession | None = None

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
        """Status bar, transcript, prompt, key bar."""
        yield StatusBar()
        yield Transcript()
        yield PromptInput(id="prompt-input", placeholder=PLACEHOLDER)
        yield KeyBar()

    async def on_mount(self) -> None:
        """Show the conversation (or the persona's greeting); open the history if asked."""
        # Typing goes to the prompt from the first frame on, not only once a
        # saved conversation has been shown (and not only once ``focus()``'s
        # callback has run: keys may already be queued behind it).
        self.set_focus(self.prompt, scroll_visible=False)
        await self._present(self._notice)
        if self._pick:
            self.action_history()

    def on_key(self, event: events.Key) -> None:
        """Typing goes into the prompt wherever the focus is on this screen.

        After a click in the transcript (to select text, say) or a Tab to it
        (to scroll by keys), the next message is still typed where it is
        sent from. Keys bound to something in the focus chain (a thinking
        title's space, say) keep their meaning.
        """
        if (
            event.is_printable
            and event.character is not None
            and not self.prompt.has_focus
            and event.key not in self.active_bindings
        ):
            event.stop()
            event.prevent_default()
            self.set_focus(self.prompt, scroll_visible=False)
            self.prompt.insert(event.character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer Stop only while streaming, and Retry only after a failure."""
        if action == "cancel_reply":
            return self.streaming
        if action == "retry":
            return not self.streaming and self._conversation.last_failed_user_message() is not None
        return True

    def watch_streaming(self) -> None:
        """The key bar's Stop and Retry depend on it."""
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
        if self.prompt.value.strip() == failed.content.strip():
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
        await self.open_conversation(new_conversation(self._settings, persona), notice=notice)

    async def open_conversation(
        self, conversation: Conversation, *, notice: str | None = None
    ) -> None:
        """Show ``conversation`` (new or saved) in place of the current one, to continue it.

        Args:
            conversation: the conversation; its persona, model and system prompt are used.
            notice: a line to show first.
        """
        self.workers.cancel_group(self, "reply")
        self._persona = persona_for(self._settings, conversation)
        # Swapped before any await: a cancelled worker still finishing sees
        # that its conversation is gone and leaves the new transcript alone.
        self._conversation = conversation
        self._session = None
        self.streaming = False
        self.refresh_bindings()
        self.status_bar.reset_usage()
        await self.transcript.clear()
        await self._present(notice)

    async def _present(self, notice: str | None) -> None:
        """Fill the (empty) transcript: notice, then saved messages or the greeting."""
        conversation = self._conversation
        self.status_bar.persona = conversation.persona
        self.status_bar.model = conversation.model
        self.status_bar.answered_by = last_reply_model(conversation)
        self.status_bar.state = "ready"
        if notice:
            await self.transcript.add_notice(notice)
        if conversation.messages:
            await show_saved(self.transcript, conversation)
        elif self._persona.greeting:
            await self.transcript.add_greeting(self._persona.greeting)
        self.prompt.focus()

    def action_scroll_transcript(self, direction: str) -> None:
        """Scroll the conversation a page ``"up"`` or ``"down"``, as its own keys do."""
        if direction == "up":
            self.transcript.scroll_page_up()
        else:
            self.transcript.scroll_page_down()

    def action_history(self) -> None:
        """Open the history; the conversation chosen there replaces this one."""
        from kimitui.ui.screens.history import HistoryScreen

        history = HistoryScreen(self._store, current_id=self._conversation.id)
        self.app.push_screen(history, partial(self._history_closed, history))

    async def _history_closed(self, history: HistoryScreen, chosen: Conversation | None) -> None:
        current = self._conversation.id
        if chosen is not None and (current is None or chosen.id != current):
            await self.open_conversation(chosen)
        elif current is not None and current in history.deleted:
            await self.open_conversation(
                new_conversation(self._settings, self._persona),
                notice="The conversation that was open was deleted; this is a new one.",
            )

    def action_import(self) -> None:
        """Ask for a JSON export, import it into the history and open it."""
        from kimitui.ui.screens.import_file import ImportScreen

        self.app.push_screen(ImportScreen(), self._import_chosen)

    def _import_chosen(self, path: Path | None) -> None:
        if path is not None:
            self._import(path)

    @work(group="import", exit_on_error=False, description="Import a conversation")
    async def _import(self, path: Path) -> None:
        from kimitui.ui.exporting import import_file

        try:
            conversation = await asyncio.to_thread(import_file, path, self._store)
        except (OSError, UnicodeDecodeError, ValueError, StoreError) as error:
            self.notify(f"Could not import {path}: {error}", severity="error", markup=False)
            return
        where = "into the history" if self._store is not None else "(saving is off: in memory)"
        await self.open_conversation(conversation, notice=f"Imported {path} {where}.")

    def action_pick_model(self) -> None:
        """Choose another model for this conversation from the server's list."""
        from kimitui.ui.screens.model_picker import ModelPicker

        picker = ModelPicker(self._provider().list_models, self._conversation.model)
        self.app.push_screen(picker, self._model_chosen)

    def _model_chosen(self, model: str | None) -> None:
        if model is None or model == self._conversation.model:
            return
        self._conversation.model = model
        self.status_bar.model = model
        self.status_bar.answered_by = ""
        if self._store is not None and self._conversation.id is not None:
            self._store.recorder.model_changed(self._conversation)
        self.notify(f"Model: {model}", markup=False)

    @work(group="export", exit_on_error=False, description="Export the conversation")
    async def export_conversation(self, fmt: Format) -> None:
        """Write the conversation to a Markdown or JSON file in the current directory."""
        from kimitui.ui.exporting import export_to_file

        conversation = self._conversation
        if not conversation.messages:
            self.notify("Nothing to export yet.", severity="warning", markup=False)
            return
        try:
            path = await export_to_file(conversation, fmt, self._store)
        except OSError as error:
            self.notify(f"Could not write the export: {error}", severity="error", markup=False)
        else:
            self.notify(f"Exported to {path}", markup=False)

    def _session_for_send(self) -> ChatSession:
        if self._session is None:
            from kimitui.chat.session import ChatSession, RetryPolicy

            self._session = ChatSession(
                self._conversation,
                self._provider(),
                stream=self._settings.stream,
                retry_policy=RetryPolicy(max_attempts=self._settings.max_retries),
                recorder=self._store.recorder if self._store is not None else None,
            )
        return self._session

    def _start_reply(self, text: str, *, retry: bool) -> None:
        self.streaming = True
        self.status_bar.state = "waiting"
        self._stream_reply(text, retry=retry)

    @work(exclusive=True, group="reply", exit_on_error=False, description="Stream a reply")
    async def _stream_reply(self, text: str, *, retry: bool) -> None:
        """Send ``text`` (or resend the failed message) and render the reply as it streams."""
        from kimitui.ui.reply_events import ReplyEvents

        conversation = self._conversation
        await self.transcript.add_user(text)
        reply = ReplyEvents(await self.transcript.start_reply(), self.transcript, self.status_bar)
        outcome = MessageState.INCOMPLETE
        failure: str | None = None
        try:
            session = self._session_for_send()
            # aclosing: if we are cancelled between two events, the session
            # learns now (not at garbage collection) that the reply was
            # stopped, so it is kept as interrupted and the connection closed.
            async with aclosing(session.retry() if retry else session.send(text)) as events:
                async for event in events:
                    await reply.show(event)
            outcome = MessageState.COMPLETE
        except asyncio.CancelledError:
            outcome = MessageState.INTERRUPTED
            raise
        except ModelNotFound as error:
            failure = f"{error} Pick another with ctrl+p, then “Model: switch model”."
        except KimituiError as error:
            failure = str(error)
        except Exception as error:
            # A bug or an unmapped library error: say so and keep the app running.
            failure = redact(f"Unexpected error ({type(error).__name__}): {error}")
        finally:
            await self._settle(conversation, reply, text, outcome, failure)

    async def _settle(
        self,
        conversation: Conversation,
        reply: ReplyEvents,
        text: str,
        outcome: MessageState,
        failure: str | None,
    ) -> None:
        """Show how the reply ended, and get the prompt ready for the next message."""
        if conversation is not self._conversation or not self.is_attached:
            # The conversation was replaced (or the app is closing): only stop streaming.
            await reply.view.abandon()
            return
        # No collection until the final form is on screen.
        with collection_held_until_drawn(self.app):
            restored = await reply.settle(outcome, failure)
            if restored:
                self.prompt.restore(text)
            self.streaming = False
            # Ready for the next message; but focus moved elsewhere while the
            # reply streamed (to scroll the transcript by keys, say) stays
            # there: typing goes to the prompt anyway (``on_key``).
            if restored or self.focused is None:
                self.prompt.focus()
