"""Scrolling the conversation by keys, and typing, wherever the focus is on the chat."""

from __future__ import annotations

import threading

from kimitui.ui.widgets.message import AssistantMessage, UserMessage
from kimitui.ui.widgets.thinking import ThinkingBlock
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until

SIZE = (90, 24)


def turns(count: int) -> list[UserMessage | AssistantMessage]:
    """``count`` short finished turns."""
    widgets: list[UserMessage | AssistantMessage] = []
    for index in range(count):
        widgets += [UserMessage(f"Question {index}"), AssistantMessage(f"Answer {index}.")]
    return widgets


async def test_page_keys_scroll_the_conversation_while_typing(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = chat_screen(pilot)
        transcript = screen.transcript
        await transcript.mount_all(turns(20))
        transcript.anchor()
        await pilot.press(*"half a question")
        await wait_until(pilot, lambda: transcript.max_scroll_y > 0)
        await pilot.pause()
        bottom = transcript.scroll_y
        assert bottom == transcript.max_scroll_y

        await pilot.press("pageup", "pageup")
        await wait_until(pilot, lambda: transcript.scroll_y < bottom)
        await pilot.pause()
        assert transcript.scroll_y <= bottom - 2 * (transcript.size.height - 2)
        # The prompt keeps the focus, its text and its caret.
        assert screen.prompt.has_focus
        assert screen.prompt.text == "half a question"
        assert screen.prompt.cursor_location == (0, len("half a question"))

        await pilot.press("pagedown", "pagedown", "pagedown")
        await wait_until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y)
        assert "pgup/pgdn Scroll" in screen_text(pilot)


async def test_focus_moved_away_while_a_reply_streams_stays_there(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="A reply that takes a while.", chunk_size=4, gate_after=8, gate=gate))
    try:
        async with make_app().run_test(size=SIZE) as pilot:
            screen = chat_screen(pilot)
            await pilot.press(*"hi", "enter")
            await wait_until(pilot, lambda: any(len(reply.text) == 8 for reply in replies(pilot)))
            await pilot.press("tab")  # To the transcript, to scroll it by keys.
            await wait_until(pilot, lambda: screen.focused is screen.transcript)
            gate.set()
            await wait_until(pilot, lambda: not screen.streaming)
            await pilot.pause()
            assert screen.focused is screen.transcript
    finally:
        gate.set()


async def test_typing_with_the_focus_elsewhere_goes_into_the_prompt(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = chat_screen(pilot)
        reply = AssistantMessage("An answer.")
        await screen.transcript.mount_all([UserMessage("A question"), reply])
        thinking = ThinkingBlock()
        reply.thinking = thinking
        await reply.mount(thinking, before=reply.frozen)
        await thinking.body.update("a line of thought")
        await thinking.finish(collapse=True)
        await pilot.press(*"draft ")
        await pilot.press("tab")  # To the transcript.
        await wait_until(pilot, lambda: screen.focused is screen.transcript)
        await pilot.press(*"more", "!")
        await wait_until(pilot, lambda: screen.prompt.has_focus)
        assert screen.prompt.text == "draft more!"

        # A key bound where the focus is keeps its meaning: space unfolds the thoughts.
        thinking.heading.focus()
        await wait_until(pilot, lambda: thinking.heading.has_focus)
        assert thinking.collapsed
        await pilot.press("space")
        await wait_until(pilot, lambda: not thinking.collapsed)
        assert screen.prompt.text == "draft more!"
        assert thinking.heading.has_focus
