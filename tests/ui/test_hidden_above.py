"""Messages far above the view are hidden behind a spacer, and nothing on screen shows it.

Each test plays the same steps in two apps: one as shipped, one that never
hides anything (``Transcript.KEEP_SCREENS`` out of reach), and compares what
the terminal shows at every step, scrolling included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState
from kimitui.ui.widgets.message import AssistantMessage, UserMessage
from kimitui.ui.widgets.notice import Notice
from kimitui.ui.widgets.thinking import ThinkingBlock
from kimitui.ui.widgets.transcript import Transcript
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until

SIZE = (90, 24)

Look = Callable[[], Awaitable[None]]
"""Wait until the screen settles and note it, with how many messages are hidden."""

Steps = Callable[[Pilot[None], Look], Awaitable[None]]


def history_reply(index: int) -> str:
    """A finished reply of a few blocks, of a different length for each turn."""
    items = "".join(f"- point {n} of answer {index}\n" for n in range(index % 4 + 1))
    return f"## Answer {index}\n\nSome text for answer {index}.\n\n{items}\nDone {index}."


async def settle(pilot: Pilot[None]) -> str:
    """The screen once no reply is being rendered and two frames in a row agree."""
    previous = None
    for _ in range(200):
        await pilot.pause(0.02)
        busy = any(not reply.is_settled for reply in replies(pilot))
        now = screen_text(pilot)
        if not busy and now == previous:
            return now
        previous = now
    raise AssertionError("the screen did not settle")


async def long_chat(pilot: Pilot[None], server: FakeMoonshot) -> Transcript:
    """A transcript of 30 finished turns (and a notice), then one question sent and answered."""
    transcript = chat_screen(pilot).transcript
    widgets: list[UserMessage | AssistantMessage | Notice] = []
    for index in range(30):
        widgets += [UserMessage(f"Question {index}"), AssistantMessage(history_reply(index))]
        if index == 3:
            widgets.append(Notice("A notice between two turns.", kind="warning"))
    await transcript.mount_all(widgets)
    await wait_until(pilot, lambda: all(reply.is_frozen for reply in replies(pilot)), timeout=30)
    transcript.anchor()
    server.enqueue(Reply(text=history_reply(99), chunk_size=8))
    await pilot.press(*"one more", "enter")
    await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
    return transcript


async def play(
    make_app: MakeApp, server: FakeMoonshot, steps: Steps, *, hide: bool
) -> tuple[list[str], list[int]]:
    """Screens seen while playing ``steps``, and how many messages were hidden at each."""
    screens: list[str] = []
    hidden: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        if not hide:
            patch.setattr(Transcript, "KEEP_SCREENS", 10**6)
        async with make_app().run_test(size=SIZE) as pilot:
            transcript = await long_chat(pilot, server)

            async def look() -> None:
                screens.append(await settle(pilot))
                hidden.append(len(transcript.hidden))

            await look()
            await steps(pilot, look)
            await look()
    return screens, hidden


async def compare(make_app: MakeApp, server: FakeMoonshot, steps: Steps) -> list[int]:
    """Play ``steps`` with and without hiding; the screens must be the same.

    Returns how many messages were hidden at each look.
    """
    hiding, hidden = await play(make_app, server, steps, hide=True)
    shown, none_hidden = await play(make_app, server, steps, hide=False)
    assert not any(none_hidden)
    assert hidden[0] > 40, "most of the transcript should be hidden after a reply"
    assert len(hiding) == len(shown)
    for index, (with_hiding, without) in enumerate(zip(hiding, shown, strict=True)):
        assert with_hiding == without, f"screen {index} differs"
    return hidden


async def page_to_top(pilot: Pilot[None], look: Look) -> None:
    """Page up from the bottom to the top, looking at every page, then jump back down."""
    transcript = chat_screen(pilot).transcript
    while transcript.scroll_y > 0:
        transcript.scroll_page_up(animate=False)
        await look()
    transcript.scroll_end(animate=False)
    await look()


async def test_hidden_messages_change_nothing_on_screen_while_paging_up(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    hidden = await compare(make_app, server, page_to_top)
    # Shown again a few at a time on the way up, hidden again at the bottom.
    paging = hidden[1:-2]
    assert len(set(paging)) > 5 and paging == sorted(paging, reverse=True)
    assert hidden[-1] > 40


async def test_a_jump_to_the_top_and_back_shows_the_same_screens(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    async def jump(pilot: Pilot[None], look: Look) -> None:
        transcript = chat_screen(pilot).transcript
        transcript.scroll_home(animate=False)
        await look()
        transcript.scroll_end(animate=False)
        await look()

    hidden = await compare(make_app, server, jump)
    assert hidden[1] == 0 and hidden[2] > 40


async def test_after_a_resize_hidden_messages_are_measured_again(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    async def narrow_then_page_up(pilot: Pilot[None], look: Look) -> None:
        await pilot.resize_terminal(60, 24)
        await look()
        await page_to_top(pilot, look)

    hidden = await compare(make_app, server, narrow_then_page_up)
    assert hidden[1] > 40, "hidden again once laid out at the new width"


def saved_conversation() -> Conversation:
    """40 turns, some with reasoning or marks, replies of several lengths."""
    messages: list[ChatMessage] = []
    for index in range(40):
        messages.append(ChatMessage("user", f"Question {index}"))
        state = MessageState.INTERRUPTED if index % 7 == 3 else MessageState.COMPLETE
        reasoning = f"thinking about {index}\n\nstep two" if index % 5 == 1 else ""
        body = history_reply(index) + ("\n\n" + "A longer paragraph. " * 30 if index % 3 else "")
        messages.append(ChatMessage("assistant", body, state, reasoning=reasoning))
    return Conversation(system_prompt="Be brief.", model="moonshot-v1-8k", messages=messages)


async def test_a_saved_conversation_is_hidden_at_the_heights_its_replies_end_up_with(
    make_app: MakeApp,
) -> None:
    # Its replies are drawn first at an estimated height, then at their real one:
    # hidden in between, the spacer would be too short and the view would jump.
    async with make_app().run_test(size=SIZE) as pilot:
        screen = chat_screen(pilot)
        await screen.open_conversation(saved_conversation())
        transcript = screen.transcript
        await settle(pilot)
        await wait_until(pilot, lambda: len(transcript.hidden) > 40)
        # The spacer comes first, then the hidden messages.
        first_shown = transcript.children[1 + len(transcript.hidden)]
        where = first_shown.virtual_region.y
        transcript.show_hidden()
        await settle(pilot)
        assert first_shown.virtual_region.y == where


async def test_a_focused_message_is_not_hidden(make_app: MakeApp) -> None:
    # Keys sent to it could change its height while hidden (a thinking block unfolding).
    async with make_app().run_test(size=SIZE) as pilot:
        transcript = chat_screen(pilot).transcript
        widgets: list[UserMessage | AssistantMessage] = []
        for index in range(30):
            widgets += [UserMessage(f"Question {index}"), AssistantMessage(history_reply(index))]
        await transcript.mount_all(widgets)
        reply = widgets[21]
        assert isinstance(reply, AssistantMessage)
        thinking = ThinkingBlock()
        reply.thinking = thinking
        await reply.mount(thinking, before=reply.frozen)
        await thinking.body.update("a line of thought")
        await thinking.finish(collapse=True)
        await wait_until(pilot, lambda: all(r.is_frozen for r in replies(pilot)), timeout=30)
        transcript.scroll_to_widget(thinking, animate=False)
        await settle(pilot)
        thinking.heading.focus()
        await settle(pilot)
        transcript.scroll_end(animate=False)
        await settle(pilot)
        hidden = transcript.hidden
        assert widgets[20] in hidden and reply not in hidden


async def test_small_scroll_steps_up_to_hidden_messages_are_all_drawn(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    # Steps of a wheel notch: messages are shown again a few at a time, and
    # every step looks as it would with nothing hidden.
    async def wheel_up(pilot: Pilot[None], look: Look) -> None:
        transcript = chat_screen(pilot).transcript
        for _ in range(40):
            transcript.scroll_relative(y=-2, animate=False)
            await look()

    hidden = await compare(make_app, server, wheel_up)
    assert min(hidden) < hidden[0], "some messages should have been shown again"
