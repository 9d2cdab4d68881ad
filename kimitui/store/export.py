"""Export conversations as Markdown or JSON, and import the JSON back.

Markdown is for reading and sharing: a small front-matter (title, persona,
model, dates) then one section per message. JSON is for keeping: it holds
everything a conversation is (system prompt, temperature, each message's
role, text, reasoning, state, model and time) so importing it recreates the
conversation exactly; exporting the import gives the same JSON again. Both
work on a ``Conversation`` in memory, so an unsaved (incognito) one can be
exported too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState, utc_now
from kimitui.store.conversations import ConversationStore
from kimitui.store.database import StoreError
from kimitui.store.records import ConversationSummary, display_title, iso

FORMAT_NAME = "kimitui-conversation"
FORMAT_VERSION = 1
Format = Literal["md", "json"]

_STATE_NOTES = {
    MessageState.INTERRUPTED: "stopped by you",
    MessageState.INCOMPLETE: "cut off",
    MessageState.FAILED: "not sent",
    MessageState.STREAMING: "cut off",
}


@dataclass(frozen=True, slots=True)
class ConversationFile:
    """A conversation read from an export, with what the store keeps beside it."""

    conversation: Conversation
    title: str | None
    """The user's title, or ``None`` for the default (first user line)."""
    created_at: datetime
    updated_at: datetime


def describe_conversation(
    conversation: Conversation, summary: ConversationSummary | None = None
) -> ConversationFile:
    """Pair a conversation with its title and dates (from ``summary`` or its messages)."""
    if summary is not None:
        title = summary.title if summary.custom_title else None
        return ConversationFile(conversation, title, summary.created_at, summary.updated_at)
    times = [message.created_at for message in conversation.messages] or [utc_now()]
    return ConversationFile(conversation, None, min(times), max(times))


def to_markdown(conversation: Conversation, summary: ConversationSummary | None = None) -> str:
    """The conversation as Markdown with a YAML front-matter."""
    described = describe_conversation(conversation, summary)
    first_user = next((m.content for m in conversation.messages if m.role == "user"), None)
    title = described.title or display_title(None, first_user)
    # JSON strings are valid YAML scalars, so any title or name is safe here.
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f"persona: {json.dumps(conversation.persona, ensure_ascii=False)}",
        f"model: {json.dumps(conversation.model, ensure_ascii=False)}",
        f"created: {iso(described.created_at)}",
        f"updated: {iso(described.updated_at)}",
        "---",
        "",
        f"# {title}",
    ]
    for message in conversation.messages:
        heading = "You" if message.role == "user" else "Kimi"
        note = _STATE_NOTES.get(message.state)
        lines += ["", f"## {heading}" + (f" ({note})" if note else ""), ""]
        if message.reasoning:
            lines += ["<details><summary>Reasoning</summary>", "", message.reasoning, ""]
            lines += ["</details>", ""]
        lines.append(message.content)
    return "\n".join(lines) + "\n"


def to_json(conversation: Conversation, summary: ConversationSummary | None = None) -> str:
    """The conversation as JSON that ``from_json`` turns back into the same conversation."""
    described = describe_conversation(conversation, summary)
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "id": conversation.id,
        "title": described.title,
        "persona": conversation.persona,
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "temperature": conversation.temperature,
        "created_at": iso(described.created_at),
        "updated_at": iso(described.updated_at),
        "messages": [
            {
                "role": message.role,
                "content": message.content,
                "reasoning": message.reasoning,
                "state": message.state.value,
                "model": message.model,
                "created_at": iso(message.created_at),
            }
            for message in conversation.messages
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def from_json(text: str) -> ConversationFile:
    """Read a conversation written by ``to_json``.

    Raises:
        StoreError: the text is not a kimitui conversation export.
    """
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise ValueError("it is not a kimitui conversation export")
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"format version {document.get('version')!r} is not supported")
        messages = [_message(item) for item in _field(document, "messages", list)]
        conversation = Conversation(
            system_prompt=_field(document, "system_prompt", str),
            model=_field(document, "model", str),
            persona=_field(document, "persona", str),
            temperature=_optional(document, "temperature", float),
            messages=messages,
            id=_optional(document, "id", str),
        )
        return ConversationFile(
            conversation,
            _optional(document, "title", str),
            _time(_field(document, "created_at", str)),
            _time(_field(document, "updated_at", str)),
        )
    except (ValueError, TypeError) as error:
        raise StoreError(f"Cannot import this file: {error}.") from error


def export_conversation(store: ConversationStore, conversation_id: str, fmt: Format) -> str:
    """A saved conversation as Markdown (``md``) or JSON (``json``)."""
    summary = store.summary(conversation_id)
    conversation = store.load(summary.id)
    return to_markdown(conversation, summary) if fmt == "md" else to_json(conversation, summary)


def import_conversation(store: ConversationStore, text: str) -> str:
    """Add the conversation in a JSON export to the store; returns its id."""
    loaded = from_json(text)
    return store.insert_conversation(
        loaded.conversation,
        title=loaded.title,
        created_at=loaded.created_at,
        updated_at=loaded.updated_at,
    )


def _message(item: Any) -> ChatMessage:
    if not isinstance(item, dict):
        raise ValueError("a message is not an object")
    role = _field(item, "role", str)
    if role not in ("user", "assistant", "system"):
        raise ValueError(f"unknown role {role!r}")
    return ChatMessage(
        role,
        _field(item, "content", str),
        MessageState(_field(item, "state", str)),
        _field(item, "reasoning", str),
        _optional(item, "model", str),
        created_at=_time(_field(item, "created_at", str)),
    )


def _field(document: dict[str, Any], key: str, kind: type[Any]) -> Any:
    if key not in document:
        raise ValueError(f"the field {key!r} is missing")
    value = document[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind):
        raise TypeError(f"{key} must be a {kind.__name__}")
    return value


def _optional(document: dict[str, Any], key: str, kind: type[Any]) -> Any:
    return None if document.get(key) is None else _field(document, key, kind)


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone")
    return moment
