"""Saving through the session's recorder, loading back, and the history operations."""

from __future__ import annotations

import asyncio

import pytest

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.chat.events import ProviderEvent, TextDelta
from kimitui.chat.session import ChatSession, RetryPolicy
from kimitui.errors import AuthError, ContextOverflow, StreamIncomplete
from kimitui.store import ConversationStore, StoreError
from tests.scripted_provider import Request, ScriptedProvider, reply
from tests.store.helpers import conversation, shape


async def drain(session: ChatSession, text: str) -> None:
    async for _ in session.send(text):
        pass


def new_session(store: ConversationStore, provider: ScriptedProvider) -> ChatSession:
    chat = Conversation("be brief", "kimi-test", persona="sarcastic", temperature=0.5)
    return ChatSession(
        chat, provider, recorder=store.recorder, retry_policy=RetryPolicy(max_attempts=0)
    )


async def test_a_saved_conversation_loads_back_exactly(store: ConversationStore) -> None:
    provider = ScriptedProvider([reply("Hello!", reasoning="greet"), reply("Fine, thanks.")])
    session = new_session(store, provider)
    await drain(session, "hi there\nsecond line")
    await drain(session, "how are you?")
    assert session.conversation.id is not None

    loaded = store.load(session.conversation.id)
    assert loaded == session.conversation
    assert [(m.id, m.created_at, m.reasoning) for m in loaded.messages] == [
        (m.id, m.created_at, m.reasoning) for m in session.conversation.messages
    ]
    assert loaded.messages[1].reasoning == "greet"
    assert (loaded.persona, loaded.temperature, loaded.system_prompt) == (
        "sarcastic",
        0.5,
        "be brief",
    )


async def test_the_user_message_is_saved_before_the_request_is_sent(
    store: ConversationStore,
) -> None:
    seen_in_db: list[list[tuple[str, str, MessageState]]] = []

    def peek(request: Request) -> list[ProviderEvent]:
        latest = store.latest()
        assert latest is not None
        seen_in_db.append(shape(latest))
        return reply("ok")

    session = new_session(store, ScriptedProvider([peek]))
    await drain(session, "remember me")
    # The empty reply row is written too, but loads as "cut off, nothing arrived": dropped,
    # with the question marked failed, exactly what a crash at that moment would leave.
    assert seen_in_db == [[("user", "remember me", MessageState.FAILED)]]


async def test_continuing_a_loaded_conversation_sends_the_whole_history(
    store: ConversationStore,
) -> None:
    first = new_session(store, ScriptedProvider([reply("Paris.")]))
    await drain(first, "capital of France?")
    resumed = store.latest()
    assert resumed is not None and resumed.id == first.conversation.id
    provider = ScriptedProvider([reply("About 2 million.")])
    await drain(ChatSession(resumed, provider, recorder=store.recorder), "population?")
    assert provider.requests[0].messages == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "population?"},
    ]
    [summary] = store.list_conversations()
    assert summary.message_count == 4


async def test_an_empty_failed_reply_is_not_kept_and_retry_replaces_the_attempt(
    store: ConversationStore,
) -> None:
    session = new_session(store, ScriptedProvider([AuthError("bad key"), reply("now it works")]))
    with pytest.raises(AuthError):
        await drain(session, "hello")
    assert session.conversation.id is not None
    assert shape(store.load(session.conversation.id)) == [("user", "hello", MessageState.FAILED)]

    async for _ in session.retry():
        pass
    assert shape(store.load(session.conversation.id)) == [
        ("user", "hello", MessageState.COMPLETE),
        ("assistant", "now it works", MessageState.COMPLETE),
    ]


async def test_a_cut_off_reply_is_saved_incomplete(store: ConversationStore) -> None:
    session = new_session(store, ScriptedProvider([[TextDelta("half a rep")]]))
    with pytest.raises(StreamIncomplete):
        await drain(session, "q")
    assert session.conversation.id is not None
    assert shape(store.load(session.conversation.id)) == [
        ("user", "q", MessageState.FAILED),
        ("assistant", "half a rep", MessageState.INCOMPLETE),
    ]


def test_a_reply_left_streaming_by_a_crash_loads_as_cut_off(store: ConversationStore) -> None:
    chat = conversation(("one", "first answer"))
    for message in chat.messages:
        store.save_message(chat, message)
    question = ChatMessage("user", "two")
    partial = ChatMessage("assistant", "the begin", MessageState.STREAMING)
    empty_question = ChatMessage("user", "three")
    empty = ChatMessage("assistant", "", MessageState.STREAMING)
    for message in (question, partial, empty_question, empty):
        chat.messages.append(message)
        store.save_message(chat, message)
    assert chat.id is not None

    loaded = store.load(chat.id)
    assert shape(loaded) == [
        ("user", "one", MessageState.COMPLETE),
        ("assistant", "first answer", MessageState.COMPLETE),
        ("user", "two", MessageState.FAILED),
        ("assistant", "the begin", MessageState.INCOMPLETE),
        ("user", "three", MessageState.FAILED),
    ]
    assert loaded.last_failed_user_message() is loaded.messages[-1]


def test_list_shows_title_persona_model_dates_and_count(store: ConversationStore) -> None:
    older = conversation(("\n  What is   FTS5?\nmore", "A search engine."), persona="sarcastic")
    newer = conversation(("x" * 100, "y"), ("again", "z"))
    for chat in (older, newer):
        for message in chat.messages:
            store.save_message(chat, message)
    first, second = store.list_conversations()
    assert (first.id, second.id) == (newer.id, older.id)
    assert second.title == "What is FTS5?"
    assert not second.custom_title
    assert (second.persona, second.model, second.message_count) == ("sarcastic", "kimi-test", 2)
    assert first.title == "x" * 59 + "…" and first.message_count == 4
    assert second.created_at <= second.updated_at <= first.updated_at
    assert [s.id for s in store.list_conversations(limit=1)] == [newer.id]


def test_rename_and_reset_title(store: ConversationStore) -> None:
    chat = conversation(("question", "answer"))
    store.save_message(chat, chat.messages[0])
    assert chat.id is not None
    store.rename(chat.id[:6], "  My [bold]title[/]  ")
    renamed = store.summary(chat.id)
    assert (renamed.title, renamed.custom_title) == ("My [bold]title[/]", True)
    store.rename(chat.id, "")
    assert store.summary(chat.id).title == "question"


def test_delete_removes_messages_and_search_hits(store: ConversationStore) -> None:
    keep, drop = conversation(("keep this", "ok")), conversation(("drop zebra", "ok"))
    for chat in (keep, drop):
        for message in chat.messages:
            store.save_message(chat, message)
    assert drop.id is not None and store.search("zebra")
    store.delete(drop.id)
    assert [s.id for s in store.list_conversations()] == [keep.id]
    assert store.search("zebra") == []
    with pytest.raises(StoreError, match="No saved conversation"):
        store.load(drop.id)


def test_ids_resolve_from_unique_prefixes(store: ConversationStore) -> None:
    chat = conversation(("q", "a"))
    chat.id = "abc123" + "0" * 26
    other = conversation(("q", "a"))
    other.id = "abd456" + "0" * 26
    for item in (chat, other):
        store.save_message(item, item.messages[0])
    assert store.resolve("abc") == chat.id
    with pytest.raises(StoreError, match="More than one"):
        store.resolve("ab")
    with pytest.raises(StoreError, match="No saved conversation"):
        store.resolve("%")
    assert store.latest() is not None


def test_latest_is_none_when_nothing_is_saved(store: ConversationStore) -> None:
    assert store.latest() is None
    assert store.list_conversations() == []


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def count_writes(store: ConversationStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    writes: list[str] = []
    original = store.save_message

    def spy(chat: Conversation, message: ChatMessage) -> None:
        writes.append(message.content)
        original(chat, message)

    monkeypatch.setattr(store, "save_message", spy)
    return writes


def test_streaming_text_is_written_at_most_once_per_interval(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    recorder = store.recorder
    recorder._clock = clock
    writes = count_writes(store, monkeypatch)
    chat = conversation()
    answer = ChatMessage("assistant", "", MessageState.STREAMING)
    chat.messages.append(answer)
    recorder.message_added(chat, answer)
    for step in range(30):  # three seconds of deltas, ten a second
        clock.now += 0.1
        answer.content += f"{step},"
        recorder.message_changed(chat, answer)
    assert 3 <= len(writes) <= 4  # the add, then about one per second
    answer.state = MessageState.COMPLETE
    recorder.message_changed(chat, answer)  # a state change is written at once
    assert writes[-1] == answer.content
    assert chat.id is not None
    assert store.load(chat.id).messages[0].content == answer.content


async def test_a_stalled_stream_is_still_saved_within_the_interval(
    store: ConversationStore,
) -> None:
    store.recorder.interval = 0.2
    chat = conversation()
    answer = ChatMessage("assistant", "", MessageState.STREAMING)
    chat.messages.append(answer)
    store.recorder.message_added(chat, answer)
    answer.content = "early text"
    store.recorder.message_changed(chat, answer)  # held back: written 0 s ago
    assert chat.id is not None
    assert store.load(chat.id).messages == []  # the empty streaming row is not shown
    await asyncio.sleep(0.4)  # no more deltas arrive; the scheduled flush writes it
    assert shape(store.load(chat.id)) == [("assistant", "early text", MessageState.INCOMPLETE)]


async def test_a_failing_database_stops_saving_once_and_the_chat_goes_on(
    store: ConversationStore,
) -> None:
    warnings: list[str] = []
    store.recorder.on_error = warnings.append
    session = new_session(store, ScriptedProvider([reply("first"), reply("second")]))
    await drain(session, "one")
    store._db.close()  # the file vanishes from under us, as far as SQLite can tell
    await drain(session, "two")
    assert [m.content for m in session.conversation.messages] == ["one", "first", "two", "second"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Saving stopped:")
    assert "continues in memory" in warnings[0]
    assert store.recorder.error == warnings[0]


async def test_a_model_switch_is_saved(store: ConversationStore) -> None:
    provider = ScriptedProvider([ContextOverflow("too long"), reply("fits", "moonshot-v1-32k")])
    chat = Conversation("s", "moonshot-v1-8k")
    session = ChatSession(chat, provider, recorder=store.recorder)
    await drain(session, "a long text")
    assert chat.id is not None
    assert store.summary(chat.id).model == "moonshot-v1-32k"
    assert store.load(chat.id).messages[-1].model == "moonshot-v1-32k"
