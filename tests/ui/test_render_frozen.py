"""Finished Markdown is frozen into captured lines that look exactly like ``Markdown``.

The reference in these tests is a reply left live (``LiveReply``: never
frozen, so it is Textual's own ``Markdown`` widgets), shown in the same
place at the same width; "looks exactly like" means the same segments
(text, colours, styles) on every screen line.
"""

from __future__ import annotations

import threading

import pytest
from rich.segment import Segment
from textual.geometry import Offset, Region
from textual.pilot import Pilot
from textual.selection import Selection
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from kimitui.ui.widgets.freezer import Freezer
from kimitui.ui.widgets.frozen import FrozenMarkdown, split_runs
from kimitui.ui.widgets.message import AssistantMessage, UserMessage
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, wait_until

TALL = (100, 150)
"""Tall enough for a whole reply and its reference to be on screen together."""

RICH_REPLY = (
    "# Streaming, frozen\n\n"
    "A paragraph with **bold**, *italic*, `code` and a [link](https://example.com/).\n\n"
    "```python\n"
    "def squares(n: int) -> list[int]:\n"
    '    """Return the first n squares."""\n'
    "    return [i * i for i in range(n)]\n"
    "```\n\n"
    "| name | count |\n|---|---|\n| 苹果🍎 | 3 |\n| banana | 12 |\n\n"
    "- one\n- two, with a longer line that wraps once the width is narrow enough to wrap\n\n"
    "> A quoted line.\n\n"
    "1. first\n2. second\n\n" + "很长的中文段落" * 12 + "\n\n## The end\n\nDone."
)


class LiveReply(AssistantMessage):
    """A reply that is never frozen: the reference look (Textual's own widgets)."""

    def freezable(self) -> list[Markdown]:
        """Nothing, ever."""
        return []


def rows(pilot: Pilot[None], widget: AssistantMessage) -> list[list[Segment]]:
    """The screen lines ``widget`` covers, as simplified segments, from its left edge."""
    region = widget.region
    strips = pilot.app.screen._compositor.render_strips()
    return [
        list(Segment.simplify(strip.crop(region.x, region.right)))
        for strip in strips[region.y : region.bottom]
    ]


def text_of(lines: list[list[Segment]]) -> list[str]:
    """Plain text of ``rows`` lines, right-stripped."""
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


async def show_reference(pilot: Pilot[None], text: str) -> AssistantMessage:
    """Mount a live reply of ``text`` at the end of the transcript, laid out."""
    live = LiveReply(text)
    transcript = chat_screen(pilot).transcript
    await transcript.mount(live)
    transcript.scroll_end(animate=False)
    await pilot.pause()
    await wait_until(pilot, lambda: bool(live.query(MarkdownBlock)))
    await pilot.pause(0.1)
    return live


async def settled(pilot: Pilot[None], reply: AssistantMessage) -> None:
    """Wait until ``reply`` is frozen and every line of it is rendered."""
    await wait_until(pilot, lambda: reply.is_frozen and reply.frozen.is_rendered)
    await pilot.pause(0.1)


async def streamed_reply(pilot: Pilot[None]) -> AssistantMessage:
    """Ask for the queued reply; return it once it has streamed, frozen and rendered."""
    await pilot.press(*"show me", "enter")
    await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
    [reply] = replies(pilot)
    await settled(pilot, reply)
    return reply


async def test_a_streamed_reply_is_frozen_and_looks_exactly_like_markdown(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=7))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        reply = await streamed_reply(pilot)
        # One widget for the whole answer, none per block.
        assert not reply.query(MarkdownBlock)
        assert list(reply.query(FrozenMarkdown)) == [reply.frozen]
        assert reply.body is reply.frozen
        assert reply.body.source == reply.text == RICH_REPLY

        frozen = rows(pilot, reply)
        live = rows(pilot, await show_reference(pilot, RICH_REPLY))
        assert text_of(frozen) == text_of(live)
        assert frozen == live
        # Code keeps its syntax highlighting.
        code = next(line for line in frozen if "def squares" in "".join(s.text for s in line))
        colours = {str(s.style.color) for s in code if s.text.strip() and s.style}
        assert len(colours) >= 3, colours


async def test_finished_runs_are_frozen_while_the_reply_still_streams(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    held = RICH_REPLY.index("> A quoted line.")
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=9, gate_after=held, gate=gate))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        await pilot.press(*"show me", "enter")
        await wait_until(
            pilot, lambda: bool(replies(pilot)) and len(replies(pilot)[0].text) == held
        )
        [reply] = replies(pilot)
        await wait_until(pilot, lambda: "Streaming, frozen" in reply.frozen.source)
        assert reply.has_class("-streaming")
        # The heading, paragraph and fence are lines now, not widgets (the table
        # is not finished: a list follows it, and the list goes on).
        assert "def squares" in reply.frozen.source
        blocks = [type(block).__name__ for block in reply.query(MarkdownBlock)]
        assert "MarkdownFence" not in blocks and "MarkdownH1" not in blocks
        gate.set()
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await settled(pilot, reply)
        assert reply.frozen.source == RICH_REPLY
        assert rows(pilot, reply) == rows(pilot, await show_reference(pilot, RICH_REPLY))


async def test_a_long_conversation_keeps_a_few_widgets_per_message(make_app: MakeApp) -> None:
    history = RICH_REPLY * 2
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = chat_screen(pilot).transcript
        widgets: list[UserMessage | AssistantMessage] = []
        for index in range(30):
            widgets += [UserMessage(f"Question {index}"), AssistantMessage(history)]
        await transcript.mount_all(widgets)
        await wait_until(
            pilot, lambda: all(reply.is_frozen for reply in replies(pilot)), timeout=60
        )
        await pilot.pause()
        # A message, its frozen answer and its (hidden) state label; no block widgets.
        assert not transcript.query(MarkdownBlock)
        assert len(transcript.query("*")) <= 4 * 30 + 2
        # What is on screen was drawn; what was not is drawn when scrolled to.
        last = replies(pilot)[-1]
        assert "The end" in "\n".join(text_of(rows(pilot, last)))
        transcript.scroll_home(animate=False)
        first = replies(pilot)[0]
        await wait_until(
            pilot, lambda: "Streaming, frozen" in "\n".join(text_of(rows(pilot, first)))
        )


async def test_a_lazy_reply_renders_when_it_comes_into_view(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        transcript = chat_screen(pilot).transcript
        lazy = AssistantMessage(RICH_REPLY, lazy=True)
        await transcript.mount(lazy)
        assert lazy.is_frozen and not lazy.query(Markdown)
        await wait_until(pilot, lambda: lazy.frozen.is_rendered)
        await pilot.pause(0.1)
        assert rows(pilot, lazy) == rows(pilot, await show_reference(pilot, RICH_REPLY))


async def test_a_frozen_reply_is_rendered_again_at_a_new_width(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=50))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        reply = await streamed_reply(pilot)
        await pilot.resize_terminal(64, 150)
        await wait_until(pilot, lambda: reply.frozen.size.width < 60)
        await settled(pilot, reply)
        frozen = rows(pilot, reply)
        assert max(len(line) for line in text_of(frozen)) <= 64
        assert frozen == rows(pilot, await show_reference(pilot, RICH_REPLY))


async def test_a_frozen_reply_follows_a_theme_change(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=50))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        reply = await streamed_reply(pilot)
        dark = rows(pilot, reply)
        app.theme = "textual-light"
        await pilot.pause()
        await settled(pilot, reply)
        light = rows(pilot, reply)
        assert light != dark
        assert light == rows(pilot, await show_reference(pilot, RICH_REPLY))


async def test_text_in_a_frozen_reply_can_be_selected_with_the_mouse(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=50))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        reply = await streamed_reply(pilot)
        frozen = reply.frozen
        lines = text_of(rows(pilot, reply))
        offset = frozen.region.y - reply.region.y
        start = next(y for y, line in enumerate(lines) if "A paragraph" in line) - offset
        column = frozen.render_line(start).text.index("bold")
        # Drag across "bold".
        await pilot.mouse_down(frozen, offset=(column, start))
        await pilot.hover(frozen, offset=(column + 3, start))
        await pilot.mouse_up(frozen, offset=(column + 3, start))
        await pilot.pause()
        assert app.screen.get_selected_text() == "bold"
        # The selection shows: those characters are drawn in the selection style.
        selected = app.screen.get_component_rich_style("screen--selection")
        [drawn] = frozen.render_lines(Region(0, start, frozen.size.width, 1))
        styled = "".join(s.text for s in drawn if s.style and s.style.bgcolor == selected.bgcolor)
        assert styled == "bold"
        # Whole lines come out as shown.
        text = frozen.get_selection(Selection(Offset(0, start), Offset(10_000, start)))
        assert text is not None and text[0].startswith("A paragraph with bold, italic, code")


async def test_a_link_in_a_frozen_reply_still_opens(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=RICH_REPLY, chunk_size=50))
    app = make_app()
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=TALL) as pilot:
        reply = await streamed_reply(pilot)
        frozen = reply.frozen
        y = next(y for y in range(frozen.size.height) if "link" in frozen.render_line(y).text)
        x = frozen.render_line(y).text.index("link")
        await pilot.click(frozen, offset=(x + 1, y))
        await pilot.pause()
        assert opened == ["https://example.com/"]


def test_text_is_cut_into_runs_only_between_finished_blocks() -> None:
    text = ("para " * 30 + "\n\n") * 20 + "- a\n\n- b\n\n```\ncode\n\nmore\n```\n\nend"
    runs = split_runs(text, 300)
    assert "".join(runs) == text
    assert len(runs) > 5
    assert all(run.endswith("\n\n") for run in runs[:-1])
    # A loose list and a fence with a blank line stay whole.
    assert any("- a\n\n- b\n\n" in run for run in runs)
    assert any("```\ncode\n\nmore\n```" in run for run in runs)


async def test_runs_that_make_no_blocks_are_frozen_and_freezing_then_stops(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    # An HTML comment renders nothing: it must not hold up the runs after it.
    text = "<!-- a note -->\n\nHello there.\n\n<br>\n\n## After\n\nDone."
    gate = threading.Event()
    server.enqueue(Reply(text=text, chunk_size=5, gate_after=text.index("llo"), gate=gate))
    app = make_app()
    async with app.run_test(size=TALL) as pilot:
        await pilot.press(*"hi", "enter")
        # The comment alone is a finished run: it is frozen (as nothing) mid-stream.
        await wait_until(pilot, lambda: "a note" in replies(pilot)[0].frozen.source)
        gate.set()
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        [reply] = replies(pilot)
        await settled(pilot, reply)
        assert reply.frozen.source == text
        assert "Hello there." in "\n".join(text_of(rows(pilot, reply)))
        # Nothing is left to freeze, so nothing keeps polling.
        await wait_until(pilot, lambda: not Freezer.get(app).running)


async def test_replies_removed_while_they_are_being_frozen_leave_the_app_running(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = chat_screen(pilot).transcript
        freeze = AssistantMessage.freeze
        cleared = False

        async def freeze_then_clear(reply: AssistantMessage, documents: list[Markdown]) -> None:
            # As if the user started a new chat while a saved one was being frozen.
            nonlocal cleared
            await freeze(reply, documents)
            if not cleared:
                cleared = True
                await transcript.clear()

        saved = [AssistantMessage(f"Reply {index}\n\n# Heading\n\nEnd.") for index in range(20)]
        monkeypatch.setattr(AssistantMessage, "freeze", freeze_then_clear)
        await transcript.mount_all(saved)
        await wait_until(pilot, lambda: cleared)
        await wait_until(pilot, lambda: not Freezer.get(app).running)
        assert app.is_running and app.return_code is None
        assert not replies(pilot)
        await pilot.press(*"ok")
        assert chat_screen(pilot).prompt.text == "ok"
