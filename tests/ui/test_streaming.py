"""Replies stream onto the screen as they arrive and end in an exact final render."""

from __future__ import annotations

import threading

import pytest
from rich.segment import Segment
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets.markdown import MarkdownFence

from kimitui.ui.widgets.message import AssistantMessage
from kimitui.ui.widgets.thinking import ThinkingBlock
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until, widget_text

CODE_REPLY = (
    "# Squares\n\n"
    "Here is **one way** to do it:\n\n"
    "```python\n"
    "def squares(n: int) -> list[int]:\n"
    '    """Return the first n squares."""\n'
    "    return [i * i for i in range(n)]\n"
    "```\n\n"
    "It runs in *linear* time."
)


async def test_reply_is_on_screen_before_the_stream_ends(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(
        Reply(text="Hello there, streaming world!", chunk_size=4, gate_after=12, gate=gate)
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and len(replies(pilot)[0].text) == 12)
        reply = replies(pilot)[0]
        # Held at the gate: the first 12 characters are shown (within a
        # flush or two, however busy the machine), the rest is not.
        await wait_until(pilot, lambda: reply.body.source == "Hello there,")
        await pilot.pause()
        assert reply.has_class("-streaming")
        assert chat_screen(pilot).streaming
        assert "Hello there," in screen_text(pilot)
        assert "streaming world" not in screen_text(pilot)

        gate.set()
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert reply.body.source == "Hello there, streaming world!"
        assert "Hello there, streaming world!" in screen_text(pilot)
        assert not reply.has_class("-streaming")


def _colours(widget: Widget, line_text: str) -> set[str]:
    """The colours of the characters drawn on the lines of ``widget`` holding ``line_text``."""
    colours: set[str] = set()
    for node in [widget, *widget.query("*")]:
        if node.children or not node.display or not node.outer_size.area:
            continue
        region = Region(0, 0, node.outer_size.width, node.outer_size.height)
        for strip in node.render_lines(region):
            if line_text in strip.text:
                colours.update(
                    str(segment.style.color)
                    for segment in strip
                    if isinstance(segment, Segment) and segment.text.strip() and segment.style
                )
    return colours


async def test_finished_reply_has_highlighted_code_and_no_markdown_markers(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=CODE_REPLY, chunk_size=3))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"squares", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        reply = replies(pilot)[0]
        assert reply.text == CODE_REPLY
        # Finished and laid out, the reply is drawn from captured lines, not block widgets.
        await wait_until(pilot, lambda: reply.is_frozen)
        assert not reply.query(MarkdownFence)
        # Syntax highlighting: keywords, names and strings get different colours.
        code = "def squares(n: int) -> list[int]:"
        assert len(_colours(reply, code)) >= 3, _colours(reply, code)

        text = widget_text(reply)
        assert "def squares(n: int) -> list[int]:" in text
        assert "return [i * i for i in range(n)]" in text
        assert "Here is one way to do it:" in text
        assert "Squares" in text
        for marker in ("**", "```", "# Squares", "*linear*"):
            assert marker not in text


@pytest.fixture
def guesses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The code Pygments was asked to guess the language of (it must not be)."""
    made: list[str] = []

    def guess_lexer(code: str, **options: object) -> None:
        made.append(code)
        raise AssertionError("a fence's language is never guessed")

    # Textual imports it from here when a fence names no language.
    monkeypatch.setattr("pygments.lexers.guess_lexer", guess_lexer)
    return made


async def test_a_fence_without_a_language_is_plain_text_and_its_language_is_the_first_word(
    server: FakeMoonshot, make_app: MakeApp, guesses: list[str]
) -> None:
    plain, named = "def plain(n: int) -> list[int]:", "def named(n: int) -> list[int]:"
    text = f"Plain:\n\n```\n{plain}\n```\n\nNamed:\n\n```python title=x.py\n{named}\n```\n"
    server.enqueue(Reply(text=text, chunk_size=3))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"squares", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        reply = replies(pilot)[0]
        await wait_until(pilot, lambda: reply.is_frozen)
        assert guesses == []
        assert len(_colours(reply, plain)) == 1, _colours(reply, plain)
        assert len(_colours(reply, named)) >= 3, _colours(reply, named)


async def test_no_fence_language_is_guessed_in_thinking_committed_runs_or_saved_replies(
    server: FakeMoonshot, make_app: MakeApp, guesses: list[str]
) -> None:
    plain = "def plain(n: int) -> list[int]:"
    fence = f"```\n{plain}\n```\n\n"
    reasoning, text = f"Let me see.\n\n{fence}Fine.", f"{fence}After the fence.\n\nThe end."
    gate = threading.Event()
    # Held just after the fence: it is finished, so it is committed as a run of its own.
    held = len(reasoning) + len(fence) + 5
    server.enqueue(Reply(text=text, reasoning=reasoning, chunk_size=3, gate_after=held, gate=gate))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and bool(replies(pilot)[0].thinking))
        reply = replies(pilot)[0]
        await wait_until(pilot, lambda: plain in reply.frozen.source)
        gate.set()
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert reply.thinking is not None and plain in reply.thinking.text
        # A saved reply, rendered when it comes into view (see FrozenMarkdown).
        saved = AssistantMessage(text, lazy=True)
        await chat_screen(pilot).transcript.mount(saved)
        await wait_until(pilot, lambda: saved.frozen.is_rendered)
        assert guesses == []
        assert len(_colours(saved, plain)) == 1, _colours(saved, plain)


async def test_model_text_that_looks_like_markup_shows_literally(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    literal = "Try [bold red]x[/] then [/] and [link=http://x]y[/link]."
    server.enqueue(Reply(text=literal))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"[b]me[/b]", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        shown = screen_text(pilot)
        assert literal in shown
        assert "[b]me[/b]" in shown
        assert server.chat_requests[0].json["messages"][-1]["content"] == "[b]me[/b]"


async def test_terminal_escapes_in_model_text_are_made_visible(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text="clear \x1b[2J screen\x07 done"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert "clear ␛[2J screen␇ done" in screen_text(pilot)


async def test_reasoning_streams_in_a_thinking_block_that_folds_when_the_answer_starts(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    reasoning = "The user greets me. I should greet back."
    server.enqueue(Reply(text="Hello!", reasoning=reasoning, gate_after=len(reasoning), gate=gate))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        await wait_until(
            pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].thinking is not None
        )
        thinking = replies(pilot)[0].query_one(ThinkingBlock)
        await wait_until(pilot, lambda: thinking.text == reasoning)
        await pilot.pause(0.1)
        assert not thinking.collapsed
        assert "I should greet back." in screen_text(pilot)
        assert chat_screen(pilot).status_bar.state == "thinking"

        gate.set()
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert thinking.collapsed
        assert "I should greet back." not in screen_text(pilot)
        assert "Hello!" in screen_text(pilot)
        # The thinking can be unfolded again.
        await pilot.click(thinking.heading)
        await pilot.pause()
        assert not thinking.collapsed
        assert "I should greet back." in screen_text(pilot)
        # Reasoning is shown, never sent back.
        server.enqueue(Reply(text="ok"))
        chat_screen(pilot).prompt.focus()
        await pilot.press(*"again", "enter")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        sent = server.chat_requests[1].json["messages"]
        assert sent[2] == {"role": "assistant", "content": "Hello!"}


async def test_no_frame_shows_a_finished_block_twice(
    server: FakeMoonshot, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A finished block is mounted as its own document and taken out of the
    # live tail: a frame drawn between the two steps would show it twice.
    paragraphs = [f"Paragraph {i} says something." for i in range(30)]
    server.enqueue(Reply(text="\n\n".join(paragraphs), chunk_size=3, delay=0.004))
    frames: list[str] = []
    paint = Screen._compositor_refresh

    def painted(screen: Screen[object]) -> None:
        paint(screen)
        frames.append("\n".join(strip.text for strip in screen._compositor.render_strips()))

    monkeypatch.setattr(Screen, "_compositor_refresh", painted)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming, timeout=30)
        await pilot.pause()
    assert len(frames) > 10  # Drawn while streaming, not only at the end.
    assert all(paragraph in frames[-1] for paragraph in paragraphs[-5:])
    doubled = [(n, p) for n, frame in enumerate(frames) for p in paragraphs if frame.count(p) > 1]
    assert doubled == []
