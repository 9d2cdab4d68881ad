"""Helpers for the UI tests: waiting on a real server, reading the screen, saved data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState, Role
from kimitui.store import ConversationStore
from kimitui.ui.screens.chat import ChatScreen
from kimitui.ui.widgets.message import AssistantMessage


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], *, timeout: float = 10.0
) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds.

    The fake server answers from another thread over real HTTP, so a fixed
    number of pauses is not enough; polling keeps the tests fast and robust.
    """
    step = 0.02
    for _ in range(int(timeout / step)):
        if condition():
            return
        await pilot.pause(step)
    assert condition(), "condition not met in time"


def chat_screen(pilot: Pilot[None]) -> ChatScreen:
    """The active screen, which must be the chat."""
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen), f"expected the chat screen, got {screen!r}"
    return screen


def replies(pilot: Pilot[None]) -> list[AssistantMessage]:
    """The replies in the transcript, oldest first (greetings excluded)."""
    return [
        reply
        for reply in chat_screen(pilot).transcript.query(AssistantMessage)
        if not reply.has_class("-greeting")
    ]


def screen_text(pilot: Pilot[None]) -> str:
    """Everything visible on the terminal, as plain text lines."""
    # The compositor is private, but it is exactly what the terminal receives.
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def widget_text(widget: Widget) -> str:
    """The plain text a widget and its descendants render, in DOM order."""
    lines: list[str] = []
    for node in [widget, *widget.query("*")]:
        if node.display and node.outer_size.area:
            region = Region(0, 0, node.outer_size.width, node.outer_size.height)
            lines.extend(strip.text.rstrip() for strip in node.render_lines(region))
    return "\n".join(line for line in lines if line.strip())


def save_conversation(
    store: ConversationStore,
    *messages: tuple[Role, str] | tuple[Role, str, MessageState],
    day: int,
    title: str | None = None,
    persona: str = "kimi",
    model: str = "moonshot-v1-8k",
    system_prompt: str = "Be brief.",
) -> str:
    """Save a finished conversation with fixed ids and times (2025-01-``day``, UTC).

    Each message is ``(role, text)`` or ``(role, text, state)``; its time is
    a minute after the previous one, so lists and snapshots never depend on
    the clock. Returns the conversation's id.
    """
    start = datetime(2025, 1, day, 9, 0, tzinfo=UTC)
    conversation = Conversation(
        system_prompt=system_prompt,
        model=model,
        persona=persona,
        messages=[
            ChatMessage(
                item[0],
                item[1],
                item[2] if len(item) == 3 else MessageState.COMPLETE,
                id=f"m{day:02d}{index:02d}".ljust(32, "0"),
                created_at=start + timedelta(minutes=index),
            )
            for index, item in enumerate(messages)
        ],
        id=f"{day:02d}".ljust(32, "c"),
    )
    end = start + timedelta(minutes=len(messages))
    return store.insert_conversation(conversation, title=title, created_at=start, updated_at=end)
