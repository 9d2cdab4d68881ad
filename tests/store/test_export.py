"""Markdown and JSON export, and import of the JSON back into the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.store import ConversationStore, StoreError
from kimitui.store.export import (
    export_conversation,
    from_json,
    import_conversation,
    to_json,
    to_markdown,
)
from tests.store.helpers import shape


def rich_conversation() -> Conversation:
    """Every feature an export must carry: states, reasoning, models, odd text."""
    at = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    return Conversation(
        system_prompt="You are Kimi.",
        model="kimi-k2-thinking",
        persona="sarcastic",
        temperature=0.7,
        messages=[
            ChatMessage("user", "Explain `a --- b`\n\n---\ntitle: x", created_at=at),
            ChatMessage(
                "assistant",
                "It is **markdown**. 中文 [bold]x[/]",
                reasoning="Think first.",
                model="kimi-k2-thinking",
                created_at=at.replace(second=9),
            ),
            ChatMessage(
                "user", "and then?", MessageState.COMPLETE, created_at=at.replace(minute=7)
            ),
            ChatMessage("assistant", "Part", MessageState.INTERRUPTED, model="kimi-k2-thinking"),
            ChatMessage("user", "again", MessageState.FAILED),
            ChatMessage("assistant", "cut", MessageState.INCOMPLETE, model=None),
        ],
    )


def save(store: ConversationStore, chat: Conversation) -> str:
    for message in chat.messages:
        store.save_message(chat, message)
    assert chat.id is not None
    return chat.id


def test_json_export_then_import_is_identical(store: ConversationStore, tmp_path: Path) -> None:
    original = rich_conversation()
    conversation_id = save(store, original)
    store.rename(conversation_id, "Markdown: a primer")
    exported = export_conversation(store, conversation_id, "json")

    elsewhere = ConversationStore.open(tmp_path / "other.db")
    try:
        imported_id = import_conversation(elsewhere, exported)
        assert imported_id == conversation_id  # the id is free there, so it is kept
        assert export_conversation(elsewhere, imported_id, "json") == exported
        loaded = elsewhere.load(imported_id)
        assert loaded == original
        assert [m.created_at for m in loaded.messages] == [m.created_at for m in original.messages]
        assert elsewhere.summary(imported_id) == store.summary(conversation_id)
    finally:
        elsewhere.close()


def test_importing_into_the_same_store_makes_a_copy(store: ConversationStore) -> None:
    conversation_id = save(store, rich_conversation())
    exported = export_conversation(store, conversation_id, "json")
    copy_id = import_conversation(store, exported)
    assert copy_id != conversation_id
    assert shape(store.load(copy_id)) == shape(store.load(conversation_id))
    assert len(store.list_conversations()) == 2
    document = json.loads(export_conversation(store, copy_id, "json"))
    assert {**document, "id": conversation_id} == json.loads(exported)


def test_markdown_has_front_matter_and_one_section_per_message(store: ConversationStore) -> None:
    conversation_id = save(store, rich_conversation())
    markdown = export_conversation(store, conversation_id, "md")
    summary = store.summary(conversation_id)
    head, body = markdown.split("\n---\n", 1)
    assert head.splitlines() == [
        "---",
        'title: "Explain `a --- b`"',
        'persona: "sarcastic"',
        'model: "kimi-k2-thinking"',
        f"created: {summary.created_at.isoformat(timespec='microseconds')}",
        f"updated: {summary.updated_at.isoformat(timespec='microseconds')}",
    ]
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings == [
        "## You",
        "## Kimi",
        "## You",
        "## Kimi (stopped by you)",
        "## You (not sent)",
        "## Kimi (cut off)",
    ]
    assert "<details><summary>Reasoning</summary>\n\nThink first.\n\n</details>" in body
    assert "It is **markdown**. 中文 [bold]x[/]" in body


def test_an_unsaved_conversation_exports_too() -> None:
    chat = rich_conversation()
    document = json.loads(to_json(chat))
    assert document["id"] is None and document["title"] is None
    assert document["created_at"] == "2025-03-04T05:06:07.891011+00:00"
    assert to_markdown(chat).startswith('---\ntitle: "Explain `a --- b`"\n')
    assert from_json(to_json(chat)).conversation == chat


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "Expecting value"),
        ('{"format": "other"}', "not a kimitui conversation export"),
        ('{"format": "kimitui-conversation", "version": 99}', "version 99"),
        ('{"format": "kimitui-conversation", "version": 1}', "'messages' is missing"),
    ],
)
def test_importing_something_else_is_refused_with_a_reason(
    store: ConversationStore, text: str, reason: str
) -> None:
    with pytest.raises(StoreError, match="Cannot import this file") as raised:
        import_conversation(store, text)
    assert reason in str(raised.value)
    assert store.list_conversations() == []


def test_a_bad_message_state_is_refused(store: ConversationStore) -> None:
    document = json.loads(to_json(rich_conversation()))
    document["messages"][0]["state"] = "exploded"
    with pytest.raises(StoreError, match="exploded"):
        import_conversation(store, json.dumps(document))
