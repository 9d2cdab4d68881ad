"""The session's rules, driven through a scripted provider (no network).

What is sent, what is kept, and the retry and model-upgrade policy. The same
rules are exercised end to end over real HTTP in ``tests/providers``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.chat.events import ModelSwitched, Retrying, StreamEvent, TextDelta
from kimitui.chat.session import ChatSession, RetryPolicy
from kimitui.errors import (
    AuthError,
    ContextOverflow,
    Overloaded,
    QuotaExceeded,
    RateLimited,
    StreamIncomplete,
)
from tests.scripted_provider import ScriptedProvider, Step, reply


async def collect(events: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in events]


async def no_sleep(_: float) -> None:
    return None


def make_session(script: list[Step], model: str = "m") -> tuple[ChatSession, ScriptedProvider]:
    provider = ScriptedProvider(script)
    conversation = Conversation(system_prompt="be nice", model=model)
    return ChatSession(conversation, provider, sleep=no_sleep), provider


async def test_second_request_carries_whole_history_in_order() -> None:
    session, provider = make_session([reply("Hi there"), reply("Fine")])
    await collect(session.send("hello"))
    await collect(session.send("how are you"))
    sent, _ = provider.requests[1]
    assert sent == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hi there"},
        {"role": "user", "content": "how are you"},
    ]
    assert [m.state for m in session.conversation.messages] == [MessageState.COMPLETE] * 4


async def test_cancel_keeps_partial_reply_as_interrupted_and_resends_it() -> None:
    session, provider = make_session([reply("Partial answer"), reply("ok")])
    provider.gate = asyncio.Event()
    seen: list[StreamEvent] = []

    async def consume() -> None:
        async for event in session.send("question"):
            seen.append(event)

    task = asyncio.create_task(consume())
    while not seen:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    partial = session.conversation.messages[-1]
    assert (partial.role, partial.content, partial.state) == (
        "assistant",
        "Partial",
        MessageState.INTERRUPTED,
    )
    provider.gate = None
    await collect(session.send("go on"))
    assert provider.requests[1][0][2] == {"role": "assistant", "content": "Partial"}


async def test_closing_the_reply_early_closes_the_provider_stream() -> None:
    session, provider = make_session([reply("Partial answer")])
    events = session.send("question")
    first = await anext(events)
    assert first == TextDelta("Partial")
    assert provider.closed == 0
    await events.aclose()
    assert provider.closed == 1
    assert session.conversation.messages[-1].state is MessageState.INTERRUPTED


async def test_failure_before_text_marks_user_message_failed_and_retry_resends() -> None:
    session, provider = make_session([AuthError("bad key"), reply("works now")])
    with pytest.raises(AuthError):
        await collect(session.send("hello"))
    [user] = session.conversation.messages
    assert (user.content, user.state) == ("hello", MessageState.FAILED)
    assert session.conversation.wire_messages() == [{"role": "system", "content": "be nice"}]

    await collect(session.retry())
    assert [(m.role, m.content) for m in session.conversation.messages] == [
        ("user", "hello"),
        ("assistant", "works now"),
    ]
    assert provider.requests[1][0][-1] == {"role": "user", "content": "hello"}


async def test_stream_ending_without_finish_is_incomplete_and_not_resent() -> None:
    session, provider = make_session([[TextDelta("half a rep")], reply("fresh")])
    with pytest.raises(StreamIncomplete):
        await collect(session.send("q"))
    user, partial = session.conversation.messages
    assert partial.state is MessageState.INCOMPLETE and partial.content == "half a rep"
    assert user.state is MessageState.FAILED
    await collect(session.retry())
    assert provider.requests[1][0] == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "q"},
    ]


async def test_rate_limit_waits_the_named_time_then_retries() -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    provider = ScriptedProvider([RateLimited("slow down", retry_after=7), reply("ok")])
    session = ChatSession(Conversation("s", "m"), provider, sleep=record)
    events = await collect(session.send("q"))
    retry = events[0]
    assert isinstance(retry, Retrying) and retry.attempt == 1
    assert waits == [7.5]
    assert session.conversation.messages[-1].content == "ok"


async def test_overload_backs_off_exponentially_and_gives_up() -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    policy = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=60)
    provider = ScriptedProvider([Overloaded("busy") for _ in range(4)])
    session = ChatSession(Conversation("s", "m"), provider, retry_policy=policy, sleep=record)
    with pytest.raises(Overloaded):
        await collect(session.send("q"))
    assert len(provider.requests) == 4
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 2.0 <= waits[2] <= 4.0


async def test_quota_and_daily_limit_never_retry() -> None:
    session, provider = make_session([QuotaExceeded("empty")])
    with pytest.raises(QuotaExceeded):
        await collect(session.send("q"))
    session, provider = make_session([RateLimited("tpd", daily=True)])
    with pytest.raises(RateLimited):
        await collect(session.send("q"))
    assert len(provider.requests) == 1


async def test_context_overflow_moves_up_the_moonshot_ladder() -> None:
    overflow = ContextOverflow("too long", limit=8192)
    session, provider = make_session(
        [overflow, ContextOverflow("too long", limit=32768), reply("fits")], model="moonshot-v1-8k"
    )
    events = await collect(session.send("long text"))
    switches = [e for e in events if isinstance(e, ModelSwitched)]
    assert [(s.old, s.new) for s in switches] == [
        ("moonshot-v1-8k", "moonshot-v1-32k"),
        ("moonshot-v1-32k", "moonshot-v1-128k"),
    ]
    assert [model for _, model in provider.requests] == [
        "moonshot-v1-8k",
        "moonshot-v1-32k",
        "moonshot-v1-128k",
    ]
    assert session.conversation.model == "moonshot-v1-128k"


async def test_context_overflow_at_the_top_suggests_a_new_conversation() -> None:
    session, _ = make_session([ContextOverflow("too long")], model="moonshot-v1-128k")
    with pytest.raises(ContextOverflow, match="new conversation"):
        await collect(session.send("q"))
