"""Escape stops a reply mid-stream: the partial text stays, marked, and is resent as history."""

from __future__ import annotations

import threading

from kimitui.chat.conversation import MessageState
from kimitui.ui.widgets.notice import Notice
from kimitui.ui.widgets.prompt import PromptInput
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until


async def test_escape_keeps_the_partial_reply_marked_interrupted_and_resends_it(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(
        Reply(text="The answer is forty-two, because reasons.", gate_after=14, gate=gate),
        Reply(text="Fine."),
    )
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"why", "enter")
            await wait_until(
                pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].text == "The answer is "
            )
            await pilot.press("escape")
            screen = chat_screen(pilot)
            await wait_until(pilot, lambda: not screen.streaming)

            reply = replies(pilot)[0]
            assert reply.text == "The answer is "
            assert reply.has_class("-interrupted")
            assert not reply.has_class("-streaming")
            assert "interrupted" in str(reply.state_label.render())
            assert "The answer is" in screen_text(pilot)
            assert "interrupted" in screen_text(pilot)
            assert isinstance(app.focused, PromptInput)
            assert screen.status_bar.state == "stopped"
            assert screen.conversation.messages[-1].state is MessageState.INTERRUPTED

            await pilot.press(*"go on", "enter")
            await wait_until(pilot, lambda: len(server.chat_requests) == 2)
            messages = server.chat_requests[1].json["messages"]
            assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
            assert messages[2]["content"] == "The answer is "
            assert messages[3]["content"] == "go on"
            await wait_until(pilot, lambda: not screen.streaming)
            assert "Fine." in screen_text(pilot)
    finally:
        gate.set()


async def test_escape_before_any_text_puts_the_message_back(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="late", gate_after=0, gate=gate))
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"are you there", "enter")
            await wait_until(pilot, lambda: len(server.chat_requests) == 1)
            await pilot.pause(0.1)
            await pilot.press("escape")
            screen = chat_screen(pilot)
            await wait_until(pilot, lambda: not screen.streaming)
            assert not replies(pilot)
            notices = [notice.text for notice in screen.transcript.query(Notice)]
            assert notices == ["Stopped before Kimi replied."]
            assert screen.prompt.text == "are you there"
            assert screen.prompt.has_focus
    finally:
        gate.set()


async def test_enter_while_streaming_does_not_send_or_lose_the_text(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="slow reply here", gate_after=4, gate=gate))
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"one", "enter")
            await wait_until(
                pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].text == "slow"
            )
            await pilot.press(*"two", "enter")
            await pilot.pause(0.1)
            screen = chat_screen(pilot)
            assert screen.prompt.text == "two"
            assert len(server.chat_requests) == 1
            assert screen.streaming
            gate.set()
            await wait_until(pilot, lambda: not screen.streaming)
            assert replies(pilot)[0].text == "slow reply here"
    finally:
        gate.set()


async def test_quitting_mid_stream_exits_cleanly(server: FakeMoonshot, make_app: MakeApp) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="never finished", gate_after=5, gate=gate))
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"hi", "enter")
            await wait_until(
                pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].text == "never"
            )
            await pilot.press("ctrl+q")
            await pilot.pause(0.2)
        assert app.return_code == 0
    finally:
        gate.set()


async def test_new_chat_mid_stream_drops_the_reply_and_starts_clean(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="old conversation text", gate_after=4, gate=gate), Reply(text="new"))
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"old", "enter")
            await wait_until(
                pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].text == "old "
            )
            await pilot.press("ctrl+n")
            screen = chat_screen(pilot)
            await wait_until(pilot, lambda: not screen.streaming)
            await pilot.pause(0.2)
            # The cancelled worker left nothing behind in the new transcript.
            assert list(screen.transcript.children) == []
            assert screen.prompt.text == ""
            assert screen.status_bar.state == "ready"
            assert screen.conversation.messages == []

            await pilot.press(*"fresh", "enter")
            await wait_until(pilot, lambda: len(server.chat_requests) == 2)
            await wait_until(pilot, lambda: not screen.streaming)
            assert [m["role"] for m in server.chat_requests[1].json["messages"]] == [
                "system",
                "user",
            ]
            assert [reply.text for reply in replies(pilot)] == ["new"]
    finally:
        gate.set()
