"""The session's policies end to end: real SDK, real HTTP, the fake server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.chat.events import ModelSwitched, Retrying, StreamEvent
from kimitui.chat.session import ChatSession, RetryPolicy
from kimitui.errors import ModelNotFound, QuotaExceeded, StreamIncomplete
from kimitui.providers.moonshot import MoonshotProvider
from tests.fakeserver import FakeMoonshot, Fault, Reply


@pytest.fixture
def server() -> Iterator[FakeMoonshot]:
    with FakeMoonshot(rpm_window=1.0) as fake:
        yield fake


@pytest.fixture
async def provider(server: FakeMoonshot) -> AsyncIterator[MoonshotProvider]:
    moonshot = MoonshotProvider(api_key=server.api_key, base_url=server.base_url, read_timeout=5)
    yield moonshot
    await moonshot.aclose()


async def collect(events: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in events]


async def test_real_rpm_limit_waits_the_named_time_and_succeeds(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.rpm_limit = 1
    session = ChatSession(Conversation("sys", "moonshot-v1-8k"), provider)
    await collect(session.send("one"))
    started = time.monotonic()
    events = await collect(session.send("two"))
    waited = time.monotonic() - started
    [retry] = [e for e in events if isinstance(e, Retrying)]
    assert retry.reason == "Rate limited" and retry.delay >= 1
    assert waited >= 1
    assert session.conversation.messages[-1].state is MessageState.COMPLETE
    assert len(server.chat_requests) == 3


async def test_quota_is_never_retried(server: FakeMoonshot, provider: MoonshotProvider) -> None:
    server.enqueue(Fault.quota())
    session = ChatSession(Conversation("sys", "moonshot-v1-8k"), provider)
    with pytest.raises(QuotaExceeded):
        await collect(session.send("hi"))
    assert len(server.chat_requests) == 1
    assert session.conversation.messages[0].state is MessageState.FAILED


async def test_overflow_moves_8k_to_32k_and_resends(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Fault.context_overflow(limit=8192, requested=9000), Reply(text="fits now"))
    session = ChatSession(Conversation("sys", "moonshot-v1-8k"), provider)
    events = await collect(session.send("a long question"))
    assert any(isinstance(e, ModelSwitched) and e.new == "moonshot-v1-32k" for e in events)
    models = [r.json["model"] for r in server.chat_requests if r.json is not None]
    assert models == ["moonshot-v1-8k", "moonshot-v1-32k"]
    assert session.conversation.messages[-1].content == "fits now"


async def test_dropped_stream_keeps_partial_marked_incomplete_and_retry_works(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Fault.drop(after_chars=6), Reply(text="complete answer"))
    server.default_reply = Reply(text="partial answer that breaks")
    session = ChatSession(
        Conversation("sys", "moonshot-v1-8k"), provider, retry_policy=RetryPolicy(max_attempts=0)
    )
    with pytest.raises(StreamIncomplete):
        await collect(session.send("q"))
    user, partial = session.conversation.messages
    assert partial.state is MessageState.INCOMPLETE and partial.content == "partia"
    assert user.state is MessageState.FAILED
    await collect(session.retry())
    assert [m.content for m in session.conversation.messages] == ["q", "complete answer"]
    retried = server.chat_requests[1].json
    assert retried is not None
    assert retried["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q"},
    ]


async def test_unknown_model_names_the_available_ones(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    session = ChatSession(Conversation("sys", "moonshot-v9"), provider)
    with pytest.raises(ModelNotFound) as raised:
        await collect(session.send("hi"))
    assert "moonshot-v9 is not available" in str(raised.value)
    assert "moonshot-v1-8k" in raised.value.available
    assert "moonshot-v1-128k" in str(raised.value)
    assert session.conversation.messages[0].state is MessageState.FAILED
