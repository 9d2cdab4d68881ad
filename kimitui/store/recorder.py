"""StoreRecorder: autosave a chat session into the store, throttled while streaming.

The session reports every delta; writing each one would be hundreds of
transactions a second. The recorder writes a new message at once, a state
change at once, and a growing reply at most once per ``interval``. When it
holds back a change it schedules a flush on the running event loop, so a reply
that stalls is still saved within ``interval``: killing the process loses at
most the last second of text. A failed write never reaches the session: saving
stops, ``on_error`` is told once, and the conversation carries on in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.errors import KimituiError

if TYPE_CHECKING:
    from kimitui.store.conversations import ConversationStore


class StoreRecorder:
    """A ``ConversationRecorder`` that saves into a ``ConversationStore``."""

    def __init__(
        self,
        store: ConversationStore,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.interval = interval
        self._clock = clock
        self.on_error: Callable[[str], None] | None = None
        """Called once, with a sentence for the user, when saving stops."""
        self.error: str | None = None
        """Why saving stopped, or ``None`` while it works."""
        self._written_at: dict[str, float] = {}
        self._written_state: dict[str, MessageState] = {}
        self._pending: dict[str, tuple[Conversation, ChatMessage]] = {}
        self._timer: asyncio.TimerHandle | None = None

    def message_added(self, conversation: Conversation, message: ChatMessage) -> None:
        """Write the new message now (the user's, before its request is sent)."""
        self._write(conversation, message)

    def message_changed(self, conversation: Conversation, message: ChatMessage) -> None:
        """Write at once on a state change, else at most once per ``interval``."""
        if self.error is not None:
            return
        written = self._written_at.get(message.id)
        state_changed = self._written_state.get(message.id) is not message.state
        if state_changed or written is None or self._clock() - written >= self.interval:
            self._write(conversation, message)
            return
        self._pending[message.id] = (conversation, message)
        self._schedule_flush(written + self.interval - self._clock())

    def message_removed(self, conversation: Conversation, message: ChatMessage) -> None:
        """Delete the stored copy (an empty failed reply, a retried attempt)."""
        self._pending.pop(message.id, None)
        self._written_at.pop(message.id, None)
        self._written_state.pop(message.id, None)
        if self.error is None:
            self._guard(lambda: self._store.delete_message(conversation, message))

    def model_changed(self, conversation: Conversation) -> None:
        """Save the conversation's new model."""
        if self.error is None and conversation.id is not None:
            self._guard(lambda: self._store.save_conversation(conversation))

    def flush(self) -> None:
        """Write every held-back change now (also called by the scheduled timer)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, {}
        for conversation, message in pending.values():
            self._write(conversation, message)

    def _write(self, conversation: Conversation, message: ChatMessage) -> None:
        if self.error is not None:
            return
        self._pending.pop(message.id, None)
        if self._guard(lambda: self._store.save_message(conversation, message)):
            self._written_at[message.id] = self._clock()
            self._written_state[message.id] = message.state

    def _schedule_flush(self, delay: float) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # Driven synchronously (tests, scripts): the next change or
            # ``flush()`` writes what is held.
            return
        self._timer = loop.call_later(max(0.0, delay), self.flush)

    def _guard(self, write: Callable[[], None]) -> bool:
        try:
            write()
        except KimituiError as error:
            self._stop(f"Saving stopped: {error} This conversation continues in memory only.")
            return False
        return True

    def _stop(self, message: str) -> None:
        self.error = message
        self._pending.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.on_error is not None:
            self.on_error(message)
