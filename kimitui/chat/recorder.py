"""The hook through which a chat session reports changes to a conversation.

``ChatSession`` calls a ``ConversationRecorder`` as messages are added, grow,
settle or disappear, so something else (the SQLite store in ``kimitui.store``)
can keep a durable copy. The Protocol is pure: the chat core never learns how
or whether anything is saved, and it stays free of ``sqlite3``.
"""

from __future__ import annotations

from typing import Protocol

from kimitui.chat.conversation import ChatMessage, Conversation


class ConversationRecorder(Protocol):
    """Receives every change the session makes to its conversation.

    Implementations must not raise: a failure to save must never cost the
    user the reply they are reading. They report it some other way.
    """

    def message_added(self, conversation: Conversation, message: ChatMessage) -> None:
        """``message`` was appended (the user's before its request is sent)."""
        ...

    def message_changed(self, conversation: Conversation, message: ChatMessage) -> None:
        """``message`` grew (called once per streamed delta) or changed state."""
        ...

    def message_removed(self, conversation: Conversation, message: ChatMessage) -> None:
        """``message`` left the conversation (an empty failed reply, a retried attempt)."""
        ...

    def model_changed(self, conversation: Conversation) -> None:
        """The conversation moved to another model."""
        ...


class NullRecorder:
    """Records nothing: the default, and what incognito conversations use."""

    def message_added(self, conversation: Conversation, message: ChatMessage) -> None:
        """Ignore the new message."""

    def message_changed(self, conversation: Conversation, message: ChatMessage) -> None:
        """Ignore the change."""

    def message_removed(self, conversation: Conversation, message: ChatMessage) -> None:
        """Ignore the removal."""

    def model_changed(self, conversation: Conversation) -> None:
        """Ignore the model change."""
