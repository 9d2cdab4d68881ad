"""Rows of the conversation database to and from the chat core's objects.

Titles, timestamps, states and the repair of replies a crash left streaming
live here, so the store's queries and the exporters agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kimitui.chat.conversation import ChatMessage, MessageState

TITLE_LENGTH = 60
UNTITLED = "Untitled"


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the history list.

    Attributes:
        title: the user's title, or the first line of the first user message.
        custom_title: whether ``title`` was set by the user (rename).
    """

    id: str
    title: str
    custom_title: bool
    persona: str
    model: str
    created_at: datetime
    updated_at: datetime
    message_count: int


SUMMARY_SELECT = """
    SELECT c.id, c.title, c.persona, c.model, c.created_at, c.updated_at,
        (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id),
        (SELECT m.content FROM messages m WHERE m.conversation_id = c.id AND m.role = 'user'
            ORDER BY m.seq LIMIT 1)
    FROM conversations c
"""


def summary_from_row(
    row: tuple[str, str | None, str, str, str, str, int, str | None],
) -> ConversationSummary:
    """A ``SUMMARY_SELECT`` row as a ``ConversationSummary``."""
    conversation_id, title, persona, model, created, updated, count, first_user = row
    return ConversationSummary(
        id=conversation_id,
        title=display_title(title, first_user),
        custom_title=title is not None,
        persona=persona,
        model=model,
        created_at=parse_time(created),
        updated_at=parse_time(updated),
        message_count=count,
    )


def display_title(title: str | None, first_user: str | None) -> str:
    """The user's title, else the first non-blank line of the first user message."""
    if title:
        return title
    for line in (first_user or "").splitlines():
        if line.strip():
            line = " ".join(line.split())
            return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"
    return UNTITLED


def settle_crashed(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Settle replies a crash left streaming, as the session settles a broken stream.

    One with text becomes incomplete, an empty one is dropped, and the user
    message it answered becomes failed (shown, retryable, not resent). The
    file is not rewritten: another process may still be streaming into it.
    """
    kept: list[ChatMessage] = []
    for message in messages:
        if message.state is MessageState.STREAMING:
            # Only the message it directly answered failed; an orphan left by
            # a retry follows a reply, not a user message.
            if kept and kept[-1].role == "user":
                kept[-1].state = MessageState.FAILED
            if not message.content:
                continue
            message.state = MessageState.INCOMPLETE
        kept.append(message)
    return kept


def state_from(value: str) -> MessageState:
    """The stored state string as a ``MessageState``."""
    try:
        return MessageState(value)
    except ValueError:
        # A state written by a newer kimitui: show the text, never resend it.
        return MessageState.INCOMPLETE


def iso(moment: datetime) -> str:
    """How times are stored: ISO 8601 with microseconds, so text order is time order."""
    return moment.isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """A stored time back as an aware ``datetime``."""
    return datetime.fromisoformat(text)
